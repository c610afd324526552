//! events end to end.
