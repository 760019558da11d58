//! `RateLimiter`: one per caller bucket, addressed by `id_from_name` of the
//! bucket's name (`domain::rate_limit::Bucket`). It holds the bucket's
//! counts, one per rule, and answers each `take` in turn, so counts are
//! exact however many requests race. Counts live in memory and reach
//! storage when `must_persist` says (budgets always, minute counts every
//! tenth), so an evicted object starts again from nearly where it was.

use super::storage::Storage;
use crate::domain::rate_limit::{must_persist, take, Counter, Decision, Rule};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

/// The request's header: a `Take` as JSON.
pub const TAKE_HEADER: &str = "X-Take";
/// The answer's header: a `Decision` as JSON.
pub const DECISION_HEADER: &str = "X-Decision";
/// Storage key: the counts by rule name.
const COUNTERS: &str = "counters";

/// `POST /take`: spend from these rules, all or none.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Take {
    pub rules: Vec<Rule>,
}

#[durable_object]
pub struct RateLimiter {
    state: State,
    env: Env,
    /// The counts, once read from storage.
    counters: RefCell<Option<BTreeMap<String, Counter>>>,
}

impl DurableObject for RateLimiter {
    fn new(state: State, env: Env) -> Self {
        RateLimiter {
            state,
            env,
            counters: RefCell::new(None),
        }
    }

    /// The take and the decision travel in headers (`TAKE_HEADER`,
    /// `DECISION_HEADER`), not bodies: no stream to read on either side,
    /// which is most of what this request would otherwise cost.
    async fn fetch(&self, req: Request) -> Result<Response> {
        let started = crate::meter::start();
        let take = req
            .headers()
            .get(TAKE_HEADER)?
            .and_then(|text| serde_json::from_str::<Take>(&text).ok());
        let answer = match take {
            Some(take) => self.take(&take.rules).await,
            None => Response::error(format!("a take needs {TAKE_HEADER}"), 400),
        };
        crate::meter::flush(&self.env, "limiter", "take", started);
        answer
    }
}

impl RateLimiter {
    fn storage(&self) -> Storage {
        Storage(self.state.storage())
    }

    async fn take(&self, rules: &[Rule]) -> Result<Response> {
        if self.counters.borrow().is_none() {
            let stored: BTreeMap<String, Counter> = self.storage().get(COUNTERS).await?.unwrap_or_default();
            self.counters.borrow_mut().get_or_insert(stored);
        }
        let now = worker::Date::now().as_millis() as i64;
        let (decision, persist): (Decision, Option<BTreeMap<String, Counter>>) = {
            let mut slot = self.counters.borrow_mut();
            let counters = slot.get_or_insert_with(BTreeMap::new);
            // One count per rule name, of which there are few: nothing grows.
            let decision = take(counters, rules, now);
            let persist = (decision.allowed && must_persist(rules, counters)).then(|| counters.clone());
            (decision, persist)
        };
        if let Some(counters) = persist {
            self.storage().put(COUNTERS, counters).await?;
        }
        let mut response = Response::empty()?;
        response
            .headers_mut()
            .set(DECISION_HEADER, &serde_json::to_string(&decision)?)?;
        Ok(response)
    }
}
