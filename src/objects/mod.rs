//! Durable Objects: one per monitor (and per region).

pub mod monitor;
