//! 需求库 end to end: enterprises post demands, review, visibility, budgets and open calls,
//! merge-patch edits, confidential details, search and filters.

use chrono::{Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A day relative to today (UTC).
fn day(offset: i64) -> NaiveDate {
    Utc::now().date_naive() + Duration::days(offset)
}

/// Percent-encodes a query value (UTF-8).
fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// An enterprise's problem: keeping forklift batteries charging in the cold.
fn forklift(n: u32) -> Value {
    merged(
        sample_demand(n, None),
        json!({
            "description": "我公司生产的电动叉车在北方冬季零下二十度环境中充电缓慢，需要一种电池预热与快充控制方案，要求一小时内充满且不影响循环寿命。",
            "industry": "new_energy_vehicles",
            "required_maturity": "pilot",
            "budget_min_fen": 5_000_000,
            "cooperation_modes": ["commissioned_development", "joint_development"],
            "deadline": day(60),
            "contact": {"name": "李工", "phone": "13800138000", "email": "li@example.com"},
            "confidential_details": "现有电池包型号 LFP-280Ah，BMS 供应商为某科技公司",
            "external_ref": format!("DEM-{n}")
        }),
    )
}

/// An open call (揭榜挂帅) on dye-works wastewater, in Nanjing, with a budget cap only.
fn wastewater() -> Value {
    json!({
        "title": "印染废水深度处理技术揭榜挂帅",
        "description": "面向印染园区的高浓度有机废水，征集可稳定达标排放的深度处理工艺，化学需氧量需降至五十毫克每升以下。",
        "keywords": ["废水处理", "印染"],
        "technology_field": "environmental_protection",
        "cooperation_modes": ["transfer"],
        "budget_max_fen": 3_000_000,
        "reward_fen": 1_000_000,
        "region_code": "320102"
    })
}

/// A demand with a lowest budget and no ceiling.
fn chip() -> Value {
    json!({
        "title": "车规级功率芯片封装可靠性提升",
        "description": "寻求碳化硅功率模块封装中焊层空洞与热循环失效的解决方案，要求通过车规级可靠性验证。",
        "keywords": ["碳化硅", "功率模块", "封装"],
        "technology_field": "electronic_information",
        "required_maturity": "industrialization",
        "budget_min_fen": 30_000_000
    })
}

/// Creates a demand as `owner`, asserting 201; returns the body.
async fn create(app: &TestApp, owner: &Session, body: Value) -> Value {
    app.as_user(owner).post("/api/v1/demands").json(body).expect(201).await
}

/// Creates, submits and approves a demand; returns its id.
async fn published(app: &TestApp, owner: &Session, admin: &Session, body: Value) -> String {
    let created = create(app, owner, body).await;
    let id = created["id"].as_str().unwrap().to_string();
    for (action, token) in [("submit", &owner.access_token), ("approve", &admin.access_token)] {
        app.with_token(token).act(format!("/api/v1/demands/{id}/{action}")).expect(200).await;
    }
    id
}

/// The ids of `GET /api/v1/demands?{query}` for an anonymous caller.
async fn public_ids(app: &TestApp, query: &str) -> Vec<String> {
    ids(&app.anon().get(format!("/api/v1/demands?{query}")).expect(200).await)
}

#[tokio::test]
async fn a_demand_goes_from_draft_through_review_to_the_public() {
    let app = spawn_app().await;
    let owner = app.enterprise(1).await;
    let admin = app.admin(1).await;
    let created = create(&app, &owner, forklift(1)).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["version"], 1);
    assert_eq!(created["org_id"], owner.organization_id.clone().unwrap());
    assert_eq!(created["region_code"], "330106", "defaults to the organization's region");
    assert_eq!(created["budget_min_fen"], 5_000_000);
    assert_eq!(created["budget_max_fen"], 20_000_000);
    assert_eq!(created["required_maturity"], "pilot");
    assert_eq!(created["deadline"], day(60).to_string());
    assert_eq!(created["is_open_call"], false);
    assert!(created["reward_fen"].is_null());
    assert_eq!(
        created["cooperation_modes"],
        json!(["joint_development", "commissioned_development"])
    );
    assert_eq!(created["has_confidential_details"], true);
    assert_eq!(created["possible_duplicates"], json!([]));
    assert!(created.get("confidential_details").is_none());
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/demands/{id}");

    // Drafts are invisible to the public and to other organizations.
    app.anon().get(&path).problem(404).await;
    let other = app.enterprise(2).await;
    app.as_user(&other).get(&path).problem(404).await;
    app.as_user(&other)
        .patch(&path)
        .json(json!({"title": "别人的需求", "version": 1}))
        .problem(404)
        .await;
    let mine = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(mine["title"], "动力电池低温快充热管理方案征集1");

    let submitted = app.as_user(&owner).act(format!("{path}/submit")).expect(200).await;
    assert_eq!(submitted["status"], "pending_review");
    assert_eq!(submitted["library"], "demands");
    let queue = app.as_user(&admin).get("/api/v1/admin/reviews?library=demands").expect(200).await;
    assert_eq!(queue["items"][0]["id"], id);
    assert_eq!(queue["items"][0]["path"], path);
    app.anon().get(&path).problem(404).await;

    // Rejected with a reason the owner sees; edited and resubmitted; approved.
    app.as_user(&admin)
        .post(format!("{path}/reject"))
        .json(json!({"reason": "请说明预算构成"}))
        .expect(200)
        .await;
    let rejected = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["rejection_reason"], "请说明预算构成");
    app.as_user(&owner)
        .patch(&path)
        .json(json!({"budget_min_fen": 8_000_000, "version": rejected["version"]}))
        .expect(200)
        .await;
    for (action, token) in [("submit", &owner.access_token), ("approve", &admin.access_token)] {
        app.with_token(token).act(format!("{path}/{action}")).expect(200).await;
    }

    // Public now: contacts for signed-in callers only, no rejection reason for outsiders.
    let public = app.anon().get(&path).expect(200).await;
    assert_eq!(public["status"], "published");
    assert_eq!(public["budget_min_fen"], 8_000_000);
    assert!(public["contact"].is_null());
    assert!(public["rejection_reason"].is_null());
    assert!(public["published_at"].is_string());
    let signed_in = app.as_user(&other).get(&path).expect(200).await;
    assert_eq!(signed_in["contact"]["phone"], "13800138000");
    assert_eq!(public_ids(&app, "").await, [id]);

    // Another enterprise sees the published demand but may not change it.
    app.as_user(&other)
        .patch(&path)
        .json(json!({"title": "别人的需求", "version": public["version"]}))
        .problem(403)
        .await;
    app.as_user(&other).act(format!("{path}/close")).problem(403).await;

    let history = app.as_user(&owner).get(format!("{path}/history")).expect(200).await;
    let actions = items_field(&history, "action");
    assert_eq!(
        actions,
        [
            "demand.create",
            "demand.submit",
            "demand.reject",
            "demand.update",
            "demand.submit",
            "demand.approve"
        ]
    );

    // Solved: closed, out of the public list, no longer editable.
    let closed = app
        .as_user(&owner)
        .post(format!("{path}/close"))
        .json(json!({"reason": "已与高校签约"}))
        .expect(200)
        .await;
    assert_eq!(closed["status"], "closed");
    assert!(public_ids(&app, "").await.is_empty());
    app.as_user(&owner)
        .patch(&path)
        .json(json!({"title": "再改一次", "version": closed["version"]}))
        .problem(409)
        .await;
}

#[tokio::test]
async fn only_enterprises_post_demands() {
    let app = spawn_app().await;
    let university = app.university(1).await;
    let problem =
        app.as_user(&university).post("/api/v1/demands").json(forklift(1)).problem(403).await;
    assert!(problem["detail"].as_str().unwrap().contains("企业"), "{problem}");
    app.anon().post("/api/v1/demands").json(forklift(1)).problem(401).await;

    // Administrators post for an enterprise, and may publish at once; not for a university.
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(2).await;
    let mut body = forklift(2);
    body["org_id"] = json!(enterprise.organization_id.clone().unwrap());
    let created =
        app.as_user(&admin).post("/api/v1/demands?publish=true").json(body).expect(201).await;
    assert_eq!(created["status"], "published");
    assert_eq!(created["org_id"], enterprise.organization_id.clone().unwrap());
    let mut for_university = forklift(3);
    for_university["org_id"] = json!(university.organization_id.clone().unwrap());
    app.as_user(&admin).post("/api/v1/demands").json(for_university).problem(403).await;
    // Enterprises neither publish directly nor borrow another organization's id.
    app.as_user(&enterprise)
        .post("/api/v1/demands?publish=true")
        .json(forklift(4))
        .problem(403)
        .await;
    let other = app.enterprise(3).await;
    let mut borrowed = forklift(5);
    borrowed["org_id"] = json!(enterprise.organization_id.clone().unwrap());
    app.as_user(&other).post("/api/v1/demands").json(borrowed).problem(403).await;
    // The same reference twice in one organization.
    create(&app, &enterprise, forklift(6)).await;
    let duplicate =
        app.as_user(&enterprise).post("/api/v1/demands").json(forklift(6)).problem(409).await;
    assert!(duplicate["existing_id"].is_string(), "{duplicate}");
}

/// The sorted fields of the 422 a demand creation gets.
async fn rejected_fields(app: &TestApp, owner: &Session, body: Value) -> Vec<String> {
    let problem = app.as_user(owner).post("/api/v1/demands").json(body).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    fields
}

#[tokio::test]
async fn validation_covers_budgets_money_regions_deadlines_enums_and_keywords() {
    let app = spawn_app().await;
    let owner = app.enterprise(1).await;
    let mut body = forklift(1);
    body["budget_min_fen"] = json!(30_000_000);
    body["budget_max_fen"] = json!(20_000_000);
    assert_eq!(rejected_fields(&app, &owner, body).await, ["budget_max_fen"]);

    let mut body = forklift(1);
    body["budget_min_fen"] = json!(-1);
    body["reward_fen"] = json!(-500);
    body["region_code"] = json!("999999");
    body["deadline"] = json!("2001-01-01");
    body["keywords"] = json!(vec!["词"; 11]);
    body["description"] = json!("太短");
    body["contact"] = json!({"phone": "12345"});
    assert_eq!(
        rejected_fields(&app, &owner, body).await,
        [
            "budget_min_fen",
            "contact.phone",
            "deadline",
            "description",
            "keywords",
            "region_code",
            "reward_fen"
        ]
    );

    let mut body = forklift(1);
    body["keywords"] = json!([]);
    body["budget_max_fen"] = json!(-1);
    body["reward_fen"] = json!(0);
    assert_eq!(
        rejected_fields(&app, &owner, body).await,
        ["budget_max_fen", "keywords", "reward_fen"]
    );

    // The deadline lies after today and not after the validity date.
    let mut body = forklift(1);
    body["valid_until"] = json!(day(30));
    body["deadline"] = json!(day(31));
    assert_eq!(rejected_fields(&app, &owner, body).await, ["deadline"]);
    let mut body = forklift(1);
    body["deadline"] = json!(day(0));
    assert_eq!(rejected_fields(&app, &owner, body).await, ["deadline"]);

    for (field, value) in
        [("technology_field", "alchemy"), ("required_maturity", "dreaming"), ("industry", "steam")]
    {
        let mut body = forklift(1);
        body[field] = json!(value);
        assert_eq!(rejected_fields(&app, &owner, body).await, [field]);
    }
    let mut body = forklift(1);
    body["cooperation_modes"] = json!(["barter"]);
    let fields = rejected_fields(&app, &owner, body).await;
    assert_eq!(fields.len(), 1);
    assert!(fields[0].starts_with("cooperation_modes"), "{fields:?}");

    // Nothing of the above was stored; a valid demand with equal budgets and a reward is.
    let mut body = forklift(1);
    body["budget_min_fen"] = json!(10_000_000);
    body["budget_max_fen"] = json!(10_000_000);
    body["reward_fen"] = json!(2_000_000);
    body["valid_until"] = json!(day(90));
    body["deadline"] = json!(day(90));
    let created = create(&app, &owner, body).await;
    assert_eq!(created["is_open_call"], true);
    assert_eq!(created["reward_fen"], 2_000_000);
    assert_eq!(created["valid_until"], day(90).to_string());
    let mine = app.as_user(&owner).get("/api/v1/demands?mine=true").expect(200).await;
    assert_eq!(ids(&mine), [created["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn edits_are_merge_patches_based_on_the_current_version() {
    let app = spawn_app().await;
    let owner = app.enterprise(1).await;
    let mut body = wastewater();
    body["confidential_details"] = json!("园区排口在线监测数据见附件");
    let created = create(&app, &owner, body).await;
    assert_eq!(created["is_open_call"], true);
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/demands/{id}");

    // Absent fields stay, null clears, and the version moves on.
    let edited = app.as_user(&owner).patch(&path).json(json!({"reward_fen": null, "budget_min_fen": 1_000_000, "keywords": ["废水处理", "深度处理", "印染"], "version": 1})).expect(200).await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["is_open_call"], false);
    assert!(edited["reward_fen"].is_null());
    assert_eq!(edited["budget_min_fen"], 1_000_000);
    assert_eq!(edited["budget_max_fen"], 3_000_000);
    assert_eq!(edited["title"], "印染废水深度处理技术揭榜挂帅");
    assert_eq!(edited["region_code"], "320102");
    assert_eq!(edited["keywords"], json!(["废水处理", "深度处理", "印染"]));
    assert_eq!(edited["has_confidential_details"], true);

    // The version is required, and must be the current one.
    app.as_user(&owner).patch(&path).json(json!({"title": "新标题"})).problem(428).await;
    let stale = app
        .as_user(&owner)
        .patch(&path)
        .json(json!({"title": "新标题", "version": 1}))
        .problem(409)
        .await;
    assert_eq!(stale["current_version"], 2, "{stale}");

    // The merged record is validated as a whole: a minimum above the stored maximum fails.
    let problem = app
        .as_user(&owner)
        .patch(&path)
        .json(json!({"budget_min_fen": 9_000_000, "version": 2}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), ["budget_max_fen"]);
    app.as_user(&owner)
        .patch(&path)
        .json(json!({"org_id": "someone-else", "version": 2}))
        .problem(422)
        .await;

    // If-Match works like `version`, and the answer carries the new ETag.
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&owner.access_token)
        .header("If-Match", "\"2\"")
        .json(&json!({"budget_max_fen": null, "deadline": day(10)}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"3\""));
    let patched = assert_status(response, StatusCode::OK).await;
    assert!(patched["budget_max_fen"].is_null());
    assert_eq!(patched["budget_min_fen"], 1_000_000);
    assert_eq!(patched["deadline"], day(10).to_string());
    let read = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(read["version"], 3);
    assert!(read["budget_max_fen"].is_null());

    let history = app.as_user(&owner).get(format!("{path}/history")).expect(200).await;
    let update = &history["items"][1];
    assert_eq!(update["action"], "demand.update");
    assert!(
        update.to_string().contains("reward_fen"),
        "the edit's audit entry names the changed fields: {update}"
    );
}

#[tokio::test]
async fn confidential_details_only_reach_the_owner_and_admins_and_every_read_is_audited() {
    let app = spawn_app().await;
    let owner = app.enterprise(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, forklift(1)).await;
    let path = format!("/api/v1/demands/{id}/confidential");
    let secret = "LFP-280Ah";

    let listed = app.anon().get("/api/v1/demands").expect(200).await;
    assert_eq!(ids(&listed), [id.as_str()]);
    assert!(!listed.to_string().contains(secret));
    let signed_in_list = app.as_user(&owner).get("/api/v1/demands?mine=true").expect(200).await;
    assert!(!signed_in_list.to_string().contains(secret));
    // A word of the confidential details alone finds nothing.
    assert!(public_ids(&app, &format!("q={}", encode("供应商"))).await.is_empty());
    let one = app.as_user(&owner).get(format!("/api/v1/demands/{id}")).expect(200).await;
    assert!(!one.to_string().contains(secret));

    let details = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(details["id"], id.as_str());
    assert_eq!(details["confidential_details"], "现有电池包型号 LFP-280Ah，BMS 供应商为某科技公司");
    let by_admin = app.as_user(&admin).get(&path).expect(200).await;
    assert_eq!(by_admin["confidential_details"], details["confidential_details"]);
    let stranger = app.university(2).await;
    app.as_user(&stranger).get(&path).problem(403).await;
    app.anon().get(&path).problem(401).await;

    let audit = app
        .as_user(&admin)
        .get("/api/v1/admin/audit?action=demand.confidential_read")
        .expect(200)
        .await;
    let readers = items_field(&audit, "entity_id");
    assert_eq!(readers, [id.as_str(), id.as_str()]);
}

#[tokio::test]
async fn search_finds_words_inside_descriptions_and_filters_combine() {
    let app = spawn_app().await;
    let owner = app.enterprise(1).await;
    let admin = app.admin(1).await;
    let forklift_id = published(&app, &owner, &admin, forklift(1)).await;
    let water_id = published(&app, &owner, &admin, wastewater()).await;
    let chip_id = published(&app, &owner, &admin, chip()).await;
    // A draft never shows up in public lists or searches.
    let draft = create(&app, &owner, forklift(9)).await;
    let draft_id = draft["id"].as_str().unwrap();

    // 叉车 (forklift) appears only in a description.
    assert_eq!(public_ids(&app, &format!("q={}", encode("叉车"))).await, [forklift_id.as_str()]);
    assert_eq!(public_ids(&app, &format!("q={}", encode("化学需氧量"))).await, [water_id.as_str()]);
    assert_eq!(public_ids(&app, &format!("q={}", encode("验证"))).await, [chip_id.as_str()]);
    assert!(
        public_ids(&app, &format!("q={}&technology_field=new_energy", encode("废水")))
            .await
            .is_empty()
    );

    // Budget overlap: ceilings at least the minimum; floors at most the maximum (or none).
    assert_eq!(public_ids(&app, "budget_min=10000000").await, [forklift_id.as_str()]);
    assert_eq!(public_ids(&app, "budget_max=4000000").await, [water_id.as_str()]);
    assert_eq!(
        public_ids(&app, "budget_min=1000000&budget_max=4000000").await,
        [water_id.as_str()]
    );
    assert_eq!(public_ids(&app, "budget_max=40000000").await.len(), 3);

    // Open calls.
    assert_eq!(public_ids(&app, "open_call=true").await, [water_id.as_str()]);
    assert_eq!(public_ids(&app, "open_call=false").await, [chip_id.as_str(), forklift_id.as_str()]);
    let open = app.anon().get("/api/v1/demands?open_call=true").expect(200).await;
    assert_eq!(open["items"][0]["is_open_call"], true);
    assert_eq!(open["items"][0]["reward_fen"], 1_000_000);
    assert_eq!(open["total"], 1, "lists count every page");

    // Field, maturity, mode, region.
    assert_eq!(public_ids(&app, "technology_field=new_energy").await, [forklift_id.as_str()]);
    assert_eq!(public_ids(&app, "required_maturity=industrialization").await, [chip_id.as_str()]);
    assert_eq!(public_ids(&app, "cooperation_mode=transfer").await, [water_id.as_str()]);
    assert_eq!(public_ids(&app, "region=32").await, [water_id.as_str()]);
    assert_eq!(
        public_ids(&app, "region=3301&industry=new_energy_vehicles").await,
        [forklift_id.as_str()]
    );

    // Newest first by default; prices are the budget ceiling, negotiable last.
    assert_eq!(
        public_ids(&app, "").await,
        [chip_id.as_str(), water_id.as_str(), forklift_id.as_str()]
    );
    assert_eq!(
        public_ids(&app, "sort=price_desc").await,
        [forklift_id.as_str(), water_id.as_str(), chip_id.as_str()]
    );
    assert_eq!(
        public_ids(&app, "sort=price_asc").await,
        [water_id.as_str(), forklift_id.as_str(), chip_id.as_str()]
    );
    let first_page = app.anon().get("/api/v1/demands?limit=2").expect(200).await;
    assert_eq!(ids(&first_page), [chip_id.as_str(), water_id.as_str()]);
    let cursor = first_page["next_cursor"].as_str().unwrap();
    assert_eq!(public_ids(&app, &format!("limit=2&cursor={cursor}")).await, [forklift_id.as_str()]);

    // Owners list their drafts with status; other organizations and the public cannot.
    let drafts = app.as_user(&owner).get("/api/v1/demands?status=draft").expect(200).await;
    assert_eq!(ids(&drafts), [draft_id]);
    assert_eq!(drafts["items"][0]["status"], "draft");
    let other = app.enterprise(5).await;
    let none = app.as_user(&other).get("/api/v1/demands?status=draft").expect(200).await;
    assert!(ids(&none).is_empty());
    app.anon().get("/api/v1/demands?status=draft").problem(401).await;
    let everything = app.as_user(&owner).get("/api/v1/demands?mine=true").expect(200).await;
    assert_eq!(everything["items"].as_array().unwrap().len(), 4);
    let for_admin = app.as_user(&admin).get("/api/v1/demands?status=draft").expect(200).await;
    assert_eq!(ids(&for_admin), [draft_id]);

    // The search index follows edits.
    app.as_user(&owner).patch(format!("/api/v1/demands/{chip_id}")).json(json!({"description": "寻求氮化镓功率器件封装中焊层空洞与热循环失效的解决方案。", "version": 3})).expect(200).await;
    assert_eq!(public_ids(&app, &format!("q={}", encode("氮化镓"))).await, [chip_id.as_str()]);
    // 验证 was only in the old description.
    assert!(public_ids(&app, &format!("q={}", encode("验证"))).await.is_empty());
}

#[tokio::test]
async fn near_duplicates_are_pointed_out_and_drafts_deleted() {
    let app = spawn_app().await;
    let owner = app.enterprise(1).await;
    let admin = app.admin(1).await;
    let first = published(&app, &owner, &admin, forklift(1)).await;
    let again = create(&app, &owner, forklift(2)).await;
    assert_eq!(again["possible_duplicates"][0]["id"], first.as_str());
    assert!(again["possible_duplicates"][0]["similarity"].as_f64().unwrap() >= 0.75);
    let other = create(&app, &owner, chip()).await;
    assert_eq!(other["possible_duplicates"], json!([]));

    let path = format!("/api/v1/demands/{}", again["id"].as_str().unwrap());
    app.as_user(&owner).delete(&path).expect(204).await;
    app.as_user(&owner).get(&path).problem(404).await;
    app.as_user(&owner).delete(format!("/api/v1/demands/{first}")).problem(409).await;
    // An achievement's id is not a demand.
    let university = app.university(2).await;
    let achievement = app
        .as_user(&university)
        .post("/api/v1/achievements")
        .json(json!({
            "title": "低温快充电池热管理技术",
            "summary": "一种基于脉冲加热的锂电池低温快速预热方法，可在零下二十度环境中快速充电。",
            "keywords": ["热管理"],
            "technology_field": "new_energy",
            "maturity": "pilot"
        }))
        .expect(201)
        .await;
    app.as_user(&admin)
        .get(format!("/api/v1/demands/{}", achievement["id"].as_str().unwrap()))
        .problem(404)
        .await;
}
