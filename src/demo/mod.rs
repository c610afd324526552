//! `techmarket demo` / `techmarket serve --demo`: fills an empty database with a small,
//! realistic market — organizations of every kind in a few cities, a user of every role
//! (credentials printed once), a few hundred real achievements from the CSL records shipped in
//! `data/csl`, demands in enterprises' own words, experts and service providers, auction lots
//! and innovation vouchers — then [`story`] plays a working month through the API.

mod records;
pub mod story;

use records::{
    demo_achievements, demo_demands, demo_experts, demo_providers, written_achievements,
};

use anyhow::{Context, bail};
use diesel::prelude::*;
use rand::Rng;
use serde_json::Value;

use crate::accounts::model::Role;
use crate::accounts::queries::{self as user_queries, UserDraft};
use crate::audit::Actor;
use crate::auth::password;
use crate::db::schema::users;
use crate::db::{DbConnection, write_transaction};
use crate::domain::credit_code::compute_check_character;
use crate::listings::bulk::{self, ImportContext, RecordLibrary};
use crate::listings::lifecycle::ListingStatus;
use crate::organizations::dto::ValidNewOrganization;
use crate::organizations::model::{OrgKind, Organization};
use crate::search::{SearchDoc, SearchIndex};

struct OrgSpec {
    key: &'static str,
    name: &'static str,
    kind: OrgKind,
    region: &'static str,
    website: &'static str,
}

const ORGS: &[OrgSpec] = &[
    OrgSpec {
        key: "bureau",
        name: "杭州市科学技术局（演示）",
        kind: OrgKind::Government,
        region: "330100",
        website: "https://kjj.example.gov.cn",
    },
    OrgSpec {
        key: "xihu",
        name: "西湖理工大学（演示）",
        kind: OrgKind::University,
        region: "330106",
        website: "https://www.xhut.example.edu.cn",
    },
    OrgSpec {
        key: "jinghua",
        name: "京华大学（演示）",
        kind: OrgKind::University,
        region: "110108",
        website: "https://www.jinghua.example.edu.cn",
    },
    OrgSpec {
        key: "jiangnan",
        name: "江南材料研究院（演示）",
        kind: OrgKind::ResearchInstitute,
        region: "320102",
        website: "https://www.jnmi.example.cn",
    },
    OrgSpec {
        key: "pengcheng",
        name: "鹏城智能制造研究院（演示）",
        kind: OrgKind::ResearchInstitute,
        region: "440305",
        website: "https://www.pcim.example.cn",
    },
    OrgSpec {
        key: "lvyuan",
        name: "杭州绿源环保科技有限公司（演示）",
        kind: OrgKind::Enterprise,
        region: "330108",
        website: "https://www.lvyuan.example.com",
    },
    OrgSpec {
        key: "xinli",
        name: "南京新锂能源有限公司（演示）",
        kind: OrgKind::Enterprise,
        region: "320102",
        website: "https://www.xinli.example.com",
    },
    OrgSpec {
        key: "zhizao",
        name: "深圳智造装备有限公司（演示）",
        kind: OrgKind::Enterprise,
        region: "440305",
        website: "https://www.zhizao.example.com",
    },
    OrgSpec {
        key: "chuannong",
        name: "成都川农生物科技有限公司（演示）",
        kind: OrgKind::Enterprise,
        region: "510107",
        website: "https://www.chuannong.example.com",
    },
    OrgSpec {
        key: "zjtt",
        name: "浙江技术转移中心有限公司（演示）",
        kind: OrgKind::ServiceProvider,
        region: "330106",
        website: "https://www.zjtt.example.com",
    },
    OrgSpec {
        key: "pcip",
        name: "深圳鹏程知识产权代理事务所（演示）",
        kind: OrgKind::ServiceProvider,
        region: "440305",
        website: "https://www.pcip.example.com",
    },
];

/// The people the demo creates: (e-mail, display name, role, organization key).
const PEOPLE: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin@demo.techmarket.cn", "市科技局管理员", Role::Admin, Some("bureau")),
    ("enterprise@demo.techmarket.cn", "绿源环保 技术总监", Role::Enterprise, Some("lvyuan")),
    ("enterprise2@demo.techmarket.cn", "新锂能源 研发经理", Role::Enterprise, Some("xinli")),
    ("enterprise3@demo.techmarket.cn", "智造装备 工程部", Role::Enterprise, Some("zhizao")),
    ("enterprise4@demo.techmarket.cn", "川农生物 总经理", Role::Enterprise, Some("chuannong")),
    ("university@demo.techmarket.cn", "西湖理工 技术转移办公室", Role::University, Some("xihu")),
    (
        "institute@demo.techmarket.cn",
        "江南材料研究院 成果转化部",
        Role::University,
        Some("jiangnan"),
    ),
    ("broker@demo.techmarket.cn", "王经纪（技术经纪人）", Role::Broker, Some("zjtt")),
    ("expert@demo.techmarket.cn", "陈教授", Role::Expert, Some("xihu")),
    ("provider@demo.techmarket.cn", "浙江技术转移中心 业务部", Role::ServiceProvider, Some("zjtt")),
];

fn credit_code(n: usize) -> anyhow::Result<String> {
    let first17 = format!("91{:06}MA{:07}", 330_100 + n, 1_000_000 + n * 7919);
    let check = compute_check_character(&first17).context("credit code")?;
    Ok(format!("{first17}{check}"))
}

fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let words: Vec<String> = (0..3)
        .map(|_| (0..5).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect())
        .collect();
    format!("{}-{}-{}", words[0], words[1], words[2])
}

/// What the demo created, to print once.
pub struct DemoReport {
    /// (e-mail, password, role) of every demo user.
    pub credentials: Vec<(String, String, Role)>,
    /// Records created per library.
    pub counts: Vec<(String, usize)>,
}

fn insert_all<L: RecordLibrary>(
    conn: &mut DbConnection,
    ctx: &ImportContext,
    bodies: Vec<Value>,
) -> anyhow::Result<Vec<SearchDoc>> {
    let records: Vec<(usize, Value)> =
        bodies.into_iter().enumerate().map(|(i, v)| (i + 1, v)).collect();
    let (valid, errors) = bulk::check_records::<L>(records);
    if let Some(error) = errors.first() {
        bail!(
            "demo {} line {}: {}: {}",
            L::LIBRARY,
            error.line.unwrap_or(0),
            error.field,
            error.message
        );
    }
    let (docs, errors) = bulk::insert_records::<L>(conn, ctx, &valid, false)
        .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    if let Some(error) = errors.first() {
        bail!("demo {}: {}", L::LIBRARY, error.message);
    }
    Ok(docs)
}

/// Fills an empty database; `Ok(None)` when it already holds users.
pub fn fill(conn: &mut DbConnection, search: &SearchIndex) -> anyhow::Result<Option<DemoReport>> {
    let existing: i64 = users::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(None);
    }
    let mut credentials = Vec::new();
    let mut hashed = Vec::new();
    for (email, name, role, org) in PEOPLE {
        let password_text = random_password();
        hashed.push((
            email,
            name,
            role,
            org,
            password::hash(&password_text).map_err(|e| anyhow::anyhow!("{e:?}"))?,
        ));
        credentials.push(((*email).to_string(), password_text, *role));
    }
    let (docs, counts) = write_transaction(conn, |conn| -> anyhow::Result<Filled> {
        let actor = Actor::default();
        let mut orgs: Vec<(&str, Organization)> = Vec::new();
        for (n, spec) in ORGS.iter().enumerate() {
            let code = credit_code(n)?;
            let new = ValidNewOrganization {
                name: spec.name.into(),
                kind: spec.kind,
                credit_code: crate::domain::credit_code::CreditCode::parse(&code)
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                region_code: spec.region.into(),
                address: None,
                website: Some(spec.website.into()),
            };
            let mut org = crate::organizations::queries::insert(conn, &actor, &new)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            org.verified = true;
            let org = crate::organizations::queries::save(conn, &org, org.version)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            orgs.push((spec.key, org));
        }
        let org = |key: &str| {
            orgs.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, o)| o.clone())
                .context("demo organization")
        };
        let mut people = Vec::new();
        for (email, name, role, org_key, hash) in hashed {
            let draft = UserDraft {
                email: (*email).to_string(),
                password_hash: hash,
                display_name: (*name).to_string(),
                role: *role,
                organization_id: match org_key {
                    Some(key) => Some(org(key)?.id),
                    None => None,
                },
                verified: true,
                language: crate::i18n::Lang::Zh,
            };
            let user = user_queries::insert(conn, &actor, draft, "user.demo")
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            people.push(user);
        }
        let creator_in = |org_id: &str| {
            people
                .iter()
                .find(|u| u.organization_id.as_deref() == Some(org_id))
                .or_else(|| people.first())
                .map(|u| u.id.clone())
                .context("demo creator")
        };
        let context = |org: Organization| -> anyhow::Result<ImportContext> {
            Ok(ImportContext {
                actor: Actor::default(),
                created_by: creator_in(&org.id)?,
                org,
                status: ListingStatus::Published,
            })
        };
        let mut docs = Vec::new();
        let mut counts = Vec::new();
        let owners = ["xihu", "jinghua", "jiangnan", "pengcheng"];
        let achievements = demo_achievements();
        let mut by_owner: Vec<Vec<Value>> = vec![Vec::new(); owners.len()];
        for (i, body) in achievements.into_iter().enumerate() {
            by_owner[i % owners.len()].push(body);
        }
        for (key, body) in written_achievements() {
            if let Some(at) = owners.iter().position(|o| *o == key) {
                by_owner[at].push(body);
            }
        }
        let mut achievement_count = 0;
        for (key, bodies) in owners.iter().zip(by_owner) {
            let ctx = context(org(key)?)?;
            let created =
                insert_all::<crate::achievements::record::AchievementRecords>(conn, &ctx, bodies)?;
            achievement_count += created.len();
            docs.extend(created);
        }
        counts.push(("achievements".to_string(), achievement_count));
        fill_other_libraries(conn, &org, &context, &mut docs, &mut counts)?;
        let lots = crate::auctions::demo::fill(conn, &creator_in("")?)?;
        counts.push(("auction lots in a joint session".to_string(), lots));
        let (enterprise, provider) = (org("lvyuan")?, org("zjtt")?);
        let admin = people.iter().find(|u| u.role == Role::Admin).context("demo administrator")?;
        let cast = crate::vouchers::demo::Cast {
            enterprise_org_id: &enterprise.id,
            enterprise_user_id: &creator_in(&enterprise.id)?,
            provider_org_id: &provider.id,
            admin_user_id: &admin.id,
        };
        let vouchers = crate::vouchers::demo::fill(conn, &cast)?;
        counts.push(("innovation vouchers in two programmes".to_string(), vouchers));
        Ok((docs, counts))
    })?;
    search.upsert_many(&docs).context("search index")?;
    Ok(Some(DemoReport { credentials, counts }))
}

/// Prints what the demo created, with the credentials (shown only this once).
pub fn print(report: &DemoReport) {
    println!("demo market created:");
    for (library, count) in &report.counts {
        println!("  {count:>4} {library}");
    }
    println!("sign in with (shown only now):");
    for (email, password_text, role) in &report.credentials {
        println!("  {:<17} {email:<34} {password_text}", role.as_str());
    }
}

/// What a demo fill produced: search documents and counts per library.
type Filled = (Vec<SearchDoc>, Vec<(String, usize)>);
type OrgLookup<'a> = dyn Fn(&str) -> anyhow::Result<Organization> + 'a;
type ContextFor<'a> = dyn Fn(Organization) -> anyhow::Result<ImportContext> + 'a;

fn fill_other_libraries(
    conn: &mut DbConnection,
    org: &OrgLookup<'_>,
    context: &ContextFor<'_>,
    docs: &mut Vec<SearchDoc>,
    counts: &mut Vec<(String, usize)>,
) -> anyhow::Result<()> {
    let mut demand_count = 0;
    for (key, body) in demo_demands() {
        let created = insert_all::<crate::demands::record::DemandRecords>(
            conn,
            &context(org(key)?)?,
            vec![body],
        )?;
        demand_count += created.len();
        docs.extend(created);
    }
    counts.push(("demands".to_string(), demand_count));
    let experts = insert_all::<crate::experts::record::ExpertRecords>(
        conn,
        &context(org("zjtt")?)?,
        demo_experts(),
    )?;
    counts.push(("experts".to_string(), experts.len()));
    docs.extend(experts);
    let mut provider_count = 0;
    for (key, body) in demo_providers() {
        let created = insert_all::<crate::service_providers::record::ServiceProviderRecords>(
            conn,
            &context(org(key)?)?,
            vec![body],
        )?;
        provider_count += created.len();
        docs.extend(created);
    }
    counts.push(("service providers".to_string(), provider_count));
    Ok(())
}
