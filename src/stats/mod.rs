//! Market statistics: the bureau's figures computed straight from the records, as JSON, CSV
//! and SVG charts.

pub mod routes;
