//! Matching enterprise problems to university results: text relevance from the search index,
//! closed over the vocabulary gap with what the listed records themselves teach (recognized
//! author keywords, keyword co-occurrence, pseudo-relevance feedback).

pub mod answer;
pub mod calibration;
mod candidates;
pub mod cards;
pub mod engine;
pub mod eval;
mod lay;
pub mod relevance;
pub mod routes;
pub mod scoring;
pub mod text;
pub mod vocabulary;
pub mod who_helps;
