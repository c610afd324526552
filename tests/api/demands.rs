//! Tests of the demands library.
