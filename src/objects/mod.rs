//! Durable Objects: one per monitor, plus one per extra region it probes from.

mod heartbeat;
pub mod monitor;
mod outbox;
pub mod stub;
