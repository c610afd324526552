//! `GET /api/v1/auctions/{id}/confirmation`: the printable 成交确认书 of a sold lot (HTML, in
//! Chinese): the result, the seller and the buyer, the hammer price in figures and capitals,
//! the deposit counted towards it, the time of the sale and the deal it opened.

use actix_web::{HttpResponse, get, web};
use diesel::prelude::*;

use super::access::is_seller_side;
use super::model::{AuctionResult, AuctionRow, AuctionType};
use super::store;
use crate::auth::AuthUser;
use crate::contracts::certificate::{STYLE, row, yuan};
use crate::db::DbConnection;
use crate::db::schema::{auction_registrations, auction_sessions, organizations};
use crate::domain::rmb::capitals;
use crate::error::{ApiError, ApiResult};
use crate::http::endpoint::State;
use crate::http::html::escape;

fn kind_zh(kind: AuctionType) -> &'static str {
    match kind {
        AuctionType::English => "英式拍卖（增价拍卖）",
        AuctionType::Sealed => "密封拍卖",
        AuctionType::Dutch => "荷兰式拍卖（降价拍卖）",
        AuctionType::Listing => "挂牌交易",
    }
}

fn org_name(conn: &mut DbConnection, id: &str) -> ApiResult<String> {
    Ok(organizations::table.find(id).select(organizations::name).first(conn)?)
}

/// The confirmation of a completed sale as HTML.
fn render(
    conn: &mut DbConnection,
    lot: &AuctionRow,
    buyer_org: &str,
    bidder_code: &str,
) -> ApiResult<String> {
    let title = crate::listings::queries::find(
        conn,
        crate::listings::Library::Achievements,
        &lot.achievement_id,
    )?
    .title;
    let price = lot.hammer_price_fen.unwrap_or(0);
    let closed = lot
        .closed_at
        .map(|at| {
            at.and_utc()
                .with_timezone(&crate::clock::china())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    let mut rows = String::new();
    rows.push_str(&row("成交标的", &title));
    let kind =
        lot.converted_from.as_deref().and_then(|k| k.parse().ok()).unwrap_or(lot.auction_type);
    rows.push_str(&row("交易方式", kind_zh(kind)));
    if let Some(session) = &lot.session_id {
        let name: String =
            auction_sessions::table.find(session).select(auction_sessions::name).first(conn)?;
        rows.push_str(&row("联合竞价会", &name));
    }
    rows.push_str(&row("出让方", &org_name(conn, &lot.seller_org_id)?));
    rows.push_str(&row(
        "受让方",
        &format!("{}（竞买号 {bidder_code}）", org_name(conn, buyer_org)?),
    ));
    rows.push_str(&row("起拍价", &format!("{} 元", yuan(lot.starting_price_fen))));
    rows.push_str(&row("成交价（小写）", &format!("{} 元", yuan(price))));
    rows.push_str(&row("成交价（大写）", &format!("人民币{}", capitals(price))));
    rows.push_str(&row("保证金", &format!("{} 元，已转作价款", yuan(lot.deposit_fen))));
    rows.push_str(&row("成交时间", &format!("{closed}（北京时间）")));
    rows.push_str(&row("对接编号", lot.deal_id.as_deref().unwrap_or("")));
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<title>成交确认书 {id}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<h1>成交确认书</h1>\n<p class=\"number\">交易编号：{id}</p>\n<table>\n{rows}</table>\n\
<p>双方确认上述标的按以上价格成交，并于成交之日起依约签订技术合同、办理登记。</p>\n\
<p class=\"seal\">出让方（盖章）　　受让方（盖章）　　交易机构（盖章）</p>\n</body>\n</html>\n",
        id = escape(&lot.id),
    ))
}

crate::endpoint! {
    /// The printable 成交确认书 of a sold lot (`text/html; charset=utf-8`), for the seller's
    /// members, the buyer's members and administrators; to everyone else it does not exist.
    get "/auctions/{id}/confirmation" => confirmation, tag "auctions",
    path { "id": "Auction id" },
    responses [(status = 200, description = "The confirmation", content_type = "text/html; charset=utf-8", body = String),
        (status = 404, description = "No such auction, or not the caller's sale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not sold, or the sale is waiting for the priority right (`not_sold`, `sale_pending`)", body = crate::error::Problem, content_type = "application/problem+json")],
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let html = state.db.read(move |conn| {
            let lot = store::find(conn, &id)?;
            let winner: Option<(String, String)> = match &lot.winner_registration_id {
                Some(registration) => auction_registrations::table
                    .find(registration)
                    .select((auction_registrations::org_id, auction_registrations::bidder_code))
                    .first(conn)
                    .optional()?,
                None => None,
            };
            let buyer = winner.as_ref().is_some_and(|(org, _)| user.belongs_to(org));
            if !(is_seller_side(&user, &lot) || buyer) {
                return Err(super::access::not_found());
            }
            let (buyer_org, code) = match (lot.result(), winner) {
                (Some(AuctionResult::Sold), Some(winner)) => winner,
                _ => return Err(ApiError::refused("not_sold", "only a sold lot has a confirmation")),
            };
            if lot.defaulted_at.is_some() && lot.runner_up_status.as_deref() != Some("accepted") {
                return Err(ApiError::refused("not_sold", "the winner defaulted: the lot is not sold"));
            }
            if lot.priority_until.is_some() {
                return Err(ApiError::refused("sale_pending", "the sale waits for the priority right to be used or to lapse"));
            }
            render(conn, &lot, &buyer_org, &code)
        }).await?;
        Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
    }
}
