//! End-to-end tests: black-box HTTP against the built Worker running in
//! `wrangler dev` (workerd) with real local D1 and Durable Objects.
//! Run them with `make test`, which starts that Worker for them.

mod action;
mod api_keys;
mod apply;
mod audit_log;
mod auth;
mod authorization;
mod channels;
mod checks;
mod cli;
mod consistency;
mod conventions;
mod cost;
mod dashboard;
mod deployment;
mod forum;
mod health;
mod healthchecks;
mod heartbeats;
mod incidents;
mod invitations;
mod live;
mod maintenance;
mod mcp;
mod me;
mod members;
mod metrics;
mod monitors;
mod ping_path;
mod private_networks;
mod public_tools;
mod rate_limits;
mod secrets;
mod status_pages;
mod support;
mod targets;
mod timings;
