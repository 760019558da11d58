//! PingFlow's public tools: `POST /api/dns-lookup` and `GET /api/v1/dns`
//! (a domain's A, AAAA, MX and TXT records), and `POST /api/port-scan` (TCP
//! handshakes to up to 20 ports). They answer in PingFlow's shapes,
//! camelCase included. A scan's target is resolved first and refused (422)
//! when any of its addresses is in a refused network, unless private
//! targets are allowed; scans spend an hourly budget per caller and per
//! caller and target, so the service cannot be turned on others.

use super::limits::spend;
use super::{json_response, query, read_json, Ctx};
use crate::api::credentials::caller;
use crate::domain::rate_limit::{Bucket, Rule, HOUR_MS};
use crate::domain::tools::{lookup_domain, refused_target, scan_ports, service_name, target_host};
use crate::domain::validation::FieldError;
use crate::error::{ApiError, ApiResult};
use crate::probe::dns::{addresses, lookup};
use crate::probe::scan::port_state;
use crate::probe::{deadline, now_ms};
use futures_util::future::join_all;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use std::net::IpAddr;
use worker::{Request, Response};

/// Record types a lookup asks for.
const RECORD_TYPES: [&str; 4] = ["A", "AAAA", "MX", "TXT"];
/// How long a lookup waits for the resolver.
const LOOKUP_TIMEOUT_MS: u32 = 5_000;
/// Handshakes at once: a Worker holds 6 connections.
const SCANS_AT_ONCE: usize = 6;
/// Scans an hour per caller, and per caller and target.
const SCANS_PER_HOUR: u32 = 30;
const SCANS_PER_TARGET_PER_HOUR: u32 = 5;

/// `POST /api/dns-lookup` with `{"domain": …}`.
pub async fn dns_lookup(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let body = read_json(&mut req).await?;
    let domain = lookup_domain(body.get("domain").and_then(Value::as_str))?;
    json_response(200, &resolve_all(ctx, &domain).await)
}

/// `GET /api/v1/dns?domain=…`.
pub async fn dns_query(ctx: &Ctx, req: Request) -> ApiResult<Response> {
    let params = query(&req)?;
    let domain = lookup_domain(params.get("domain").map(String::as_str)).map_err(|e| ApiError::bad_query(&e))?;
    json_response(200, &resolve_all(ctx, &domain).await)
}

/// Every record type at once. An unknown domain or a silent resolver is an
/// answer (`success: false` with the reason), not an error.
async fn resolve_all(ctx: &Ctx, domain: &str) -> Value {
    let started = now_ms();
    let resolver = &ctx.config.dns_resolver;
    let answers = join_all(
        RECORD_TYPES
            .iter()
            .map(|kind| deadline(LOOKUP_TIMEOUT_MS, lookup(resolver, domain, kind))),
    )
    .await;
    let execution_ms = (now_ms() - started).max(0.0).round() as u64;
    let mut records = Map::new();
    let mut problem = None;
    for (kind, answer) in RECORD_TYPES.iter().zip(answers) {
        let values = match answer {
            None => {
                problem = Some(format!(
                    "the resolver did not answer within {} s",
                    LOOKUP_TIMEOUT_MS / 1000
                ));
                Vec::new()
            }
            Some((_, Ok(values))) => values,
            Some((_, Err(failure))) if failure.hint().contains("NXDOMAIN") => {
                problem = Some(format!("NXDOMAIN: {domain} does not exist"));
                Vec::new()
            }
            Some((false, Err(failure))) => {
                problem = Some(format!("the resolver could not be reached: {}", failure.hint()));
                Vec::new()
            }
            // No records of this type, or SERVFAIL for one type: an empty list.
            Some((true, Err(_))) => Vec::new(),
        };
        records.insert(kind.to_string(), record_values(kind, values));
    }
    let found = records.values().any(|v| v.as_array().is_some_and(|a| !a.is_empty()));
    let mut answer = json!({
        "success": found || problem.is_none(),
        "domain": domain,
        "records": records,
        "executionTimeMs": execution_ms,
    });
    if let Some(problem) = problem.filter(|_| !found) {
        answer["error"] = json!(problem);
    }
    answer
}

/// MX records as PingFlow shows them; the others as text.
fn record_values(kind: &str, values: Vec<String>) -> Value {
    if kind != "MX" {
        return json!(values);
    }
    json!(values
        .iter()
        .filter_map(|text| {
            let (priority, exchange) = text.split_once(' ')?;
            Some(json!({ "exchange": exchange.trim_end_matches('.'), "priority": priority.parse::<u16>().ok()? }))
        })
        .collect::<Vec<_>>())
}

/// The addresses of a target to probe, resolved before anything connects;
/// 422 on `field` when it does not resolve or, unless private targets are
/// allowed, when its name or any of its addresses is in a refused network.
pub async fn reachable_addresses(ctx: &Ctx, field: &str, host: &str) -> ApiResult<Vec<IpAddr>> {
    let guarded = !ctx.config.allow_private_targets;
    let refused = |addresses: &[IpAddr]| refused_target(field, host, addresses).filter(|_| guarded);
    if let Some(refused) = refused(&[]) {
        return Err(refused.into());
    }
    let found = deadline(LOOKUP_TIMEOUT_MS, addresses(&ctx.config.dns_resolver, host))
        .await
        .unwrap_or_else(|| Err(format!("{host} did not resolve within {} s", LOOKUP_TIMEOUT_MS / 1000)))
        .map_err(|why| ApiError::Invalid(FieldError::new(field, why)))?;
    match refused(&found) {
        Some(refused) => Err(refused.into()),
        None => Ok(found),
    }
}

/// `POST /api/port-scan` with `{"target": …, "ports": […]}`.
pub async fn port_scan(ctx: &Ctx, mut req: Request) -> ApiResult<Response> {
    let body = read_json(&mut req).await?;
    let target = target_host("target", body.get("target"))?;
    let ports = scan_ports(body.get("ports"))?;
    let (_, bucket) = caller(ctx, &req).await?;
    let found = reachable_addresses(ctx, "target", &target).await?;
    let scans = |limit| vec![Rule::new("port_scans", limit, HOUR_MS, 1)];
    spend(ctx, &bucket, scans(SCANS_PER_HOUR)).await?;
    let address = found[0];
    let pair = Bucket::ScanTarget {
        caller: bucket.name(),
        address: address.to_string(),
    };
    spend(ctx, &pair, scans(SCANS_PER_TARGET_PER_HOUR)).await?;
    let states: Vec<(u16, _)> = futures_util::stream::iter(ports)
        .map(|port| async move { (port, port_state(address, port).await) })
        .buffered(SCANS_AT_ONCE)
        .collect()
        .await;
    json_response(
        200,
        &json!({
            "target": target,
            "address": address.to_string(),
            "results": states.iter().map(|(port, state)| json!({
                "port": port, "status": state, "service": service_name(*port),
            })).collect::<Vec<_>>(),
        }),
    )
}
