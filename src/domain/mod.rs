//! The pure domain: plain values in, plain values out, no `worker` types, so
//! everything here unit-tests natively with `cargo test --lib`.

pub mod access;
pub mod account;
pub mod api_key;
pub mod badge;
pub mod catalogue;
pub mod cost;
pub mod dns;
pub mod heartbeat;
pub mod ids;
pub mod incident;
pub mod invitation;
pub mod jwt;
pub mod lease;
pub mod live;
pub mod mcp;
pub mod monitor;
pub mod notify;
pub mod page;
pub mod ping_token;
pub mod plan;
pub mod probe;
pub mod rate_limit;
pub mod redirect;
pub mod schedule;
pub mod secrets;
pub mod server_timing;
pub mod status;
pub mod status_page;
pub mod target;
pub mod time;
pub mod tools;
pub mod uptime;
pub mod validation;
