//! Tests of the service_providers library.
