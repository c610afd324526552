//! Performance: payments against the schedule, completion, termination, amendments.

use super::*;

#[tokio::test]
async fn payments_fill_the_schedule_and_show_overdue_milestones() {
    let m = market().await;
    let draft = create(&m, &m.seller, licence(&m)).await;
    let draft_id = draft["id"].as_str().unwrap();
    act(&m, &m.seller, draft_id, "payments", json!({"paid_on": day(-1), "amount_fen": 100}))
        .problem(409)
        .await;
    let contract = registered(&m, licence(&m)).await;
    let id = contract["id"].as_str().unwrap();
    // Before any payment both past milestones are overdue.
    assert_eq!(contract["overdue_milestone_ids"].as_array().unwrap().len(), 2);
    assert_eq!(contract["overdue_fen"], 70_000_000);
    assert_eq!(contract["outstanding_fen"], 100_000_000);
    let third_milestone = contract["milestones"][2]["id"].as_str().unwrap().to_string();
    // Only the seller side (and intermediary, administrators) record payments.
    act(&m, &m.buyer, id, "payments", json!({"paid_on": day(-1), "amount_fen": 100}))
        .problem(403)
        .await;
    act(&m, &m.outsider, id, "payments", json!({"paid_on": day(-1), "amount_fen": 100}))
        .problem(404)
        .await;
    let problem = act(&m, &m.seller, id, "payments", json!({"paid_on": day(5), "amount_fen": 0}))
        .problem(422)
        .await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["amount_fen", "paid_on"]);
    let problem = act(
        &m,
        &m.seller,
        id,
        "payments",
        json!({"paid_on": day(-90), "amount_fen": 10, "milestone_id": "nope"}),
    )
    .problem(422)
    .await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["milestone_id", "paid_on"]);
    // An unallocated payment fills the earliest milestone; the contract is now performing.
    let paid = act(
        &m,
        &m.seller,
        id,
        "payments",
        json!({"paid_on": day(-20), "amount_fen": 30_000_000, "note": "首付款"}),
    )
    .expect(201)
    .await;
    assert_eq!(paid["status"], "performing");
    assert_eq!(paid["paid_fen"], 30_000_000);
    assert_eq!(paid["outstanding_fen"], 70_000_000);
    assert_eq!(paid["milestones"][0]["paid_fen"], 30_000_000);
    assert_eq!(paid["milestones"][0]["outstanding_fen"], 10_000_000);
    assert_eq!(paid["milestones"][0]["overdue"], true);
    assert_eq!(paid["milestones"][1]["overdue"], true);
    assert_eq!(paid["milestones"][2]["overdue"], false);
    assert_eq!(paid["overdue_fen"], 40_000_000);
    // A payment named for the last milestone stays there.
    let named = act(
        &m,
        &m.admin,
        id,
        "payments",
        json!({"paid_on": day(0), "amount_fen": 30_000_000, "milestone_id": third_milestone}),
    )
    .expect(201)
    .await;
    assert_eq!(named["milestones"][2]["paid_fen"], 30_000_000);
    assert_eq!(named["milestones"][0]["paid_fen"], 30_000_000);
    assert_eq!(named["payments"].as_array().unwrap().len(), 2);
    let problem = act(
        &m,
        &m.seller,
        id,
        "payments",
        json!({"paid_on": day(0), "amount_fen": 1, "milestone_id": third_milestone}),
    )
    .problem(422)
    .await;
    assert_eq!(problem["errors"][0]["code"], "exceeds_milestone");
    let problem =
        act(&m, &m.seller, id, "payments", json!({"paid_on": day(0), "amount_fen": 40_000_001}))
            .problem(422)
            .await;
    assert_eq!(problem["errors"][0]["code"], "exceeds_outstanding");
    let settled =
        act(&m, &m.seller, id, "payments", json!({"paid_on": day(0), "amount_fen": 40_000_000}))
            .expect(201)
            .await;
    assert_eq!(settled["outstanding_fen"], 0);
    assert!(settled["overdue_milestone_ids"].as_array().unwrap().is_empty());
    // Completion confirms the technology income, at most the technology amount.
    let problem = act(&m, &m.seller, id, "complete", json!({"technology_income_fen": 80_000_001}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), ["technology_income_fen"]);
    act(&m, &m.buyer, id, "complete", json!({"technology_income_fen": 1})).problem(403).await;
    let completed =
        act(&m, &m.seller, id, "complete", json!({"technology_income_fen": 80_000_000}))
            .expect(200)
            .await;
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["technology_income_fen"], 80_000_000);
    assert!(completed["completed_at"].is_string());
    act(&m, &m.seller, id, "payments", json!({"paid_on": day(0), "amount_fen": 1}))
        .problem(409)
        .await;
}

#[tokio::test]
async fn performance_moves_only_forward() {
    let m = market().await;
    let draft = create(&m, &m.seller, licence(&m)).await;
    let draft_id = draft["id"].as_str().unwrap();
    act(&m, &m.seller, draft_id, "perform", json!({})).problem(409).await;
    act(&m, &m.seller, draft_id, "terminate", json!({"reason": "x"})).problem(409).await;
    let contract = registered(&m, licence(&m)).await;
    let id = contract["id"].as_str().unwrap();
    act(&m, &m.seller, id, "complete", json!({"technology_income_fen": 0})).problem(409).await;
    act(&m, &m.buyer, id, "perform", json!({})).problem(403).await;
    let performing = act(&m, &m.seller, id, "perform", json!({})).expect(200).await;
    assert_eq!(performing["status"], "performing");
    act(&m, &m.seller, id, "perform", json!({})).problem(409).await;
    act(&m, &m.seller, id, "terminate", json!({"reason": ""})).problem(422).await;
    let terminated = act(&m, &m.seller, id, "terminate", json!({"reason": "买方破产，合同解除"}))
        .expect(200)
        .await;
    assert_eq!(terminated["status"], "terminated");
    assert_eq!(terminated["terminated_reason"], "买方破产，合同解除");
    let problem = act(&m, &m.seller, id, "terminate", json!({"reason": "再次"})).problem(409).await;
    assert_eq!(problem["allowed"], json!([]));
}

#[tokio::test]
async fn registered_contracts_change_through_registered_amendments() {
    let m = market().await;
    let draft = create(&m, &m.seller, licence(&m)).await;
    let amend = |what: &str| json!({"what": what, "why": "双方协商一致", "new_values": {"name": "变更后的合同名称"}});
    act(&m, &m.seller, draft["id"].as_str().unwrap(), "amendments", amend("改名"))
        .problem(409)
        .await;
    let contract = registered(&m, licence(&m)).await;
    let id = contract["id"].as_str().unwrap();
    act(&m, &m.seller, id, "payments", json!({"paid_on": day(-1), "amount_fen": 50_000_000}))
        .expect(201)
        .await;
    act(&m, &m.buyer, id, "amendments", amend("改名")).problem(403).await;
    act(&m, &m.outsider, id, "amendments", amend("改名")).problem(404).await;
    // Invalid changes: unknown fields, the amount below what was received, the amount without a
    // re-stated schedule, nothing at all.
    let problem = act(
        &m,
        &m.seller,
        id,
        "amendments",
        json!({"what": "x", "why": "y", "new_values": {"technology_amount_fen": 1}}),
    )
    .problem(422)
    .await;
    assert!(problem["errors"][0]["field"].as_str().unwrap().contains("new_values"));
    let problem = act(
        &m,
        &m.seller,
        id,
        "amendments",
        json!({"what": "降价", "why": "y", "new_values": {"amount_fen": 40_000_000}}),
    )
    .problem(422)
    .await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["new_values.amount_fen", "new_values.milestones"]);
    let problem =
        act(&m, &m.seller, id, "amendments", json!({"what": "无", "why": "y", "new_values": {}}))
            .problem(422)
            .await;
    assert_eq!(error_fields(&problem), ["new_values"]);
    // A raise with a new schedule and new costs.
    let change = json!({
        "what": "增加合同金额", "why": "增加技术服务内容",
        "new_values": {
            "amount_fen": 120_000_000,
            "valid_to": day(400),
            "non_technical_costs": [{"item": "equipment", "amount_fen": 20_000_000}, {"item": "raw_materials", "amount_fen": 10_000_000}],
            "milestones": [
                {"due_on": day(-30), "amount_fen": 60_000_000, "description": "首付款"},
                {"due_on": day(90), "amount_fen": 60_000_000, "description": "验收款"}
            ]
        }
    });
    let amendment = act(&m, &m.seller, id, "amendments", change).expect(201).await;
    assert_eq!(amendment["status"], "pending");
    let amendment_id = amendment["id"].as_str().unwrap();
    let problem = act(&m, &m.admin, id, "amendments", amend("改名")).problem(409).await;
    assert_eq!(problem["existing_id"], amendment_id);
    // Registered by the registry only.
    let register = format!("amendments/{amendment_id}/register");
    act(&m, &m.seller, id, &register, json!({})).problem(403).await;
    let amended = act(&m, &m.admin, id, &register, json!({"note": "准予变更"})).expect(200).await;
    assert_eq!(amended["amount_fen"], 120_000_000);
    assert_eq!(amended["non_technical_fen"], 30_000_000);
    assert_eq!(amended["technology_amount_fen"], 90_000_000);
    assert_eq!(amended["valid_to"], day(400));
    assert_eq!(amended["milestones"].as_array().unwrap().len(), 2);
    assert_eq!(amended["milestones"][0]["paid_fen"], 50_000_000);
    assert_eq!(amended["paid_fen"], 50_000_000);
    let history = &amended["amendments"][0];
    assert_eq!(history["status"], "registered");
    assert_eq!(history["decision_note"], "准予变更");
    assert_eq!(history["previous_values"]["amount_fen"], 100_000_000);
    assert_eq!(history["previous_values"]["valid_to"], day(300));
    assert_eq!(history["previous_values"]["milestones"].as_array().unwrap().len(), 3);
    assert_eq!(history["new_values"]["amount_fen"], 120_000_000);
    act(&m, &m.admin, id, &register, json!({})).problem(409).await;
    // A rejected amendment leaves the contract alone.
    let renamed = act(&m, &m.seller, id, "amendments", amend("改名")).expect(201).await;
    let reject = format!("amendments/{}/reject", renamed["id"].as_str().unwrap());
    let after = act(&m, &m.admin, id, &reject, json!({"note": "理由不充分"})).expect(200).await;
    assert_eq!(after["name"], contract["name"]);
    assert_eq!(after["amendments"][1]["status"], "rejected");
    act(&m, &m.admin, id, "amendments/no-such-amendment/register", json!({})).problem(404).await;
    let seen = get(&m, &m.buyer, id).expect(200).await;
    assert_eq!(seen["amendments"].as_array().unwrap().len(), 2);
}
