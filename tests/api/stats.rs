//! stats end to end.
