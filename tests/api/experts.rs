//! Tests of the experts library.
