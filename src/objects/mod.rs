//! Durable Objects: one per monitor, plus one per extra region it probes
//! from, and one per organization (its hub, `hub.rs`).

mod heartbeat;
pub mod hub;
mod lease;
pub mod limiter;
pub mod live;
mod maintenance;
pub mod monitor;
mod outbox;
mod storage;
pub mod stub;
mod telemetry;

use worker::ScheduledTime;

/// An absolute alarm time (a bare number would be taken as an offset from now).
fn at(ms: i64) -> ScheduledTime {
    ScheduledTime::new(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)))
}
