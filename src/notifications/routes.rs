//! `GET /api/v1/notifications`, `POST /api/v1/notifications/{id}/read`,
//! `POST /api/v1/notifications/read-all`,
//! `PUT /api/v1/organizations/{id}/webhook`, `GET /api/v1/organizations/{id}/webhook/deliveries`.

use crate::action_endpoint;
use crate::http::endpoint::State;
use crate::http::pagination::read_counted_page;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Notification, NotificationRow};
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::{notifications, webhook_deliveries, webhooks};
use crate::db::{now, to_utc};
use crate::error::{ApiError, ApiResult};
use crate::http::{Page, PageParams};
use crate::validation;

/// Registers the notification routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_notifications)
        .service(read_notification)
        .service(read_all_notifications)
        .service(super::preferences::get_preferences)
        .service(super::preferences::put_preferences)
        .service(put_webhook)
        .service(list_deliveries);
}

/// Filters of the notification list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationFilter {
    /// `true`: only unread ones.
    pub unread: Option<bool>,
}

fn own_org(user: &AuthUser) -> Result<String, ApiError> {
    user.user.organization_id.clone().ok_or_else(|| {
        ApiError::Forbidden("notifications go to organizations; you belong to none".into())
    })
}

crate::endpoint! {
    /// The caller's organization's notifications, newest first (without the kinds the caller
    /// turned off in the app: `PUT /api/v1/me/notification-preferences`).
    get "/notifications" => list_notifications, tag "notifications",
    params { NotificationFilter, PageParams },
    ok 200 "Notifications, newest first" => Page<Notification>,
    |user: AuthUser, state: State, filter: web::Query<NotificationFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<Notification>>> {
        let org = own_org(&user)?;
        let unread = filter.unread.unwrap_or(false);
        let page = read_counted_page(&state.db, &page, move |conn, request| {
            let hidden = super::preferences::hidden_kinds(conn, user.id())?;
            let selected = || {
                let mut query =
                    notifications::table.filter(notifications::org_id.eq(org.clone())).into_boxed();
                if !hidden.is_empty() {
                    query = query.filter(notifications::kind.ne_all(hidden.clone()));
                }
                if unread {
                    query = query.filter(notifications::read_at.is_null());
                }
                query
            };
            let total = selected().count().get_result(conn)?;
            let rows = crate::after_cursor!(selected(), notifications::id, request, desc)
                .select(NotificationRow::as_select())
                .load(conn)?;
            Ok((rows, total))
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page.map(Notification::from)))
    }
}

crate::endpoint! {
    /// Marks a notification read (members of the notified organization).
    post "/notifications/{id}/read" => read_notification, tag "notifications",
    path { "id": "Notification id" }, ok 200 "The notification" => Notification,
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<web::Json<Notification>> {
        let id = path.into_inner();
        let org = user.user.organization_id.clone();
        let row = state
            .db
            .write(move |conn| {
                let row = notifications::table
                    .find(&id)
                    .select(NotificationRow::as_select())
                    .first(conn)
                    .optional()?
                    .filter(|n| org.as_deref() == Some(n.org_id.as_str()))
                    .ok_or_else(|| ApiError::NotFound("notification".into()))?;
                if row.read_at.is_none() {
                    diesel::update(notifications::table.find(&row.id))
                        .set(notifications::read_at.eq(now()))
                        .execute(conn)?;
                }
                Ok(notifications::table
                    .find(&row.id)
                    .select(NotificationRow::as_select())
                    .first(conn)?)
            })
            .await?;
        Ok(web::Json(Notification::from(row)))
    }
}

/// What `POST /api/v1/notifications/read-all` did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many unread notifications were marked read now (0 when none was unread).
    pub marked: usize,
}

crate::endpoint! {
    /// Marks every unread notification of the caller's organization read, in one statement:
    /// what arrives afterwards stays unread.
    post "/notifications/read-all" => read_all_notifications, tag "notifications",
    ok 200 "How many were marked read" => MarkedRead,
    problems { 403: "The caller belongs to no organization" },
    |user: AuthUser, state: State| -> ApiResult<web::Json<MarkedRead>> {
        let org = own_org(&user)?;
        let marked = state
            .db
            .write(move |conn| {
                Ok(diesel::update(
                    notifications::table
                        .filter(notifications::org_id.eq(org))
                        .filter(notifications::read_at.is_null()),
                )
                .set(notifications::read_at.eq(now()))
                .execute(conn)?)
            })
            .await?;
        Ok(web::Json(MarkedRead { marked }))
    }
}

/// `PUT /api/v1/organizations/{id}/webhook`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where to POST notifications: an http or https URL of a public internet address
    /// (loopback, private, link-local, unique-local, reserved addresses and names such as
    /// `localhost` are refused with `private_address`, and again at delivery after resolution).
    pub url: String,
    /// The HMAC-SHA256 key of `X-Techmarket-Signature` (16–200 characters; never shown again).
    pub secret: String,
}

/// A webhook (without its secret).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookOut {
    /// The organization that receives the deliveries.
    pub org_id: String,
    /// Where notifications are POSTed.
    pub url: String,
    /// Version of the record, raised by every change; send it (or `If-Match`) with a change.
    pub version: i64,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

fn ensure_member(user: &AuthUser, org_id: &str) -> Result<(), ApiError> {
    if user.is_admin() || user.belongs_to(org_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only members of this organization and administrators may do this".into(),
        ))
    }
}

action_endpoint! {
    /// Sets the organization's webhook (its members and administrators). Deliveries are JSON
    /// POSTs signed with HMAC-SHA256 over the body in `X-Techmarket-Signature: sha256=<hex>`,
    /// retried with exponential backoff.
    put "/organizations/{id}/webhook" => put_webhook, tag "notifications", path { "id": "Organization id" },
    ok 200 "The webhook" => WebhookOut, problems { 422: "Invalid fields (see `errors`); a URL of a non-public address has the code `private_address`" },
    |user: AuthUser, state, path: String, body: Json<WebhookRequest>| -> web::Json<WebhookOut> {
        let org_id = path.into_inner();
        let lookup = org_id.clone();
        state.db.read(move |conn| crate::organizations::queries::find(conn, &lookup)).await?;
        ensure_member(&user, &org_id)?;
        let body = body.into_inner();
        let mut checker = validation::Checker::new();
        let url = checker
            .check("url", super::target::webhook_url(&body.url, state.config.webhook_allow_private));
        let secret = checker.check("secret", validation::text(&body.secret, 16, 200));
        checker.finish()?;
        let (Some(url), Some(secret)) = (url, secret) else {
            return Err(ApiError::Internal("validated fields missing".into()));
        };
        let actor = user.actor();
        let saved = state
            .db
            .write(move |conn| {
                let stamp = now();
                let existing: Option<i64> =
                    webhooks::table.find(&org_id).select(webhooks::version).first(conn).optional()?;
                match existing {
                    Some(version) => {
                        diesel::update(webhooks::table.find(&org_id))
                            .set((
                                webhooks::url.eq(&url),
                                webhooks::secret.eq(&secret),
                                webhooks::version.eq(version + 1),
                                webhooks::updated_at.eq(stamp),
                            ))
                            .execute(conn)?;
                    }
                    None => {
                        diesel::insert_into(webhooks::table)
                            .values((
                                webhooks::org_id.eq(&org_id),
                                webhooks::url.eq(&url),
                                webhooks::secret.eq(&secret),
                                webhooks::version.eq(1),
                                webhooks::created_at.eq(stamp),
                                webhooks::updated_at.eq(stamp),
                            ))
                            .execute(conn)?;
                    }
                }
                audit::record(
                    conn,
                    &actor,
                    "organization.webhook_set",
                    "organization",
                    &org_id,
                    serde_json::json!({"url": url}),
                )?;
                let (version, updated_at): (i64, chrono::NaiveDateTime) = webhooks::table
                    .find(&org_id)
                    .select((webhooks::version, webhooks::updated_at))
                    .first(conn)?;
                Ok(WebhookOut { org_id, url, version, updated_at: to_utc(updated_at) })
            })
            .await?;
        Ok(web::Json(saved))
    }
}

/// One webhook delivery.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeliveryOut {
    /// Delivery id.
    pub id: String,
    /// The notification delivered.
    pub notification_id: String,
    /// The URL it is (or was) sent to.
    pub url: String,
    /// pending, delivered or failed.
    pub status: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The receiver's last HTTP status.
    pub last_status_code: Option<i32>,
    /// The last error (`refused: …` when the target was not a public address: nothing was
    /// sent, and no status code is recorded).
    pub last_error: Option<String>,
    /// Next attempt (pending deliveries).
    pub next_attempt_at: DateTime<Utc>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When it was queued (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
}

type DeliveryRow = (
    String,
    String,
    String,
    String,
    i32,
    Option<i32>,
    Option<String>,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    chrono::NaiveDateTime,
);

crate::endpoint! {
    /// The delivery log of the organization's webhook, newest first.
    get "/organizations/{id}/webhook/deliveries" => list_deliveries, tag "notifications",
    path { "id": "Organization id" }, params { PageParams },
    ok 200 "Deliveries, newest first" => Page<DeliveryOut>,
    |user: AuthUser, state: State, path: web::Path<String>, page: web::Query<PageParams>|
        -> ApiResult<HttpResponse> {
        let org_id = path.into_inner();
        let lookup = org_id.clone();
        state.db.read(move |conn| crate::organizations::queries::find(conn, &lookup)).await?;
        ensure_member(&user, &org_id)?;
        let request = page.parse()?;
        let page_request = request.clone();
        let rows: Vec<DeliveryRow> = state
            .db
            .read(move |conn| {
                let mut query = webhook_deliveries::table
                    .filter(webhook_deliveries::org_id.eq(org_id))
                    .into_boxed();
                if let Some(after) = page_request.after.clone() {
                    query = query.filter(webhook_deliveries::id.lt(after));
                }
                Ok(query
                    .order(webhook_deliveries::id.desc())
                    .limit(page_request.fetch())
                    .select((
                        webhook_deliveries::id,
                        webhook_deliveries::notification_id,
                        webhook_deliveries::url,
                        webhook_deliveries::status,
                        webhook_deliveries::attempts,
                        webhook_deliveries::last_status_code,
                        webhook_deliveries::last_error,
                        webhook_deliveries::next_attempt_at,
                        webhook_deliveries::delivered_at,
                        webhook_deliveries::created_at,
                    ))
                    .load(conn)?)
            })
            .await?;
        let page = Page::from_rows(rows, &request, |r| r.0.clone()).map(|r| DeliveryOut {
            id: r.0,
            notification_id: r.1,
            url: r.2,
            status: r.3,
            attempts: r.4,
            last_status_code: r.5,
            last_error: r.6,
            next_attempt_at: to_utc(r.7),
            delivered_at: r.8.map(to_utc),
            created_at: to_utc(r.9),
        });
        Ok(HttpResponse::Ok().json(page))
    }
}
