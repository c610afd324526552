//! CSV headers people read: the field codes by default, or Chinese column names with
//! `headers=zh`; every CSV the API writes starts with a UTF-8 byte-order mark, so spreadsheet
//! programmes on Chinese Windows read it as UTF-8 rather than as GBK.

/// The UTF-8 byte-order mark every CSV answer starts with.
pub const BOM: &str = "\u{feff}";

text_enum! {
    /// How CSV columns are named.
    #[derive(Default)]
    pub enum CsvHeaders {
        /// The field codes (`amount_fen`), as the JSON answers name them.
        #[default]
        Codes => "codes",
        /// Chinese column names (`成交额（分）`).
        Zh => "zh",
    }
}

/// The Chinese name of a column code, if it has one.
pub fn zh(code: &str) -> Option<&'static str> {
    Some(match code {
        "id" => "编号",
        "external_ref" => "外部编号",
        "title" => "标题",
        "name" => "名称",
        "summary" => "简介",
        "description" => "描述",
        "keywords" => "关键词",
        "technology_field" => "技术领域",
        "technology_fields" => "技术领域",
        "industry" => "行业",
        "maturity" => "成熟度",
        "required_maturity" => "要求成熟度",
        "trl" => "技术就绪度",
        "ip_type" => "知识产权类型",
        "patents" => "专利",
        "cooperation_modes" => "合作方式",
        "asking_price_fen" => "意向价格（分）",
        "budget_min_fen" => "预算下限（分）",
        "budget_max_fen" => "预算上限（分）",
        "reward_fen" => "悬赏金额（分）",
        "deadline" => "截止日期",
        "international" => "国际成果",
        "team" => "团队",
        "region_code" => "行政区划代码",
        "valid_until" => "有效期至",
        "status" => "状态",
        "org_id" => "机构编号",
        "organization_name" => "机构名称",
        "organization_verified" => "机构已认证",
        "published_at" => "发布时间",
        "contact.name" => "联系人",
        "contact.phone" => "联系电话",
        "contact.email" => "电子邮箱",
        "user_id" => "用户编号",
        "mine" => "本人",
        "affiliation_name" => "所在单位",
        "affiliation_org_id" => "所在单位编号",
        "expertise_keywords" => "专长",
        "availability" => "服务状态",
        "bio" => "简介",
        "service_types" => "服务类型",
        "qualifications" => "资质",
        "accepts_vouchers" => "受理创新券",
        "services" => "服务项目",
        "figure" => "指标",
        "label" => "名称",
        "value" => "数值",
        "key" => "分组",
        "count" => "数量",
        "amount_fen" => "成交额（分）",
        "technology_amount_fen" => "技术交易额（分）",
        "previous_count" => "上年同期数量",
        "previous_amount_fen" => "上年同期成交额（分）",
        "previous_technology_amount_fen" => "上年同期技术交易额（分）",
        "count_growth" => "数量同比增长",
        "amount_growth" => "成交额同比增长",
        "technology_amount_growth" => "技术交易额同比增长",
        "stage" => "阶段",
        "conversion" => "转化率",
        "total" => "合计",
        "achievements" => "成果",
        "demands" => "需求",
        "experts" => "专家",
        "service_providers" => "服务机构",
        "rank" => "排名",
        "broker_id" => "经纪人编号",
        "display_name" => "姓名",
        "deals_brokered" => "撮合对接",
        "deals_signed" => "签约",
        "contracts" => "技术合同",
        "commission_fen" => "佣金（分）",
        "auction_type" => "交易方式",
        "lots" => "标的数",
        "sold" => "成交",
        "unsold" => "流拍",
        "bidders" => "竞买人",
        "starting_fen" => "起拍价合计（分）",
        "hammer_fen" => "成交价合计（分）",
        "premium_rate" => "溢价率",
        "vouchers_issued" => "发放张数",
        "approved_fen" => "发放金额（分）",
        "used_fen" => "使用金额（分）",
        "claimed_fen" => "申请兑付（分）",
        "paid_fen" => "已兑付（分）",
        "lapsed_fen" => "过期作废（分）",
        "payer_region" => "付款地区代码",
        "payer_name" => "付款地区",
        "payee_region" => "收款地区代码",
        "payee_name" => "收款地区",
        "orders" => "订单数",
        _ => return None,
    })
}

/// The header of a column: its code, or its Chinese name with [`CsvHeaders::Zh`] (the code
/// when it has none).
pub fn header(code: &str, headers: CsvHeaders) -> String {
    match headers {
        CsvHeaders::Codes => code.to_string(),
        CsvHeaders::Zh => zh(code).map_or_else(|| code.to_string(), str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_stay_codes_unless_chinese_is_asked_for() {
        assert_eq!(header("amount_fen", CsvHeaders::Codes), "amount_fen");
        assert_eq!(header("amount_fen", CsvHeaders::Zh), "成交额（分）");
        assert_eq!(header("no_such_column", CsvHeaders::Zh), "no_such_column");
    }
}
