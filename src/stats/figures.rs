//! One way to read every set of figures: parse the shared filters and the figure's own query
//! (collecting every field error), resolve who reads which slice, then compute the figures
//! off the executor. Each set of figures says only what differs.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use super::brokers::{self, BrokerStats, BrokersQuery};
use super::chart::{self, BarChart, ContractMetric};
use super::contracts::{self, ContractStats, ContractsQuery, Grouping};
use super::funnel::{self, FunnelQuery, FunnelStats};
use super::libraries::{self, LibrariesQuery, LibraryStats};
use super::overview::{self, Overview};
use super::params::{BrokerSlice, Filter, Scope, StatsQuery, check_organization, resolve_scope};
use super::render::{Tabular, respond, svg};
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::events;
use crate::domain::regions::RegionLevel;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::validation::Checker;

/// A set of figures the bureau reads.
pub(crate) trait Figures: Send + Sized + 'static {
    /// The figures' own query parameters.
    type Query: DeserializeOwned + Send + 'static;
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

/// Figures read for the caller. As an extractor it tells the whole story before the handler
/// runs: who asks (401 first), the shared filters and the figures' own query (every failing
/// field in one 422), the reader's slice (403), then the figures computed off the executor.
/// As a responder it answers JSON, or CSV with `Accept: text/csv`.
pub(crate) struct Read<F>(pub F);

impl<F: Figures> FromRequest for Read<F> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = AuthUser::extract(&req).await?;
            let state = web::Data::<AppState>::extract(&req).await?;
            let query = web::Query::<StatsQuery>::extract(&req).await?;
            let own = web::Query::<F::Query>::extract(&req).await?;
            let mut checker = Checker::new();
            let filter = query.parse(&mut checker);
            let parsed = F::parse(&own, &mut checker, &filter);
            checker.finish()?;
            let scope = resolve_scope(&user, filter.org_id.as_deref(), F::SLICE)?;
            F::authorize(&scope, &parsed)?;
            let figures = state
                .db
                .read(move |conn| {
                    // Every query of a set of figures reads the same snapshot.
                    crate::db::read_snapshot(conn, |conn| {
                        check_organization(conn, &scope)?;
                        F::compute(conn, &filter, &scope, parsed)
                    })
                })
                .await?;
            Ok(Read(figures))
        })
    }
}

impl<F: Figures + Serialize + Tabular> Responder for Read<F> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        respond(req, &self.0)
            .unwrap_or_else(|error| actix_web::ResponseError::error_response(&error))
    }
}

/// Figures that are drawn as an SVG bar chart.
pub(crate) trait Drawn: Figures {
    /// The chart of the figures.
    fn chart(&self) -> BarChart;
}

/// The SVG chart of a set of figures (drawn off the executor).
pub(crate) async fn draw<F: Drawn>(figures: Read<F>) -> ApiResult<HttpResponse> {
    let body = web::block(move || chart::draw(&figures.0.chart())).await??;
    Ok(svg(body))
}

/// The overview has no parameters of its own.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NoParams {}

impl Figures for Overview {
    type Query = NoParams;
    type Parsed = ();

    fn parse(_: &NoParams, _: &mut Checker, _: &Filter) {}

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

impl Drawn for ContractChart {
    fn chart(&self) -> BarChart {
        chart::contracts(&self.stats, self.metric)
    }
}

impl Drawn for FunnelStats {
    fn chart(&self) -> BarChart {
        chart::funnel(self)
    }
}

impl Drawn for LibraryStats {
    fn chart(&self) -> BarChart {
        chart::libraries(self)
    }
}

/// Query of the contract chart: the grouping of `GET /api/v1/stats/contracts` and the figure
/// drawn.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// The figure drawn (default `amount`, 成交额 in 万元).
    #[param(value_type = Option<ContractMetric>)]
    pub metric: Option<String>,
}

/// The query the contract chart reads: the grouping and the metric.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ContractChartQuery {
    /// How contracts are grouped.
    #[serde(flatten)]
    pub grouping: ContractsQuery,
    /// The figure drawn.
    #[serde(flatten)]
    pub chart: ChartQuery,
}

/// The contract figures with the one a chart draws.
pub(crate) struct ContractChart {
    stats: ContractStats,
    metric: ContractMetric,
}

impl Figures for ContractChart {
    type Query = ContractChartQuery;
    type Parsed = (Grouping, ContractMetric);

    fn parse(query: &ContractChartQuery, checker: &mut Checker, filter: &Filter) -> Self::Parsed {
        let metric = match query.chart.metric.as_deref().map(str::trim) {
            None => ContractMetric::Amount,
            Some(text) => text.parse().unwrap_or_else(|message: String| {
                checker.fail("metric", "invalid_value", message);
                ContractMetric::Amount
            }),
        };
        (ContractStats::parse(&query.grouping, checker, filter), metric)
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        (grouping, metric): Self::Parsed,
    ) -> ApiResult<Self> {
        let stats = ContractStats::compute(conn, filter, scope, grouping)?;
        Ok(ContractChart { stats, metric })
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
