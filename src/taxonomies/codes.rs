//! The taxonomy enums: canonical codes with their Chinese and English labels.

/// Declares a taxonomy enum through [`text_enum!`](crate::text_enum) and adds its labels.
///
/// Each line is `Variant => "code", "中文标签", "English label";`; the Chinese label becomes
/// the variant's doc comment, and `zh()` / `en()` return the labels.
macro_rules! taxonomy {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $variant:ident => $code:literal, $zh:literal, $en:literal; )+
        }
    ) => {
        text_enum! {
            $(#[$meta])*
            pub enum $name {
                $( #[doc = $zh] $variant => $code, )+
            }
        }

        impl $name {
            /// The Chinese label.
            pub fn zh(self) -> &'static str {
                match self { $( $name::$variant => $zh ),+ }
            }

            /// A short English label.
            pub fn en(self) -> &'static str {
                match self { $( $name::$variant => $en ),+ }
            }
        }
    };
}

taxonomy! {
    /// Technology field: the 11 fields of technology-contract registration.
    pub enum TechnologyField {
        ElectronicInformation => "electronic_information", "电子信息", "Electronic information";
        AdvancedManufacturing => "advanced_manufacturing", "先进制造", "Advanced manufacturing";
        Aerospace => "aerospace", "航空航天", "Aerospace";
        ModernTransportation => "modern_transportation", "现代交通", "Modern transportation";
        Biomedicine => "biomedicine", "生物医药和医疗器械", "Biomedicine and medical devices";
        NewMaterials => "new_materials", "新材料及其应用", "New materials and their applications";
        NewEnergy => "new_energy", "新能源与高效节能", "New energy and energy efficiency";
        EnvironmentalProtection => "environmental_protection", "环境保护与资源综合利用",
            "Environmental protection and resource recycling";
        Nuclear => "nuclear", "核应用", "Nuclear applications";
        Agriculture => "agriculture", "农业", "Agriculture";
        UrbanSocial => "urban_social", "城市建设与社会发展", "Urban construction and social development";
    }
}

taxonomy! {
    /// Industry: the 9 sectors of the 2018 strategic emerging industries.
    pub enum Industry {
        NextGenIt => "next_gen_it", "新一代信息技术", "Next-generation information technology";
        HighEndEquipment => "high_end_equipment", "高端装备制造", "High-end equipment manufacturing";
        NewMaterials => "new_materials", "新材料", "New materials";
        Biotech => "biotech", "生物", "Biotechnology";
        NewEnergyVehicles => "new_energy_vehicles", "新能源汽车", "New energy vehicles";
        NewEnergy => "new_energy", "新能源", "New energy";
        EnergySavingEnvironmental => "energy_saving_environmental", "节能环保",
            "Energy saving and environmental protection";
        DigitalCreative => "digital_creative", "数字创意", "Digital creative";
        RelatedServices => "related_services", "相关服务业", "Related services";
    }
}

taxonomy! {
    /// Maturity of a technology, each stage covering a range of technology readiness levels
    /// (TRL); a demand's required maturity is a minimum.
    pub enum Maturity {
        Lab => "lab", "实验室", "Laboratory";
        SmallScale => "small_scale", "小试", "Small-scale trial";
        Pilot => "pilot", "中试", "Pilot";
        Industrialization => "industrialization", "产业化", "Industrialization";
    }
}

impl Maturity {
    /// The technology readiness levels of this stage, inclusive: lab 1–3, small scale 4–5,
    /// pilot 6–7, industrialization 8–9.
    pub fn trl_range(self) -> (u8, u8) {
        match self {
            Maturity::Lab => (1, 3),
            Maturity::SmallScale => (4, 5),
            Maturity::Pilot => (6, 7),
            Maturity::Industrialization => (8, 9),
        }
    }

    /// The stage a technology readiness level (1–9) belongs to; `None` outside 1–9.
    pub fn from_trl(trl: u8) -> Option<Maturity> {
        Maturity::ALL.iter().copied().find(|m| {
            let (min, max) = m.trl_range();
            (min..=max).contains(&trl)
        })
    }

    /// Position in the order lab (0) < small scale (1) < pilot (2) < industrialization (3).
    ///
    /// A demand's required maturity is a minimum: an achievement meets it when
    /// `achievement.rank() >= required.rank()`.
    pub fn rank(self) -> u8 {
        match self {
            Maturity::Lab => 0,
            Maturity::SmallScale => 1,
            Maturity::Pilot => 2,
            Maturity::Industrialization => 3,
        }
    }

    /// Whether this maturity meets `required`, a minimum.
    pub fn meets(self, required: Maturity) -> bool {
        self.rank() >= required.rank()
    }
}

taxonomy! {
    /// Kind of intellectual property protecting an achievement.
    pub enum IpType {
        InventionPatent => "invention_patent", "发明专利", "Invention patent";
        UtilityModel => "utility_model", "实用新型", "Utility model";
        Design => "design", "外观设计", "Design";
        SoftwareCopyright => "software_copyright", "软件著作权", "Software copyright";
        IcLayout => "ic_layout", "集成电路布图设计", "IC layout design";
        PlantVariety => "plant_variety", "植物新品种", "Plant variety";
        NewDrug => "new_drug", "新药证书", "New drug certificate";
        TechnicalSecret => "technical_secret", "技术秘密", "Technical secret";
        None => "none", "无", "None";
    }
}

taxonomy! {
    /// Legal status of a patent.
    pub enum PatentStatus {
        Application => "application", "申请中", "Application pending";
        Granted => "granted", "已授权", "Granted";
        Lapsed => "lapsed", "已失效", "Lapsed";
    }
}

taxonomy! {
    /// How an achievement is offered or a demand wants to cooperate.
    pub enum CooperationMode {
        Transfer => "transfer", "转让", "Transfer";
        License => "license", "许可", "License";
        Equity => "equity", "作价入股", "Equity contribution";
        JointDevelopment => "joint_development", "合作开发", "Joint development";
        CommissionedDevelopment => "commissioned_development", "委托开发",
            "Commissioned development";
        Service => "service", "技术服务与咨询", "Technical service and consulting";
        TryBeforeBuy => "try_before_buy", "先用后转", "Use first, pay later";
    }
}

taxonomy! {
    /// An expert's professional title.
    pub enum ExpertTitle {
        Professor => "professor", "教授", "Professor";
        AssociateProfessor => "associate_professor", "副教授", "Associate professor";
        Researcher => "researcher", "研究员", "Research fellow";
        AssociateResearcher => "associate_researcher", "副研究员", "Associate research fellow";
        SeniorEngineer => "senior_engineer", "高级工程师", "Senior engineer";
        Engineer => "engineer", "工程师", "Engineer";
        Other => "other", "其他", "Other";
    }
}

taxonomy! {
    /// A service an expert offers.
    pub enum ExpertService {
        Consulting => "consulting", "咨询", "Consulting";
        Evaluation => "evaluation", "评审评价", "Evaluation";
        Diagnosis => "diagnosis", "技术问诊", "Technical diagnosis";
        Training => "training", "培训", "Training";
    }
}

taxonomy! {
    /// A type of service a service organization provides.
    pub enum ServiceType {
        TechnologyTransfer => "technology_transfer", "技术转移", "Technology transfer";
        IpAgency => "ip_agency", "知识产权代理", "IP agency";
        TestingCertification => "testing_certification", "检验检测认证",
            "Testing and certification";
        Finance => "finance", "科技金融", "Technology finance";
        Incubation => "incubation", "孵化", "Incubation";
        Legal => "legal", "法律", "Legal services";
        Appraisal => "appraisal", "评估评价", "Appraisal";
        Consulting => "consulting", "咨询", "Consulting";
        RdDesign => "rd_design", "研发设计", "R&D design";
        PilotTrial => "pilot_trial", "中试熟化", "Pilot trials";
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::macros::assert_text_enum;

    /// Serde names equal the codes, codes and labels are unique and non-empty, codes parse back.
    macro_rules! check {
        ($enum:ty, $count:expr) => {{
            assert_text_enum(<$enum>::ALL, |v| v.as_str());
            assert_eq!(<$enum>::ALL.len(), $count, stringify!($enum));
            let codes: HashSet<_> = <$enum>::ALL.iter().map(|v| v.as_str()).collect();
            let zh: HashSet<_> = <$enum>::ALL.iter().map(|v| v.zh()).collect();
            let en: HashSet<_> = <$enum>::ALL.iter().map(|v| v.en()).collect();
            assert_eq!(codes.len(), $count, "duplicate code in {}", stringify!($enum));
            assert_eq!(zh.len(), $count, "duplicate zh label in {}", stringify!($enum));
            assert_eq!(en.len(), $count, "duplicate en label in {}", stringify!($enum));
            for value in <$enum>::ALL {
                assert!(!value.zh().is_empty() && !value.en().is_empty());
                assert_eq!(value.as_str().parse::<$enum>(), Ok(*value));
            }
        }};
    }

    #[test]
    fn serde_names_and_counts() {
        check!(TechnologyField, 11);
        check!(Industry, 9);
        check!(Maturity, 4);
        check!(IpType, 9);
        check!(PatentStatus, 3);
        check!(CooperationMode, 7);
        check!(ExpertTitle, 7);
        check!(ExpertService, 4);
        check!(ServiceType, 10);
    }

    #[test]
    fn labels_follow_the_domain() {
        assert_eq!(TechnologyField::Biomedicine.zh(), "生物医药和医疗器械");
        assert_eq!(Industry::NextGenIt.as_str(), "next_gen_it");
        assert_eq!(Maturity::Lab.zh(), "实验室");
        assert_eq!(IpType::InventionPatent.zh(), "发明专利");
        assert_eq!(CooperationMode::Equity.zh(), "作价入股");
        assert_eq!(ExpertService::Diagnosis.zh(), "技术问诊");
        assert_eq!(ServiceType::TestingCertification.zh(), "检验检测认证");
        assert_eq!(serde_json::to_value(IpType::None).unwrap(), serde_json::json!("none"));
    }

    #[test]
    fn maturity_from_trl() {
        let expected = [
            (1, Maturity::Lab),
            (2, Maturity::Lab),
            (3, Maturity::Lab),
            (4, Maturity::SmallScale),
            (5, Maturity::SmallScale),
            (6, Maturity::Pilot),
            (7, Maturity::Pilot),
            (8, Maturity::Industrialization),
            (9, Maturity::Industrialization),
        ];
        for (trl, maturity) in expected {
            assert_eq!(Maturity::from_trl(trl), Some(maturity), "TRL {trl}");
            let (min, max) = maturity.trl_range();
            assert!(min <= trl && trl <= max);
        }
        assert_eq!(Maturity::from_trl(0), None);
        assert_eq!(Maturity::from_trl(10), None);
        assert_eq!(Maturity::from_trl(u8::MAX), None);
    }

    #[test]
    fn maturity_ranks_are_ordered_minimums() {
        let ranks: Vec<u8> = Maturity::ALL.iter().map(|m| m.rank()).collect();
        assert_eq!(ranks, [0, 1, 2, 3]);
        // Ranges tile 1..=9 in rank order.
        let mut next = 1;
        for maturity in Maturity::ALL {
            let (min, max) = maturity.trl_range();
            assert_eq!(min, next);
            next = max + 1;
        }
        assert_eq!(next, 10);
        assert!(Maturity::Pilot.meets(Maturity::SmallScale));
        assert!(Maturity::Pilot.meets(Maturity::Pilot));
        assert!(!Maturity::Lab.meets(Maturity::SmallScale));
    }
}
