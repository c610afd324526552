//! Answers to demands (院校答题): universities, research institutes and experts answer an
//! enterprise's published problem; the enterprise shortlists, declines with a coded reason or
//! accepts, which opens a deal at `intention`.

pub mod routes;
