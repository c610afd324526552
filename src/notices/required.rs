//! The pricing-notice rule of registration: with `TECHMARKET_PRICING_NOTICE_REQUIRED`, a
//! transfer or licence contract whose seller is a university or research institute
//! registers only once its deal has a completed notice or came from a sold auction.

use diesel::prelude::*;

use super::model::NoticeStatus;
use crate::auctions::model::AuctionStatus;
use crate::contracts::model::{ContractRow, ContractType, EntityKind};
use crate::db::DbConnection;
use crate::db::schema::{auctions, notices};
use crate::error::{ApiError, ApiResult};

/// 409 `notice_required` unless the contract may register under the rule.
pub fn check(conn: &mut DbConnection, contract: &ContractRow) -> ApiResult<()> {
    let priced = matches!(contract.contract_type, ContractType::Transfer | ContractType::License);
    let public_seller = matches!(
        contract.seller_entity_kind,
        EntityKind::University | EntityKind::ResearchInstitute
    );
    if !priced || !public_seller {
        return Ok(());
    }
    let refused = || {
        ApiError::refused(
            "notice_required",
            "a university's or institute's transfer or licence registers after its price was \
             publicly noticed (POST /api/v1/notices with the deal) or its result sold at auction",
        )
    };
    let Some(deal_id) = &contract.deal_id else {
        return Err(refused());
    };
    let sold: Option<String> = auctions::table
        .filter(auctions::deal_id.eq(deal_id))
        .filter(auctions::status.eq(AuctionStatus::Closed.as_str()))
        .select(auctions::id)
        .first(conn)
        .optional()?;
    if sold.is_some() {
        return Ok(());
    }
    let today = crate::clock::today();
    let completed = notices::table
        .filter(notices::deal_id.eq(deal_id))
        .select(crate::notices::model::NoticeRow::as_select())
        .load(conn)?
        .into_iter()
        .any(|notice| notice.status(today) == NoticeStatus::Completed);
    if completed { Ok(()) } else { Err(refused()) }
}
