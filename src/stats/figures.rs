//! One way to read every set of figures: parse the shared filters and the figure's own query
//! (collecting every field error), resolve who reads which slice, then compute the figures
//! off the executor. Each set of figures says only what differs.

use serde::Serialize;

use super::brokers::{self, BrokerStats, BrokersQuery};
use super::contracts::{self, ContractStats, ContractsQuery, Grouping};
use super::funnel::{self, FunnelQuery, FunnelStats};
use super::libraries::{self, LibrariesQuery, LibraryStats};
use super::overview::{self, Overview};
use super::params::{BrokerSlice, Filter, Scope, StatsQuery, check_organization, resolve_scope};
use super::render::Tabular;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::events;
use crate::domain::regions::RegionLevel;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::validation::Checker;

/// A set of figures the bureau reads.
pub(crate) trait Figures: Serialize + Tabular + Send + Sized + 'static {
    /// The figures' own query parameters.
    type Query: Send + 'static;
    /// The checked form of [`Figures::Query`].
    type Parsed: Send + 'static;
    /// Whether brokers read their own slice (else only organizations and administrators read).
    const SLICE: BrokerSlice = BrokerSlice::No;

    /// Checks the own query, collecting failures.
    fn parse(query: &Self::Query, checker: &mut Checker, filter: &Filter) -> Self::Parsed;

    /// Refuses what the resolved reader may not ask for.
    fn authorize(_scope: &Scope, _parsed: &Self::Parsed) -> ApiResult<()> {
        Ok(())
    }

    /// Computes the figures of the slice.
    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        parsed: Self::Parsed,
    ) -> ApiResult<Self>;
}

/// Reads a set of figures for the caller; `checker` may already hold failures of parameters
/// only the endpoint knows (a chart's metric), so that all of them are answered together.
pub(crate) async fn read<F: Figures>(
    user: &AuthUser,
    state: &AppState,
    query: &StatsQuery,
    own: &F::Query,
    mut checker: Checker,
) -> ApiResult<F> {
    let filter = query.parse(&mut checker);
    let parsed = F::parse(own, &mut checker, &filter);
    checker.finish()?;
    let scope = resolve_scope(user, filter.org_id.as_deref(), F::SLICE)?;
    F::authorize(&scope, &parsed)?;
    state
        .db
        .read(move |conn| {
            check_organization(conn, &scope)?;
            F::compute(conn, &filter, &scope, parsed)
        })
        .await
}

impl Figures for Overview {
    type Query = ();
    type Parsed = ();

    fn parse(_: &(), _: &mut Checker, _: &Filter) {}

    fn compute(conn: &mut DbConnection, filter: &Filter, scope: &Scope, _: ()) -> ApiResult<Self> {
        overview::compute(conn, filter, scope)
    }
}

impl Figures for ContractStats {
    type Query = ContractsQuery;
    type Parsed = Grouping;

    fn parse(query: &ContractsQuery, checker: &mut Checker, filter: &Filter) -> Grouping {
        query.parse(checker, filter)
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        grouping: Grouping,
    ) -> ApiResult<Self> {
        contracts::compute(conn, filter, scope, grouping)
    }
}

impl Figures for LibraryStats {
    type Query = LibrariesQuery;
    type Parsed = (libraries::LibraryGroup, RegionLevel);

    fn parse(query: &LibrariesQuery, checker: &mut Checker, filter: &Filter) -> Self::Parsed {
        query.parse(checker, filter)
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        (group, level): Self::Parsed,
    ) -> ApiResult<Self> {
        libraries::compute(conn, filter, scope, group, level)
    }
}

impl Figures for BrokerStats {
    type Query = BrokersQuery;
    type Parsed = i64;
    const SLICE: BrokerSlice = BrokerSlice::Yes;

    fn parse(query: &BrokersQuery, checker: &mut Checker, _: &Filter) -> i64 {
        query.parse(checker)
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        top: i64,
    ) -> ApiResult<Self> {
        brokers::compute(conn, filter, scope, top)
    }
}

impl Figures for FunnelStats {
    type Query = FunnelQuery;
    type Parsed = FunnelQuery;
    const SLICE: BrokerSlice = BrokerSlice::Yes;

    fn parse(query: &FunnelQuery, checker: &mut Checker, _: &Filter) -> FunnelQuery {
        FunnelQuery {
            event_id: non_empty(checker, "event_id", query.event_id.as_deref()),
            broker_id: non_empty(checker, "broker_id", query.broker_id.as_deref()),
        }
    }

    fn authorize(scope: &Scope, query: &FunnelQuery) -> ApiResult<()> {
        match (scope, query.broker_id.as_deref()) {
            (Scope::Broker(me), Some(named)) if named != me => {
                Err(ApiError::Forbidden("a broker reads only their own figures".into()))
            }
            _ => Ok(()),
        }
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        query: FunnelQuery,
    ) -> ApiResult<Self> {
        check_funnel_filters(conn, &query)?;
        funnel::compute(conn, filter, scope, &query)
    }
}

fn non_empty(checker: &mut Checker, field: &str, value: Option<&str>) -> Option<String> {
    match value.map(str::trim) {
        Some("") => {
            checker.fail(field, "required", "must not be empty when given");
            None
        }
        other => other.map(str::to_owned),
    }
}

/// 422 when the funnel names an event or broker that does not exist.
fn check_funnel_filters(conn: &mut DbConnection, query: &FunnelQuery) -> ApiResult<()> {
    use diesel::prelude::*;
    let mut errors = Vec::new();
    if let Some(event) = &query.event_id {
        let found: Option<String> =
            events::table.find(event).select(events::id).first(conn).optional()?;
        if found.is_none() {
            errors.push(FieldError::new("event_id", "not_found", "no such event"));
        }
    }
    if let Some(broker) = &query.broker_id
        && let Err(ApiError::Validation(mut e)) =
            crate::deals::queries::check_broker(conn, "broker_id", broker)
    {
        errors.append(&mut e);
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}
