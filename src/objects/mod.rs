//! Durable Objects: one per monitor, plus one per extra region it probes from.

pub mod monitor;
pub mod stub;
