//! Durable Objects: one per monitor, plus one per extra region it probes
//! from, and one per organization (its hub, `hub.rs`).

mod heartbeat;
pub mod hub;
pub mod monitor;
mod outbox;
pub mod stub;
