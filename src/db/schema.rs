//! Table definitions, written once for both backends (portable SQL types only).

diesel::table! {
    /// Organizations: enterprises, universities, institutes, service providers, government.
    organizations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        credit_code -> Text,
        region_code -> Text,
        address -> Nullable<Text>,
        website -> Nullable<Text>,
        verified -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// People who sign in.
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        organization_id -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        verified_at -> Nullable<Timestamp>,
        email_verified_at -> Nullable<Timestamp>,
        language -> Text,
    }
}

diesel::table! {
    /// A sign-in: one refresh-token family; access tokens name it and die with it.
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::table! {
    /// Refresh tokens, stored as SHA-256 hashes; each is used once and then rotated.
    refresh_tokens (token_hash) {
        token_hash -> Text,
        session_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Invite codes (hashed) with which users join an existing organization.
    invites (id) {
        id -> Text,
        organization_id -> Text,
        code_hash -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        max_uses -> Integer,
        uses -> Integer,
    }
}

diesel::table! {
    /// Every state change: who, what, which record, when, what changed.
    audit_log (id) {
        id -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        changes -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        seq -> BigInt,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    /// The part every library record shares: owner, lifecycle, review, validity.
    listings (id) {
        id -> Text,
        library -> Text,
        org_id -> Nullable<Text>,
        owner_user_id -> Nullable<Text>,
        created_by -> Text,
        status -> Text,
        title -> Text,
        region_code -> Text,
        valid_until -> Date,
        external_ref -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        closed_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// 成果库: the fields of an achievement.
    achievements (id) {
        id -> Text,
        summary -> Text,
        keywords -> Text,
        technology_field -> Text,
        industry -> Nullable<Text>,
        maturity -> Text,
        trl -> Nullable<Integer>,
        ip_type -> Text,
        patents -> Text,
        cooperation_modes -> Text,
        asking_price_fen -> Nullable<BigInt>,
        team -> Nullable<Text>,
        contact -> Nullable<Text>,
        international -> Bool,
        confidential_details -> Nullable<Text>,
    }
}

diesel::table! {
    /// 需求库: the fields of a demand.
    demands (id) {
        id -> Text,
        description -> Text,
        keywords -> Text,
        technology_field -> Text,
        industry -> Nullable<Text>,
        required_maturity -> Nullable<Text>,
        budget_min_fen -> Nullable<BigInt>,
        budget_max_fen -> Nullable<BigInt>,
        cooperation_modes -> Text,
        deadline -> Nullable<Date>,
        reward_fen -> Nullable<BigInt>,
        contact -> Nullable<Text>,
        confidential_details -> Nullable<Text>,
    }
}

diesel::table! {
    /// 专家库: the fields of an expert profile.
    experts (id) {
        id -> Text,
        professional_title -> Text,
        affiliation_org_id -> Nullable<Text>,
        affiliation_name -> Nullable<Text>,
        technology_fields -> Text,
        expertise_keywords -> Text,
        bio -> Text,
        services -> Text,
        availability -> Text,
        contact -> Nullable<Text>,
    }
}

diesel::table! {
    /// 服务机构库: the fields of a service provider profile.
    service_providers (id) {
        id -> Text,
        service_types -> Text,
        technology_fields -> Text,
        qualifications -> Text,
        description -> Text,
        accepts_vouchers -> Bool,
        services -> Text,
        contact -> Nullable<Text>,
    }
}

diesel::table! {
    /// Requests to see a record's confidential details, and the owner's decisions.
    access_requests (id) {
        id -> Text,
        listing_id -> Text,
        requester_id -> Text,
        requester_org_id -> Nullable<Text>,
        message -> Nullable<Text>,
        status -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Feedback on matches: the labelled data of the matcher (the latest per pair governs).
    match_feedback (id) {
        id -> Text,
        demand_id -> Text,
        achievement_id -> Text,
        user_id -> Text,
        relevant -> Bool,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Notifications to organizations: a new match for one of their records.
    notifications (id) {
        id -> Text,
        org_id -> Text,
        kind -> Text,
        demand_id -> Nullable<Text>,
        achievement_id -> Nullable<Text>,
        score -> Nullable<Double>,
        title -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        subject_kind -> Nullable<Text>,
        subject_id -> Nullable<Text>,
    }
}

diesel::table! {
    /// Organizations' webhooks.
    webhooks (org_id) {
        org_id -> Text,
        url -> Text,
        secret -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Webhook deliveries: the delivery log and the retry queue.
    webhook_deliveries (id) {
        id -> Text,
        org_id -> Text,
        notification_id -> Text,
        url -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Matchmaking events (对接会).
    events (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        region_code -> Text,
        online -> Bool,
        anonymous_attendance -> BigInt,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Achievements and demands collected by an event.
    event_listings (event_id, listing_id) {
        event_id -> Text,
        listing_id -> Text,
        library -> Text,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Organizations and people registered for an event.
    event_participants (id) {
        id -> Text,
        event_id -> Text,
        kind -> Text,
        org_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        name -> Nullable<Text>,
        organization_name -> Nullable<Text>,
        added_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Deals (对接): a pairing carried from first contact to a signed contract.
    deals (id) {
        id -> Text,
        demand_id -> Nullable<Text>,
        achievement_id -> Nullable<Text>,
        buyer_org_id -> Text,
        seller_org_id -> Text,
        broker_id -> Nullable<Text>,
        event_id -> Nullable<Text>,
        response_id -> Nullable<Text>,
        source -> Text,
        stage -> Text,
        furthest_stage -> Text,
        lost_reason -> Nullable<Text>,
        lost_note -> Nullable<Text>,
        commission_rate_bp -> Nullable<BigInt>,
        commission_fen -> Nullable<BigInt>,
        connected_at -> Timestamp,
        intention_at -> Nullable<Timestamp>,
        agreement_at -> Nullable<Timestamp>,
        signed_at -> Nullable<Timestamp>,
        lost_at -> Nullable<Timestamp>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        buyer_acted_at -> Nullable<Timestamp>,
        seller_acted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// A deal's message thread.
    deal_messages (id) {
        id -> Text,
        deal_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Answers to demands (院校答题).
    demand_responses (id) {
        id -> Text,
        demand_id -> Text,
        responder_id -> Text,
        responder_org_id -> Nullable<Text>,
        responder_key -> Text,
        proposal -> Text,
        achievement_id -> Nullable<Text>,
        estimated_cost_fen -> Nullable<BigInt>,
        estimated_months -> Nullable<Integer>,
        status -> Text,
        decline_reason -> Nullable<Text>,
        decline_note -> Nullable<Text>,
        deal_id -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Technology contracts and their registration (技术合同认定登记).
    contracts (id) {
        id -> Text,
        deal_id -> Nullable<Text>,
        name -> Text,
        contract_type -> Text,
        subtype -> Nullable<Text>,
        buyer_org_id -> Nullable<Text>,
        buyer_name -> Text,
        buyer_credit_code -> Nullable<Text>,
        buyer_country -> Text,
        buyer_region_code -> Nullable<Text>,
        buyer_entity_kind -> Text,
        seller_org_id -> Nullable<Text>,
        seller_name -> Text,
        seller_credit_code -> Nullable<Text>,
        seller_country -> Text,
        seller_region_code -> Nullable<Text>,
        seller_entity_kind -> Text,
        intermediary_kind -> Nullable<Text>,
        intermediary_user_id -> Nullable<Text>,
        intermediary_org_id -> Nullable<Text>,
        intermediary_name -> Nullable<Text>,
        commission_rate_bp -> Nullable<BigInt>,
        commission_fen -> Nullable<BigInt>,
        technology_field -> Text,
        ip_type -> Text,
        plan_category -> Text,
        signed_on -> Date,
        valid_from -> Date,
        valid_to -> Date,
        amount_fen -> BigInt,
        non_technical_costs -> Text,
        non_technical_fen -> BigInt,
        technology_amount_fen -> BigInt,
        expected_investment_fen -> Nullable<BigInt>,
        expected_output_fen -> Nullable<BigInt>,
        status -> Text,
        owner_org_id -> Nullable<Text>,
        registry_region_code -> Nullable<Text>,
        registration_year -> Nullable<Integer>,
        registration_serial -> Nullable<BigInt>,
        registration_number -> Nullable<Text>,
        registered_on -> Nullable<Date>,
        registered_by -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        return_note -> Nullable<Text>,
        refusal_reason -> Nullable<Text>,
        technology_income_fen -> Nullable<BigInt>,
        completed_at -> Nullable<Timestamp>,
        terminated_reason -> Nullable<Text>,
        terminated_at -> Nullable<Timestamp>,
        idempotency_key -> Nullable<Text>,
        request_hash -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// A contract's payment schedule.
    contract_milestones (id) {
        id -> Text,
        contract_id -> Text,
        position -> Integer,
        due_on -> Date,
        amount_fen -> BigInt,
        description -> Text,
    }
}

diesel::table! {
    /// Money received under a contract.
    contract_payments (id) {
        id -> Text,
        contract_id -> Text,
        milestone_id -> Nullable<Text>,
        paid_on -> Date,
        amount_fen -> BigInt,
        note -> Nullable<Text>,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Changes to registered contracts (registered as changes, not edits).
    contract_amendments (id) {
        id -> Text,
        contract_id -> Text,
        what -> Text,
        why -> Text,
        new_values -> Text,
        previous_values -> Nullable<Text>,
        status -> Text,
        requested_by -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// The last registration serial per registry and year (gap-free numbering).
    registration_serials (registry_region_code, year) {
        registry_region_code -> Text,
        year -> Integer,
        last_serial -> BigInt,
    }
}

diesel::table! {
    /// Rate-limit hits per bucket per one-minute window, shared by every instance.
    rate_limit_windows (bucket, window_start) {
        bucket -> Text,
        window_start -> BigInt,
        hits -> BigInt,
    }
}

diesel::table! {
    /// Joint auction sessions (联合竞价): lots of many sellers and regions under one name.
    auction_sessions (id) {
        id -> Text,
        name -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Auctions (拍卖, 挂牌): an achievement sold by english, sealed, dutch or listing rules.
    auctions (id) {
        id -> Text,
        achievement_id -> Text,
        seller_org_id -> Text,
        auction_type -> Text,
        status -> Text,
        result -> Nullable<Text>,
        starting_price_fen -> BigInt,
        reserve_price_fen -> Nullable<BigInt>,
        increment_fen -> Nullable<BigInt>,
        increment_bp -> Nullable<BigInt>,
        deposit_fen -> BigInt,
        starts_at -> Timestamp,
        scheduled_ends_at -> Timestamp,
        ends_at -> Timestamp,
        extension_secs -> BigInt,
        priority_window_secs -> BigInt,
        priority_until -> Nullable<Timestamp>,
        decrement_fen -> Nullable<BigInt>,
        decrement_every_secs -> Nullable<BigInt>,
        floor_price_fen -> Nullable<BigInt>,
        session_id -> Nullable<Text>,
        converted_from -> Nullable<Text>,
        current_price_fen -> Nullable<BigInt>,
        leading_bid_id -> Nullable<Text>,
        bid_count -> BigInt,
        hammer_price_fen -> Nullable<BigInt>,
        winner_registration_id -> Nullable<Text>,
        deal_id -> Nullable<Text>,
        relisted_from -> Nullable<Text>,
        defaulted_registration_id -> Nullable<Text>,
        defaulted_at -> Nullable<Timestamp>,
        runner_up_registration_id -> Nullable<Text>,
        runner_up_price_fen -> Nullable<BigInt>,
        runner_up_status -> Nullable<Text>,
        reject_reason -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        announced_at -> Nullable<Timestamp>,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        starting_soon_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// The bidders registered for an auction, with their deposit.
    auction_registrations (id) {
        id -> Text,
        auction_id -> Text,
        org_id -> Text,
        user_id -> Text,
        bidder_code -> Text,
        deposit_status -> Text,
        priority -> Bool,
        max_amount_fen -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Accepted bids (a sealed bid that was replaced keeps its row, stamped `replaced_at`).
    auction_bids (id) {
        id -> Text,
        auction_id -> Text,
        registration_id -> Text,
        amount_fen -> BigInt,
        proxy -> Bool,
        accepted_at -> Timestamp,
        replaced_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Public pricing notices (公示): a result's sale by agreement, listing or auction, shown
    /// for a period during which anyone may object.
    notices (id) {
        id -> Text,
        achievement_id -> Text,
        seller_org_id -> Text,
        kind -> Text,
        title -> Text,
        summary -> Text,
        price_fen -> BigInt,
        transfer_mode -> Text,
        buyer_org_id -> Nullable<Text>,
        buyer_name -> Nullable<Text>,
        related_party -> Bool,
        days -> BigInt,
        starts_on -> Date,
        ends_on -> Date,
        deal_id -> Nullable<Text>,
        auction_id -> Nullable<Text>,
        halted_at -> Nullable<Timestamp>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Objections to a notice, each resolved by an administrator.
    notice_objections (id) {
        id -> Text,
        notice_id -> Text,
        user_id -> Text,
        reason -> Text,
        status -> Text,
        note -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Uploaded files: one row per upload, the bytes in object storage under `sha256`.
    attachments (id) {
        id -> Text,
        filename -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        org_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Which record (of any kind) an attachment belongs to, and in which role.
    attachment_links (attachment_id, subject_kind, subject_id) {
        attachment_id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        role -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(achievements -> listings (id));
diesel::joinable!(demands -> listings (id));
diesel::joinable!(experts -> listings (id));
diesel::joinable!(service_providers -> listings (id));
diesel::joinable!(access_requests -> listings (listing_id));
diesel::joinable!(listings -> organizations (org_id));
diesel::joinable!(deal_messages -> deals (deal_id));
diesel::joinable!(event_listings -> events (event_id));
diesel::joinable!(event_participants -> events (event_id));
diesel::joinable!(contract_milestones -> contracts (contract_id));
diesel::joinable!(contract_payments -> contracts (contract_id));
diesel::joinable!(contract_amendments -> contracts (contract_id));
diesel::joinable!(auction_registrations -> auctions (auction_id));
diesel::joinable!(auction_bids -> auctions (auction_id));
diesel::joinable!(notice_objections -> notices (notice_id));
diesel::joinable!(attachment_links -> attachments (attachment_id));

diesel::table! {
    /// Innovation-voucher programmes (科技创新券) of a bureau: budget, caps, coverage, mode.
    voucher_programs (id) {
        id -> Text,
        name -> Text,
        region_code -> Text,
        year -> BigInt,
        budget_fen -> BigInt,
        application_cap_fen -> BigInt,
        enterprise_year_cap_fen -> BigInt,
        coverage_bp -> BigInt,
        full_cover_below_fen -> BigInt,
        service_types -> Text,
        mode -> Text,
        use_by -> Date,
        claim_by -> Date,
        accepted_regions -> Text,
        committed_fen -> BigInt,
        issued_count -> BigInt,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Vouchers applied for and issued to enterprises.
    vouchers (id) {
        id -> Text,
        program_id -> Text,
        org_id -> Text,
        applicant_id -> Text,
        number -> Nullable<Text>,
        status -> Text,
        requested_fen -> BigInt,
        approved_fen -> Nullable<BigInt>,
        balance_fen -> BigInt,
        lapsed_fen -> BigInt,
        purpose -> Text,
        reason -> Nullable<Text>,
        use_by -> Date,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        lapsed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Services ordered from service organizations and paid in part with a voucher.
    voucher_orders (id) {
        id -> Text,
        voucher_id -> Text,
        program_id -> Text,
        enterprise_org_id -> Text,
        provider_id -> Text,
        provider_org_id -> Text,
        provider_region_code -> Text,
        service_type -> Text,
        description -> Text,
        fee_fen -> BigInt,
        voucher_fen -> BigInt,
        status -> Text,
        note -> Nullable<Text>,
        claim_id -> Nullable<Text>,
        created_by -> Text,
        accepted_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        confirmed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Claims for the voucher share of confirmed orders (兑付).
    voucher_claims (id) {
        id -> Text,
        program_id -> Text,
        claimant_org_id -> Text,
        invoice_number -> Text,
        status -> Text,
        total_fen -> BigInt,
        note -> Nullable<Text>,
        reason -> Nullable<Text>,
        settlement_id -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        paid_at -> Nullable<Timestamp>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Settlement batches: approved claims of a programme paid together.
    voucher_settlements (id) {
        id -> Text,
        program_id -> Text,
        through -> Date,
        total_fen -> BigInt,
        claim_count -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// E-mail waiting to be sent (or sent), written with the event it tells of.
    email_outbox (id) {
        id -> Text,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        kind -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Single-use account tokens (password reset, e-mail verification), stored as SHA-256
    /// hashes.
    account_tokens (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Each user's choice of channels per kind of notification.
    notification_preferences (user_id, kind) {
        user_id -> Text,
        kind -> Text,
        in_app -> Bool,
        email -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(vouchers -> voucher_programs (program_id));
diesel::joinable!(voucher_orders -> vouchers (voucher_id));
diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(invites -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(
    rate_limit_windows,
    organizations,
    users,
    sessions,
    refresh_tokens,
    invites,
    audit_log,
    listings,
    achievements,
    demands,
    experts,
    service_providers,
    access_requests,
    match_feedback,
    notifications,
    webhooks,
    webhook_deliveries,
    events,
    event_listings,
    event_participants,
    deals,
    deal_messages,
    demand_responses,
    contracts,
    contract_milestones,
    contract_payments,
    contract_amendments,
    registration_serials,
    auction_sessions,
    auctions,
    auction_registrations,
    auction_bids,
    notices,
    notice_objections,
    voucher_programs,
    vouchers,
    voucher_orders,
    voucher_claims,
    voucher_settlements,
    email_outbox,
    account_tokens,
    notification_preferences,
    attachments,
    attachment_links,
);
