//! The contract vocabulary (types, subtypes, statuses, plan categories, entity kinds, cost
//! items, refusal reasons) with Chinese labels, and the rows as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{contract_amendments, contract_milestones, contract_payments, contracts};
use crate::taxonomies::{IpType, TechnologyField};

/// Declares a text enum (see [`text_enum!`](crate::text_enum)) with a Chinese label per value.
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, $zh:literal; )+
        }
    ) => {
        text_enum! {
            $(#[$meta])*
            pub enum $name {
                $( $(#[$vmeta])* $variant => $text, )+
            }
        }

        impl $name {
            /// The Chinese label.
            pub fn zh(self) -> &'static str {
                match self { $( $name::$variant => $zh ),+ }
            }
        }
    };
}

labelled_enum! {
    /// The five technology-contract types of the Civil Code.
    pub enum ContractType {
        /// 技术开发
        Development => "development", "技术开发";
        /// 技术转让 (contributing technology as equity registers as a transfer)
        Transfer => "transfer", "技术转让";
        /// 技术许可
        License => "license", "技术许可";
        /// 技术咨询 (no subtypes)
        Consulting => "consulting", "技术咨询";
        /// 技术服务
        Service => "service", "技术服务";
    }
}

labelled_enum! {
    /// A contract subtype; which ones a type admits is [`ContractType::subtypes`].
    pub enum ContractSubtype {
        /// development: 委托开发
        Commissioned => "commissioned", "委托开发";
        /// development: 合作开发
        Cooperative => "cooperative", "合作开发";
        /// transfer: 专利权转让
        PatentRight => "patent_right", "专利权转让";
        /// transfer: 专利申请权转让
        PatentApplicationRight => "patent_application_right", "专利申请权转让";
        /// transfer: 技术秘密转让; license: 技术秘密使用许可
        TechnicalSecret => "technical_secret", "技术秘密";
        /// transfer or license: other
        Other => "other", "其他";
        /// license: 专利实施许可
        Patent => "patent", "专利实施许可";
        /// service: 一般技术服务
        General => "general", "一般技术服务";
        /// service: 技术中介
        Intermediary => "intermediary", "技术中介";
        /// service: 技术培训
        Training => "training", "技术培训";
    }
}

impl ContractType {
    /// The subtypes this type admits (none for consulting).
    pub fn subtypes(self) -> &'static [ContractSubtype] {
        use ContractSubtype::*;
        match self {
            ContractType::Development => &[Commissioned, Cooperative],
            ContractType::Transfer => {
                &[PatentRight, PatentApplicationRight, TechnicalSecret, Other]
            }
            ContractType::License => &[Patent, TechnicalSecret, Other],
            ContractType::Consulting => &[],
            ContractType::Service => &[General, Intermediary, Training],
        }
    }
}

/// The Chinese name of a type and subtype as the registration certificate writes it.
pub fn type_label_zh(contract_type: ContractType, subtype: Option<ContractSubtype>) -> String {
    let sub = match (contract_type, subtype) {
        (_, None) => return contract_type.zh().to_string(),
        (ContractType::Transfer, Some(ContractSubtype::TechnicalSecret)) => "技术秘密转让",
        (ContractType::License, Some(ContractSubtype::TechnicalSecret)) => "技术秘密使用许可",
        (ContractType::Transfer, Some(ContractSubtype::Other)) => "其他技术转让",
        (ContractType::License, Some(ContractSubtype::Other)) => "其他技术许可",
        (_, Some(other)) => other.zh(),
    };
    format!("{}（{sub}）", contract_type.zh())
}

labelled_enum! {
    /// Where a contract stands: recorded, registered by the registry, then performed.
    pub enum ContractStatus {
        /// Being entered by the seller side.
        Draft => "draft", "草稿";
        /// Waiting for the registry.
        Submitted => "submitted", "待登记";
        /// Returned by the registry for more material (edit and submit again).
        Returned => "returned", "退回补正";
        /// 予以登记: registered, with a registration number.
        Registered => "registered", "已登记";
        /// 不予登记: refused, with a coded reason.
        Refused => "refused", "不予登记";
        /// Being performed (money is coming in).
        Performing => "performing", "履行中";
        /// Performed; the technology income is confirmed.
        Completed => "completed", "履行完毕";
        /// Ended early.
        Terminated => "terminated", "已终止";
    }
}

impl ContractStatus {
    /// Whether the contract may still be edited (PATCH).
    pub fn is_editable(self) -> bool {
        matches!(self, ContractStatus::Draft | ContractStatus::Returned)
    }

    /// Whether the contract has been registered (it then has a registration number).
    pub fn is_registered(self) -> bool {
        matches!(
            self,
            ContractStatus::Registered
                | ContractStatus::Performing
                | ContractStatus::Completed
                | ContractStatus::Terminated
        )
    }

    /// Whether the contract is registered and not yet finished (payments, amendments).
    pub fn is_live(self) -> bool {
        matches!(self, ContractStatus::Registered | ContractStatus::Performing)
    }
}

labelled_enum! {
    /// 计划类别: whether the work comes from a government programme, and whose.
    pub enum PlanCategory {
        /// 国家计划
        National => "national", "国家计划";
        /// 省级计划
        Provincial => "provincial", "省级计划";
        /// 市级计划
        Municipal => "municipal", "市级计划";
        /// 其他政府计划
        OtherGovernment => "other_government", "其他政府计划";
        /// 非计划
        None => "none", "非计划";
    }
}

labelled_enum! {
    /// The legal-entity kind of a party (法人类型).
    pub enum EntityKind {
        /// 企业
        Enterprise => "enterprise", "企业";
        /// 高等院校
        University => "university", "高等院校";
        /// 科研院所
        ResearchInstitute => "research_institute", "科研院所";
        /// 服务机构
        ServiceOrganization => "service_organization", "服务机构";
        /// 机关
        Government => "government", "机关";
        /// 社会团体
        SocialOrganization => "social_organization", "社会团体";
        /// 自然人
        Individual => "individual", "自然人";
        /// 其他组织
        Other => "other", "其他组织";
    }
}

impl From<crate::organizations::model::OrgKind> for EntityKind {
    fn from(kind: crate::organizations::model::OrgKind) -> Self {
        use crate::organizations::model::OrgKind;
        match kind {
            OrgKind::Enterprise => EntityKind::Enterprise,
            OrgKind::University => EntityKind::University,
            OrgKind::ResearchInstitute => EntityKind::ResearchInstitute,
            OrgKind::ServiceProvider => EntityKind::ServiceOrganization,
            OrgKind::Government => EntityKind::Government,
        }
    }
}

labelled_enum! {
    /// Non-technical costs deducted from the contract amount (技术交易额 = 成交额 − these).
    pub enum CostItem {
        /// 设备
        Equipment => "equipment", "设备";
        /// 仪器
        Instruments => "instruments", "仪器";
        /// 零部件
        Parts => "parts", "零部件";
        /// 原材料
        RawMaterials => "raw_materials", "原材料";
    }
}

labelled_enum! {
    /// Why the registry refuses to register (不予登记).
    pub enum RefusalReason {
        /// 当事人不明确
        PartiesUnclear => "parties_unclear", "当事人不明确";
        /// 标的不明确
        SubjectUnclear => "subject_unclear", "标的不明确";
        /// 价款不明确
        PriceUnclear => "price_unclear", "价款、报酬或使用费不明确";
        /// 不属于技术合同
        NotTechnologyContract => "not_technology_contract", "不属于技术合同";
        /// 标的属于公知技术
        PublicDomain => "public_domain", "标的属于公知技术";
        /// Other (explain in the note).
        Other => "other", "其他";
    }
}

labelled_enum! {
    /// Who the intermediary (中介方) is.
    pub enum IntermediaryKind {
        /// A technology broker (a user).
        Broker => "broker", "技术经纪人";
        /// A service organization.
        ServiceProvider => "service_provider", "技术中介服务机构";
    }
}

labelled_enum! {
    /// Where a requested change of a registered contract stands.
    pub enum AmendmentStatus {
        /// Waiting for the registry.
        Pending => "pending", "待登记";
        /// Registered: the new values apply.
        Registered => "registered", "已登记";
        /// Rejected by the registry.
        Rejected => "rejected", "不予登记";
    }
}

/// A stored contract.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contracts, treat_none_as_null = true)]
pub struct ContractRow {
    /// Id.
    pub id: String,
    /// The deal it closes, if any.
    pub deal_id: Option<String>,
    /// Contract name.
    pub name: String,
    /// Type.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub contract_type: ContractType,
    /// Subtype (`None` for consulting).
    pub subtype: Option<String>,
    /// Buyer organization on the platform.
    pub buyer_org_id: Option<String>,
    /// Buyer name.
    pub buyer_name: String,
    /// Buyer credit code.
    pub buyer_credit_code: Option<String>,
    /// Buyer country (ISO 3166-1 alpha-2).
    pub buyer_country: String,
    /// Buyer region code.
    pub buyer_region_code: Option<String>,
    /// Buyer entity kind.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub buyer_entity_kind: EntityKind,
    /// Seller organization on the platform.
    pub seller_org_id: Option<String>,
    /// Seller name.
    pub seller_name: String,
    /// Seller credit code.
    pub seller_credit_code: Option<String>,
    /// Seller country.
    pub seller_country: String,
    /// Seller region code.
    pub seller_region_code: Option<String>,
    /// Seller entity kind.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub seller_entity_kind: EntityKind,
    /// broker or service_provider.
    pub intermediary_kind: Option<String>,
    /// The broker.
    pub intermediary_user_id: Option<String>,
    /// The service organization.
    pub intermediary_org_id: Option<String>,
    /// The intermediary's name.
    pub intermediary_name: Option<String>,
    /// Commission in basis points of the technology amount.
    pub commission_rate_bp: Option<i64>,
    /// Commission as a fixed amount.
    pub commission_fen: Option<i64>,
    /// Technology field.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub technology_field: TechnologyField,
    /// IP type.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub ip_type: IpType,
    /// Plan category.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub plan_category: PlanCategory,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// Start of validity.
    pub valid_from: NaiveDate,
    /// End of validity.
    pub valid_to: NaiveDate,
    /// 成交额.
    pub amount_fen: i64,
    /// Non-technical costs, JSON `[{item, amount_fen}]`.
    pub non_technical_costs: String,
    /// Their sum.
    pub non_technical_fen: i64,
    /// 技术交易额 = amount − non-technical costs.
    pub technology_amount_fen: i64,
    /// Transfers: expected new investment.
    pub expected_investment_fen: Option<i64>,
    /// Transfers: expected new output.
    pub expected_output_fen: Option<i64>,
    /// Status.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ContractStatus,
    /// The organization that manages the record (the seller, when on the platform).
    pub owner_org_id: Option<String>,
    /// The registry's region code.
    pub registry_region_code: Option<String>,
    /// Registration year (four digits).
    pub registration_year: Option<i32>,
    /// Serial within registry and year.
    pub registration_serial: Option<i64>,
    /// YY + region code + six-digit serial.
    pub registration_number: Option<String>,
    /// Registration date.
    pub registered_on: Option<NaiveDate>,
    /// The administrator who registered it.
    pub registered_by: Option<String>,
    /// When it was last submitted.
    pub submitted_at: Option<NaiveDateTime>,
    /// The registry's last note (what is missing, or why it was refused).
    pub return_note: Option<String>,
    /// The coded refusal reason.
    pub refusal_reason: Option<String>,
    /// 技术性收入 confirmed on completion.
    pub technology_income_fen: Option<i64>,
    /// Completion time.
    pub completed_at: Option<NaiveDateTime>,
    /// Why it was terminated.
    pub terminated_reason: Option<String>,
    /// Termination time.
    pub terminated_at: Option<NaiveDateTime>,
    /// The creator's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// SHA-256 of the canonical creation body.
    pub request_hash: Option<String>,
    /// Creator.
    pub created_by: String,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A stored milestone of the payment schedule.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_milestones)]
pub struct MilestoneRow {
    /// Id.
    pub id: String,
    /// Contract.
    pub contract_id: String,
    /// 1-based position.
    pub position: i32,
    /// Due date.
    pub due_on: NaiveDate,
    /// Amount due.
    pub amount_fen: i64,
    /// What is paid for.
    pub description: String,
}

/// A stored payment.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_payments)]
pub struct PaymentRow {
    /// Id.
    pub id: String,
    /// Contract.
    pub contract_id: String,
    /// The milestone it pays, if named.
    pub milestone_id: Option<String>,
    /// Date received.
    pub paid_on: NaiveDate,
    /// Amount received.
    pub amount_fen: i64,
    /// Note.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// Recorded.
    pub created_at: NaiveDateTime,
}

/// A stored amendment (a registered change of a registered contract).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_amendments)]
pub struct AmendmentRow {
    /// Id.
    pub id: String,
    /// Contract.
    pub contract_id: String,
    /// What changes.
    pub what: String,
    /// Why.
    pub why: String,
    /// The new values (JSON).
    pub new_values: String,
    /// The values they replaced (JSON), once registered.
    pub previous_values: Option<String>,
    /// Status.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AmendmentStatus,
    /// Who asked.
    pub requested_by: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<NaiveDateTime>,
    /// The registry's note.
    pub decision_note: Option<String>,
    /// Requested.
    pub created_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::macros::assert_text_enum;

    #[test]
    fn enums_serialize_as_their_text() {
        assert_text_enum(ContractType::ALL, |v| v.as_str());
        assert_text_enum(ContractSubtype::ALL, |v| v.as_str());
        assert_text_enum(ContractStatus::ALL, |v| v.as_str());
        assert_text_enum(PlanCategory::ALL, |v| v.as_str());
        assert_text_enum(EntityKind::ALL, |v| v.as_str());
        assert_text_enum(CostItem::ALL, |v| v.as_str());
        assert_text_enum(RefusalReason::ALL, |v| v.as_str());
        assert_text_enum(IntermediaryKind::ALL, |v| v.as_str());
        assert_text_enum(AmendmentStatus::ALL, |v| v.as_str());
    }

    #[test]
    fn subtypes_follow_the_civil_code() {
        assert!(ContractType::Consulting.subtypes().is_empty());
        assert!(ContractType::License.subtypes().contains(&ContractSubtype::Patent));
        assert!(!ContractType::Transfer.subtypes().contains(&ContractSubtype::Patent));
        assert_eq!(
            type_label_zh(ContractType::License, Some(ContractSubtype::TechnicalSecret)),
            "技术许可（技术秘密使用许可）"
        );
        assert_eq!(type_label_zh(ContractType::Consulting, None), "技术咨询");
    }
}
