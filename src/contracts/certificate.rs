//! `GET /contracts/{id}/certificate`: the registration certificate (技术合同登记证明) as a
//! printable HTML page in Chinese. Every user-supplied text is escaped.

use crate::http::endpoint::State;
use actix_web::{HttpResponse, get, web};

use super::access::ensure_visible;
use super::model::{ContractRow, EntityKind, IntermediaryKind};
use super::queries;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

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
    let region_name = region.and_then(crate::domain::regions::lookup).map(|r| r.name.to_string());
    let mut place = country.to_string();
    if let Some(region) = region {
        place = format!("{place} {region}");
        if let Some(name) = region_name {
            place = format!("{place}（{name}）");
        }
    }
    format!(
        "<tr><th>{label}</th><td>{}<br>统一社会信用代码：{}<br>国别/地区：{}<br>法人类型：{}</td></tr>\n",
        escape(name),
        escape(credit.unwrap_or("—")),
        escape(&place),
        kind.zh()
    )
}

/// Renders the certificate of a registered contract.
pub fn render(contract: &ContractRow) -> String {
    let subtype = contract.subtype.as_deref().and_then(|s| s.parse().ok());
    let mut rows = String::new();
    rows.push_str(&row("合同名称", &contract.name));
    rows.push_str(&row("合同类别", &super::model::type_label_zh(contract.contract_type, subtype)));
    rows.push_str(&party(
        "买方（委托方）",
        &contract.buyer_name,
        contract.buyer_credit_code.as_deref(),
        &contract.buyer_country,
        contract.buyer_region_code.as_deref(),
        contract.buyer_entity_kind,
    ));
    rows.push_str(&party(
        "卖方（受托方）",
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
    rows.push_str(&row("成交额", &format!("{} 元", yuan(contract.amount_fen))));
    rows.push_str(&row("技术交易额", &format!("{} 元", yuan(contract.technology_amount_fen))));
    if let Some(registered_on) = contract.registered_on {
        rows.push_str(&row("登记日期", &registered_on.to_string()));
    }
    let number = contract.registration_number.as_deref().unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>技术合同登记证明 {number}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<h1>技术合同登记证明</h1>\n<p class=\"number\">登记编号：{number}</p>\n<table>\n{rows}</table>\n\
<p>经审查，该合同符合技术合同认定规则，予以登记。</p>\n\
<p class=\"seal\">技术合同登记机构（{registry}）</p>\n</body>\n</html>\n",
        number = escape(number),
        registry = escape(contract.registry_region_code.as_deref().unwrap_or_default()),
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
        Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(render(&contract)))
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
