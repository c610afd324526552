//! deals end to end.
