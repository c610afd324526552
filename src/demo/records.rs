//! The demo market's records: real CSL abstracts as achievements, results written the way a
//! transfer office lists them, demands in enterprises' own words, experts and providers.

use serde_json::{Value, json};

/// The CSL records compiled into the binary (Apache-2.0, see `data/csl/NOTICE`).
const CSL: &str = include_str!("../../data/csl/achievements.jsonl");
/// How many CSL records the demo publishes.
const DEMO_ACHIEVEMENTS: usize = 300;

/// The CSL records the demo lists, shaped as achievement bodies with varied market fields.
pub(super) fn demo_achievements() -> Vec<Value> {
    let maturities = ["lab", "small_scale", "pilot", "industrialization"];
    let modes = [
        vec!["transfer"],
        vec!["license", "transfer"],
        vec!["joint_development"],
        vec!["license", "try_before_buy"],
        vec!["equity", "joint_development"],
    ];
    CSL.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .take(DEMO_ACHIEVEMENTS)
        .enumerate()
        .map(|(i, mut record)| {
            if let Some(object) = record.as_object_mut() {
                object.remove("discipline");
                object.remove("split");
                if let Some(Value::Array(keywords)) = object.get_mut("keywords") {
                    keywords.truncate(10);
                }
                object.insert("maturity".into(), json!(maturities[i % maturities.len()]));
                object.insert("cooperation_modes".into(), json!(modes[i % modes.len()]));
                let price = if i % 4 == 3 { Value::Null } else { json!(((i % 20) as i64 + 1) * 50_000_000) };
                object.insert("asking_price_fen".into(), price);
                object.insert("ip_type".into(), json!(if i % 3 == 0 { "invention_patent" } else { "technical_secret" }));
                object.insert(
                    "contact".into(),
                    json!({"name": "成果转化办公室", "phone": "0571-8795" .to_string() + &format!("{:04}", 1000 + i), "email": "tto@xhut.example.edu.cn"}),
                );
            }
            record
        })
        .collect()
}

/// Results written the way a transfer office lists them, one for each demo demand's problem (the
/// CSL papers are research, not offers), with their owner's key.
pub(super) fn written_achievements() -> Vec<(&'static str, Value)> {
    let result = |reference: &str,
                  title: &str,
                  summary: &str,
                  keywords: &[&str],
                  field: &str,
                  maturity: &str,
                  modes: &[&str],
                  price_fen: i64| {
        json!({"external_ref": reference, "title": title, "summary": summary, "keywords": keywords,
               "technology_field": field, "maturity": maturity, "cooperation_modes": modes,
               "asking_price_fen": price_fen, "ip_type": "invention_patent"})
    };
    vec![
        (
            "xihu",
            result(
                "XH-2026-011",
                "印染废水臭氧催化氧化深度处理与脱色工艺",
                "以负载型锰铈催化剂强化臭氧氧化，处理印染废水生化出水，COD由120mg/L降至50mg/L以下，色度去除率90%以上；可利用现有沉淀池改造，药剂成本约为芬顿工艺的40%，污泥量减少80%，已在园区完成中试。",
                &["印染废水", "臭氧催化氧化", "深度处理", "脱色"],
                "environmental_protection",
                "pilot",
                &["transfer", "commissioned_development"],
                150_000_000,
            ),
        ),
        (
            "xihu",
            result(
                "XH-2026-014",
                "垃圾渗滤液膜浓缩液减量化处理技术",
                "采用高级氧化与机械蒸汽再压缩蒸发组合工艺处置渗滤液膜浓缩液，减量化达到原体积的25%以下，出水回用；已在两座填埋场稳定运行。",
                &["渗滤液", "膜浓缩液", "减量化", "高级氧化"],
                "environmental_protection",
                "industrialization",
                &["service", "transfer"],
                120_000_000,
            ),
        ),
        (
            "jiangnan",
            result(
                "JN-2026-003",
                "高镍三元正极材料表面包覆与掺杂改性技术",
                "通过铝钛共掺杂与快离子导体表面包覆，高镍正极在45℃循环1000次容量保持率达85%以上，工艺兼容现有烧结线，已完成吨级中试放大。",
                &["高镍正极", "包覆改性", "循环寿命", "锂离子电池"],
                "new_energy",
                "pilot",
                &["joint_development", "license"],
                400_000_000,
            ),
        ),
        (
            "pengcheng",
            result(
                "PC-2026-021",
                "储能电池组荷电状态高精度估计算法",
                "基于电化学模型与自适应卡尔曼滤波的电池管理系统荷电状态估计算法，SOC估算误差小于2%，已在百兆瓦时储能电站验证。",
                &["电池管理系统", "荷电状态", "估计算法", "储能"],
                "new_energy",
                "industrialization",
                &["license", "service"],
                60_000_000,
            ),
        ),
        (
            "pengcheng",
            result(
                "PC-2026-008",
                "弧焊机器人激光视觉焊缝实时跟踪系统",
                "线结构光视觉传感器与实时纠偏算法，薄板弧焊焊缝跟踪精度±0.2mm，可集成到主流机器人控制柜，已在汽车零部件产线应用。",
                &["焊缝跟踪", "机器视觉", "弧焊机器人", "激光传感"],
                "advanced_manufacturing",
                "industrialization",
                &["transfer", "joint_development"],
                90_000_000,
            ),
        ),
        (
            "xihu",
            result(
                "XH-2026-019",
                "数控机床主轴热误差建模与软件补偿技术",
                "基于温度测点优化与热误差预测模型，通过数控系统软件实时补偿主轴热变形，无需更换硬件，加工尺寸漂移降低70%，提升加工精度。",
                &["热误差补偿", "数控机床", "加工精度", "主轴热变形"],
                "advanced_manufacturing",
                "pilot",
                &["commissioned_development", "license"],
                50_000_000,
            ),
        ),
        (
            "jinghua",
            result(
                "JH-2026-005",
                "猕猴桃壳聚糖复合涂膜绿色保鲜技术",
                "以壳聚糖与植物精油天然提取物复合涂膜，配合冷库气调，猕猴桃采后保鲜期延长至四个月，软化腐烂率降低60%，不用化学杀菌剂，成本每公斤约0.15元。",
                &["猕猴桃", "采后保鲜", "涂膜保鲜", "天然提取物"],
                "agriculture",
                "industrialization",
                &["transfer", "try_before_buy"],
                30_000_000,
            ),
        ),
        (
            "jinghua",
            result(
                "JH-2026-012",
                "养殖场微生物除臭与生物滤池技术",
                "复合功能微生物菌剂结合生物滤池处理养殖场臭气，氨气和硫化氢去除率90%以上，一次性投入约四十万元，已在多个生猪养殖场应用。",
                &["养殖除臭", "微生物", "氨气", "生物滤池"],
                "agriculture",
                "industrialization",
                &["service", "transfer"],
                40_000_000,
            ),
        ),
    ]
}

/// Demands in enterprises' own words.
pub(super) fn demo_demands() -> Vec<(&'static str, Value)> {
    vec![
        (
            "lvyuan",
            json!({"title": "印染废水COD居高不下，求低成本深度处理工艺", "description": "我司承接园区印染企业废水处理，生化出水COD仍在120mg/L左右，色度偏高，现有芬顿工艺药剂成本太高、污泥量大。希望找到运行成本更低的深度处理技术，最好能在现有构筑物上改造。", "keywords": ["印染废水", "深度处理", "COD", "脱色"], "technology_field": "environmental_protection", "industry": "energy_saving_environmental", "required_maturity": "pilot", "budget_min_fen": 50_000_000, "budget_max_fen": 200_000_000, "cooperation_modes": ["transfer", "commissioned_development"]}),
        ),
        (
            "lvyuan",
            json!({"title": "垃圾渗滤液膜浓缩液如何处置", "description": "膜系统产生的浓缩液越来越多，外运处置费用高。想了解有没有成熟的蒸发或高级氧化组合工艺，能把浓缩液减量到原来的三分之一以下。", "keywords": ["渗滤液", "膜浓缩液", "减量化"], "technology_field": "environmental_protection", "budget_max_fen": 150_000_000, "cooperation_modes": ["service", "transfer"]}),
        ),
        (
            "xinli",
            json!({"title": "高镍三元正极循环寿命衰减快，寻求包覆改性方案", "description": "我们量产的高镍正极材料在45℃循环800次后容量保持率低于80%，客户要求1000次以上。希望与高校合作开发表面包覆或掺杂改性工艺，能在现有烧结线上放大。", "keywords": ["高镍正极", "循环寿命", "包覆改性", "锂离子电池"], "technology_field": "new_energy", "industry": "new_energy_vehicles", "required_maturity": "small_scale", "budget_min_fen": 100_000_000, "budget_max_fen": 500_000_000, "cooperation_modes": ["joint_development", "license"], "reward_fen": 300_000_000}),
        ),
        (
            "xinli",
            json!({"title": "电池管理系统SOC估算误差大", "description": "储能项目里电池组SOC估算误差经常超过5%，导致调度不准。想引进更准确的荷电状态估计算法，最好有实车或储能站验证数据。", "keywords": ["电池管理系统", "荷电状态", "估计算法"], "technology_field": "new_energy", "industry": "new_energy", "budget_max_fen": 80_000_000, "cooperation_modes": ["license", "service"]}),
        ),
        (
            "zhizao",
            json!({"title": "机器人焊接焊缝跟踪不稳定", "description": "产线上的弧焊机器人在薄板焊接时焊缝跟踪经常偏移，返修率高。希望找到基于视觉或激光的焊缝实时跟踪技术，能集成到现有控制柜。", "keywords": ["焊缝跟踪", "机器视觉", "弧焊机器人"], "technology_field": "advanced_manufacturing", "industry": "high_end_equipment", "required_maturity": "pilot", "budget_min_fen": 30_000_000, "budget_max_fen": 120_000_000, "cooperation_modes": ["transfer", "joint_development"]}),
        ),
        (
            "zhizao",
            json!({"title": "数控机床主轴热变形导致加工精度下降", "description": "连续加工两小时后零件尺寸漂移明显，怀疑是主轴热变形。寻求热误差建模与补偿方案，要求不更换硬件、通过软件补偿。", "keywords": ["热误差补偿", "数控机床", "加工精度"], "technology_field": "advanced_manufacturing", "industry": "high_end_equipment", "budget_max_fen": 60_000_000, "cooperation_modes": ["commissioned_development", "license"]}),
        ),
        (
            "chuannong",
            json!({"title": "猕猴桃采后保鲜期短，想找绿色保鲜技术", "description": "我们的红心猕猴桃冷库储藏两个月后软化腐烂严重，不想用化学杀菌剂。希望找到天然提取物涂膜或气调保鲜等绿色技术，成本每公斤不超过两毛钱。", "keywords": ["猕猴桃", "采后保鲜", "涂膜保鲜"], "technology_field": "agriculture", "industry": "biotech", "budget_max_fen": 40_000_000, "cooperation_modes": ["transfer", "try_before_buy"]}),
        ),
        (
            "chuannong",
            json!({"title": "生猪养殖场臭气扰民，需要低成本除臭方案", "description": "养殖场周边居民投诉臭味，氨气和硫化氢浓度高。希望找到微生物除臭或生物滤池技术，一次性投入控制在五十万以内。", "keywords": ["养殖除臭", "微生物", "氨气"], "technology_field": "agriculture", "industry": "energy_saving_environmental", "budget_max_fen": 50_000_000, "cooperation_modes": ["service", "transfer"]}),
        ),
    ]
}

/// Expert profiles: (creator role key, body).
pub(super) fn demo_experts() -> Vec<Value> {
    vec![
        json!({"name": "陈明远", "title": "professor", "affiliation_name": "西湖理工大学 环境学院", "technology_fields": ["environmental_protection"], "expertise_keywords": ["工业废水", "高级氧化", "膜分离"], "bio": "长期从事工业废水深度处理与资源化研究，主持国家重点研发计划课题两项，多项技术在印染、化工园区落地。", "region_code": "330106", "services": ["consulting", "diagnosis", "evaluation"], "availability": "available", "contact": {"email": "expert@demo.techmarket.cn"}}),
        json!({"name": "李晓岚", "title": "researcher", "affiliation_name": "江南材料研究院", "technology_fields": ["new_materials", "new_energy"], "expertise_keywords": ["锂离子电池", "正极材料", "表面包覆"], "bio": "研究方向为高能量密度锂离子电池正极材料，擅长材料表面改性与中试放大，曾为多家电池企业提供技术问诊。", "region_code": "320102", "services": ["consulting", "diagnosis", "training"], "availability": "limited"}),
        json!({"name": "张卫东", "title": "senior_engineer", "affiliation_name": "鹏城智能制造研究院", "technology_fields": ["advanced_manufacturing", "electronic_information"], "expertise_keywords": ["机器视觉", "焊接机器人", "运动控制"], "bio": "二十年工业机器人集成经验，负责过汽车白车身焊装线视觉引导项目，熟悉焊缝跟踪与离线编程。", "region_code": "440305", "services": ["consulting", "diagnosis"], "availability": "available"}),
        json!({"name": "刘芳", "title": "associate_professor", "affiliation_name": "京华大学 食品学院", "technology_fields": ["agriculture", "biomedicine"], "expertise_keywords": ["果蔬保鲜", "天然提取物", "冷链"], "bio": "研究果蔬采后生理与绿色保鲜技术，开发的壳聚糖复合涂膜已在柑橘、猕猴桃产区推广。", "region_code": "110108", "services": ["consulting", "evaluation", "training"], "availability": "available"}),
    ]
}

/// Service-provider profiles: (organization key, body).
pub(super) fn demo_providers() -> Vec<(&'static str, Value)> {
    vec![
        (
            "zjtt",
            json!({"service_types": ["technology_transfer", "appraisal", "consulting"], "technology_fields": ["new_materials", "environmental_protection", "advanced_manufacturing"], "qualifications": ["国家技术转移示范机构"], "description": "提供技术成果评估、对接撮合、技术合同认定登记辅导和成果转化全流程服务，可受理创新券。", "accepts_vouchers": true, "services": [{"name": "技术成果价值评估", "description": "出具成果评估报告，作为转让定价参考", "price_min_fen": 2_000_000, "price_max_fen": 8_000_000}, {"name": "技术合同登记辅导", "description": "协助准备技术合同认定登记材料"}]}),
        ),
        (
            "pcip",
            json!({"service_types": ["ip_agency", "legal"], "technology_fields": ["electronic_information", "advanced_manufacturing"], "qualifications": ["专利代理机构执业许可"], "description": "专利申请、专利布局分析、侵权风险评估与知识产权许可谈判支持。", "accepts_vouchers": true, "services": [{"name": "发明专利申请代理", "description": "从技术交底到授权的全流程代理", "price_min_fen": 600_000, "price_max_fen": 1_200_000}]}),
        ),
    ]
}
