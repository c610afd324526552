//! contracts end to end.
