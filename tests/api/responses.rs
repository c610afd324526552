//! responses end to end.
