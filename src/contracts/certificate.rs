//! `GET /contracts/{id}/certificate`: the registration certificate (技术合同登记证明) as a
//! printable HTML page in Chinese. Every user-supplied text is escaped.

use crate::http::endpoint::State;
use actix_web::{HttpResponse, get, web};

use super::access::ensure_visible;
use super::model::{ContractRow, ContractSubtype, ContractType, EntityKind, IntermediaryKind};
use super::queries;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::html::escape;

/// Fen as yuan with two decimals and thousands separators: `123456789` → `1,234,567.89`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

/// The print styles of the market's documents (certificates, confirmations).
pub const STYLE: &str = "body{font-family:'Songti SC','SimSun',serif;margin:2em;color:#000}\
h1{text-align:center;letter-spacing:.3em;font-size:1.8em}\
.number{text-align:right;margin-bottom:1em}\
table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #000;padding:.45em .6em;text-align:left;vertical-align:top}\
th{width:9em;background:#f3f3f3;font-weight:normal}\
.seal{margin-top:3em;text-align:right}\
@media print{@page{size:A4;margin:18mm}body{margin:0}th{background:none}}";

/// One labelled row of a document table, the value escaped.
pub fn row(label: &str, value: &str) -> String {
    format!("<tr><th>{label}</th><td>{}</td></tr>\n", escape(value))
}

fn party(
    label: &str,
    name: &str,
    credit: Option<&str>,
    country: &str,
    region: Option<&str>,
    kind: EntityKind,
) -> String {
    let country = if country == "CN" { "中国" } else { country };
    let place = match region.and_then(crate::domain::regions::full_name) {
        Some(name) => format!("{country} {name}"),
        None => country.to_string(),
    };
    format!(
        "<tr><th>{label}</th><td>{}<br>统一社会信用代码：{}<br>国别/地区：{}<br>法人类型：{}</td></tr>\n",
        escape(name),
        escape(credit.unwrap_or("—")),
        escape(&place),
        kind.zh()
    )
}

/// An amount as the certificate writes it: in figures and in capitals (大写).
fn amount(fen: i64) -> String {
    format!("{} 元（大写：{}）", yuan(fen), crate::domain::rmb::capitals(fen))
}

/// The registry's name: the configured name for this instance's registry, else the region's
/// full name with 技术合同登记机构.
pub fn registry_name(code: &str, own_code: &str, own_name: Option<&str>) -> String {
    match own_name {
        Some(name) if code == own_code => name.to_string(),
        _ => {
            let region =
                crate::domain::regions::full_name(code).unwrap_or_else(|| code.to_string());
            format!("{region}技术合同登记机构")
        }
    }
}

/// Renders the certificate of a registered contract, issued by `registry`.
pub fn render(contract: &ContractRow, registry: &str) -> String {
    let subtype = contract.subtype.as_deref().and_then(|s| s.parse().ok());
    let (buyer_label, seller_label) = party_roles_zh(contract.contract_type, subtype);
    let mut rows = String::new();
    rows.push_str(&row("合同名称", &contract.name));
    rows.push_str(&row("合同类别", &super::model::type_label_zh(contract.contract_type, subtype)));
    rows.push_str(&party(
        buyer_label,
        &contract.buyer_name,
        contract.buyer_credit_code.as_deref(),
        &contract.buyer_country,
        contract.buyer_region_code.as_deref(),
        contract.buyer_entity_kind,
    ));
    rows.push_str(&party(
        seller_label,
        &contract.seller_name,
        contract.seller_credit_code.as_deref(),
        &contract.seller_country,
        contract.seller_region_code.as_deref(),
        contract.seller_entity_kind,
    ));
    if let Some(name) = &contract.intermediary_name {
        let kind = contract
            .intermediary_kind
            .as_deref()
            .and_then(|k| k.parse::<IntermediaryKind>().ok())
            .map_or("", |k| k.zh());
        rows.push_str(&row("中介方", &format!("{name}（{kind}）")));
    }
    rows.push_str(&row("技术领域", contract.technology_field.zh()));
    rows.push_str(&row("知识产权类型", contract.ip_type.zh()));
    rows.push_str(&row("计划类别", contract.plan_category.zh()));
    rows.push_str(&row("签订日期", &contract.signed_on.to_string()));
    rows.push_str(&row("有效期", &format!("{} 至 {}", contract.valid_from, contract.valid_to)));
    rows.push_str(&row("成交额", &amount(contract.amount_fen)));
    rows.push_str(&row("技术交易额", &amount(contract.technology_amount_fen)));
    if let Some(registered_on) = contract.registered_on {
        rows.push_str(&row("登记日期", &registered_on.to_string()));
    }
    let number = contract.registration_number.as_deref().unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>技术合同登记证明 {number}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<h1>技术合同登记证明</h1>\n<p class=\"number\">登记编号：{number}</p>\n<table>\n{rows}</table>\n\
<p>经审查，该合同符合技术合同认定规则，予以登记。</p>\n\
<p>核验：任何人可凭登记编号在 /api/v1/registrations/{number}/verify 查验合同名称、登记日期与登记机构。</p>\n\
<p class=\"seal\">{registry}</p>\n</body>\n</html>\n",
        number = escape(number),
        registry = escape(registry),
    )
}

crate::endpoint! {
    /// The registration certificate (技术合同登记证明), `text/html; charset=utf-8` with print
    /// styles; for registered (and later) contracts only. Visible to whoever sees the contract.
    get "/contracts/{id}/certificate" => certificate, tag "contracts",
    path { "id": "Contract id" },
    responses [(status = 200, description = "The certificate", content_type = "text/html; charset=utf-8", body = String), (status = 409, description = "The contract is not registered", body = crate::error::Problem, content_type = "application/problem+json"),],
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let contract = state
            .db
            .read(move |conn| {
                let row = queries::find(conn, &id)?;
                ensure_visible(&user, &row)?;
                Ok(row)
            })
            .await?;
        if !contract.status.is_registered() {
            return Err(ApiError::conflict(format!(
                "only registered contracts have a registration certificate; this one is {}",
                contract.status
            )));
        }
        let config = &state.config;
        let registry = registry_name(
            contract.registry_region_code.as_deref().unwrap_or_default(),
            &config.registry_region_code,
            config.registry_name.as_deref(),
        );
        Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(render(&contract, &registry)))
    }
}

/// How the certificate names the buyer and the seller of a contract of this type, as the
/// Civil Code calls the parties: 受让人/让与人 (transfer), 被许可人/许可人 (licence),
/// 合作方 (cooperative development), 委托方/受托方 (commissioned development, consulting,
/// service).
fn party_roles_zh(
    contract_type: ContractType,
    subtype: Option<ContractSubtype>,
) -> (&'static str, &'static str) {
    match (contract_type, subtype) {
        (ContractType::Transfer, _) => ("买方（受让人）", "卖方（让与人）"),
        (ContractType::License, _) => ("买方（被许可人）", "卖方（许可人）"),
        (ContractType::Development, Some(ContractSubtype::Cooperative)) => {
            ("买方（合作方）", "卖方（合作方）")
        }
        (ContractType::Development, _) => ("买方（委托方）", "卖方（研究开发人）"),
        (ContractType::Consulting | ContractType::Service, _) => {
            ("买方（委托方）", "卖方（受托方）")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_has_two_decimals_and_groups() {
        assert_eq!(yuan(0), "0.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(123_456_789), "1,234,567.89");
        assert_eq!(yuan(100_000), "1,000.00");
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
