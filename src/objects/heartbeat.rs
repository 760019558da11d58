//! The heartbeat side of `MonitorObject`: pings arrive, checked against the
//! token's hash the object holds, each one moves the deadline (the next
//! expected ping + grace), and an alarm that fires with no ping records a
//! `missed` entry and takes the monitor down. A ping in the steady state is
//! one storage write (the ping): the configuration is rewritten only when
//! the status changes, and the alarm is moved only to an earlier time; a
//! ping pushes the deadline later, so the armed alarm wakes early and
//! re-arms itself for the real deadline.

use super::at;
use super::monitor::MonitorObject;
use super::stub::{ObjectConfig, PingAlias, PingMessage, PingsQuery};
use crate::domain::heartbeat::{exit_code_hint, missed_hint, unfinished_hint, PingKind};
use crate::domain::ids::new_id;
use crate::domain::maintenance::postpone;
use crate::domain::monitor::{MonitorStatus, Settings};
use crate::domain::rate_limit::MINUTE_MS;
use crate::store::history::{History, PingRow};
use serde_json::json;
use worker::{Response, Result};

/// Pings are pruned to the retention every this many pings.
const PRUNE_EVERY: i64 = 100;

impl MonitorObject {
    /// When the monitor must next hear from its job, if it is waiting: the
    /// start's grace for an unfinished run, else the next expected ping
    /// (after the last ping or the last missed one) plus grace; a deadline
    /// inside a maintenance window moves past it (`maintenance::postpone`).
    pub(super) fn heartbeat_deadline(&self, config: &ObjectConfig, history: &History) -> Result<Option<i64>> {
        let Settings::Heartbeat(beat) = &config.spec.settings else {
            return Ok(None);
        };
        let grace_ms = i64::from(beat.grace_seconds) * 1000;
        let period = beat.period(config.spec.interval_seconds);
        Ok(self.raw_heartbeat_deadline(config, history)?.and_then(|deadline| {
            postpone(deadline, config.windows(), |end| {
                period.next_expected(end).map(|expected| expected + grace_ms)
            })
        }))
    }

    fn raw_heartbeat_deadline(&self, config: &ObjectConfig, history: &History) -> Result<Option<i64>> {
        let Settings::Heartbeat(beat) = &config.spec.settings else {
            return Ok(None);
        };
        let Some(last) = history.latest_ping(false)? else {
            return Ok(None);
        };
        // Created or resumed: nothing is expected before the next ping.
        if config.status == MonitorStatus::Pending && last.at < config.start_ms {
            return Ok(None);
        }
        let grace_ms = i64::from(beat.grace_seconds) * 1000;
        let missed = history.latest_ping(true)?.and_then(|missed| missed.expected_at);
        if awaits_end(&last, missed) {
            return Ok(Some(last.at + grace_ms));
        }
        let base = missed.map_or(last.at, |missed| missed.max(last.at));
        Ok(beat
            .period(config.spec.interval_seconds)
            .next_expected(base)
            .map(|expected| expected + grace_ms))
    }

    /// `POST /ping`: checks the token, records the ping, moves the deadline
    /// if it must, and changes the status. 403 for another token, 409 when
    /// the object does not know its monitor's token yet (the Worker then
    /// reads D1 and sends the monitor along).
    pub(super) async fn ping(&self, message: PingMessage) -> Result<Response> {
        let now = Self::now();
        let stored = self.stored_config().await?;
        let before = stored
            .as_ref()
            .map(|s| (s.version.clone(), s.ping_token_hash.clone(), s.ping_key_hash.clone()));
        // The object is the authority on its token once it holds one. Not
        // on the organization's ping key: D1 is. A configuration comes with
        // a key's hash only when D1 found this monitor by that key, so it
        // replaces the one held (a rotation that could not reach this
        // object, or a slug added back since).
        let mut config = match (stored, message.config.clone()) {
            (Some(stored), None) => stored,
            (Some(stored), Some(incoming)) if stored.version == incoming.version => ObjectConfig {
                ping_token_hash: stored.ping_token_hash.clone().or(incoming.ping_token_hash),
                ping_key_hash: incoming.ping_key_hash.or(stored.ping_key_hash.clone()),
                ..stored
            },
            (stored, Some(incoming)) => {
                let (token, key, windows) = stored
                    .map(|s| (s.ping_token_hash, s.ping_key_hash, s.maintenance))
                    .unwrap_or_default();
                ObjectConfig {
                    ping_token_hash: token.or(incoming.ping_token_hash),
                    ping_key_hash: incoming.ping_key_hash.clone().or(key),
                    maintenance: windows.or(incoming.maintenance),
                    start_ms: now,
                    ..incoming
                }
            }
            (None, None) => return Response::error("this monitor's object is not configured yet", 409),
        };
        let adopted = before
            != Some((
                config.version.clone(),
                config.ping_token_hash.clone(),
                config.ping_key_hash.clone(),
            ));
        if let Err((status, why)) = credential_check(&config, &message) {
            return Response::error(why, status);
        }
        if let Some(retry_after_seconds) = self.over_ping_limit(now)? {
            return Response::error(retry_after_seconds.to_string(), 429);
        }
        // When D1 was read, its row is the authority on pausing; a ping resumes it.
        if message
            .config
            .as_ref()
            .is_some_and(|c| c.status == MonitorStatus::Paused)
        {
            config.status = MonitorStatus::Paused;
        }
        let history = self.history()?;
        let kind = PingKind::parse(&message.kind).unwrap_or(PingKind::Success);
        let duration_ms = match kind {
            PingKind::Success | PingKind::Fail => {
                history.open_start(message.rid.as_deref())?.map(|started| now - started)
            }
            _ => None,
        };
        self.record_ping(
            &history,
            &PingRow {
                id: new_id("png"),
                kind: kind.as_str().into(),
                exit_code: message.exit_code.map(i64::from),
                duration_ms,
                method: Some(message.method.clone()),
                source_ip: message.source_ip.clone(),
                user_agent: message.user_agent.clone(),
                body: message.body.clone(),
                body_truncated: i64::from(message.body_truncated),
                body_binary: i64::from(message.body_binary),
                rid: message.rid.clone(),
                at: now,
                ..PingRow::default()
            },
        )?;
        let (status, reason) = match kind {
            PingKind::Fail => (
                Self::held_in_maintenance(&config, MonitorStatus::Down, now),
                exit_code_hint(message.exit_code),
            ),
            PingKind::Start if config.status == MonitorStatus::Paused => {
                (MonitorStatus::Pending, "a run started".to_string())
            }
            PingKind::Start | PingKind::Log => (config.status, String::new()),
            _ => (MonitorStatus::Up, "ping received".to_string()),
        };
        let before = config.status;
        if status != before {
            if !self.flip(&mut config, &history, status, &reason, now).await? {
                return Response::error("this monitor was deleted", 410);
            }
        } else if adopted {
            self.save_config(&config).await?;
        }
        self.arm_no_later_than(self.heartbeat_deadline(&config, &history)?)
            .await?;
        self.report_ping(&config, kind.as_str(), duration_ms, (before, &reason), now)
            .await;
        Response::from_json(&json!({ "status": status.as_str(), "duration_ms": duration_ms }))
    }

    /// Counts this ping against the heartbeat's pings a minute, in memory:
    /// a runaway job cannot flood the history, and a ping costs no write for
    /// it (an evicted object starts counting again). The seconds to wait
    /// when over the limit.
    fn over_ping_limit(&self, now: i64) -> Result<Option<i64>> {
        let limit = self.config_settings()?.pings_per_minute;
        let window = now.div_euclid(MINUTE_MS) * MINUTE_MS;
        let (start, count) = self.pings_this_minute.get();
        let count = if start == window { count } else { 0 };
        if count >= limit {
            return Ok(Some((window + MINUTE_MS - now + 999).div_euclid(1000).max(1)));
        }
        self.pings_this_minute.set((window, count + 1));
        Ok(None)
    }

    /// Makes sure the alarm rings by `deadline`, moving it only when it
    /// would ring later (or not at all): an alarm that rings early finds the
    /// deadline not passed and re-arms itself (`check_deadline`).
    async fn arm_no_later_than(&self, deadline: Option<i64>) -> Result<()> {
        let storage = self.storage();
        match (deadline, storage.get_alarm().await?) {
            (Some(deadline), Some(armed)) if armed <= deadline => Ok(()),
            (Some(deadline), _) => storage.set_alarm(at(deadline)).await,
            (None, Some(_)) => storage.delete_alarm().await,
            (None, None) => Ok(()),
        }
    }

    /// `PUT /ping-token` with the new token's hash: the old token fails from
    /// the next ping on. An object not configured yet learns it from D1 with
    /// the rest of its monitor, at its first ping.
    pub(super) async fn set_ping_token(&self, token_hash: String) -> Result<Response> {
        if let Some(mut config) = self.stored_config().await? {
            config.ping_token_hash = Some(token_hash);
            self.save_config(&config).await?;
        }
        Response::empty()
    }

    /// `PUT /ping-key` with the organization's new ping key's hash: slug
    /// pings with the old key fail from the next one on.
    pub(super) async fn set_ping_key(&self, key_hash: String) -> Result<Response> {
        if let Some(mut config) = self.stored_config().await? {
            config.ping_key_hash = Some(key_hash);
            self.save_config(&config).await?;
        }
        Response::empty()
    }

    /// Inserts a ping or missed entry, and every `PRUNE_EVERY` rows keeps only
    /// the latest `PW_PING_RETENTION` (a silent job's missed entries too).
    fn record_ping(&self, history: &History, row: &PingRow) -> Result<()> {
        if history.insert_ping(row)? % PRUNE_EVERY == 0 {
            history.prune_pings(self.config_settings()?.ping_retention)?;
        }
        Ok(())
    }

    /// The alarm: a deadline passed with no ping (or no end to a run).
    pub(super) async fn check_deadline(&self, mut config: ObjectConfig) -> Result<()> {
        let history = self.history()?;
        let now = Self::now();
        let (Some(deadline), Some(last)) = (self.heartbeat_deadline(&config, &history)?, history.latest_ping(false)?)
        else {
            return Ok(());
        };
        if now < deadline {
            // Early: pings moved the deadline later and left this alarm be.
            return self.storage().set_alarm(at(deadline)).await;
        }
        let Settings::Heartbeat(beat) = &config.spec.settings else {
            return Ok(());
        };
        let grace_ms = i64::from(beat.grace_seconds) * 1000;
        let (expected_at, reason) =
            if awaits_end(&last, history.latest_ping(true)?.and_then(|missed| missed.expected_at)) {
                (last.at, unfinished_hint(last.at))
            } else {
                let expected_at =
                    beat.period(config.spec.interval_seconds)
                        .latest_missed(deadline - grace_ms, grace_ms, now);
                (expected_at, missed_hint(Some(last.at), expected_at + grace_ms))
            };
        // The status first: whoever sees the missed entry then also sees the monitor down.
        let before = config.status;
        if config.status != MonitorStatus::Down
            && !self
                .flip(&mut config, &history, MonitorStatus::Down, &reason, now)
                .await?
        {
            return Ok(());
        }
        self.record_ping(
            &history,
            &PingRow {
                id: new_id("png"),
                kind: PingKind::Missed.as_str().into(),
                expected_at: Some(expected_at),
                at: now,
                ..PingRow::default()
            },
        )?;
        // Each further missed period gets its own entry.
        if let Some(next) = self.heartbeat_deadline(&config, &history)? {
            self.storage().set_alarm(at(next)).await?;
        }
        self.report_ping(&config, PingKind::Missed.as_str(), None, (before, &reason), now)
            .await;
        Ok(())
    }

    /// `POST /pings` with a `PingsQuery`: newest first.
    pub(super) fn pings(&self, query: PingsQuery) -> Result<Response> {
        Response::from_json(
            &self
                .history()?
                .pings(query.kind.as_deref(), query.before_seq, query.limit)?,
        )
    }
}

/// Whether the ping names this monitor: by its token, or by its
/// Healthchecks UUID or slug (with its organization's ping key). Else the
/// status to answer: 409 when the object does not know the credential yet
/// (the Worker then reads D1 and sends the monitor along), 403 for another.
fn credential_check(config: &ObjectConfig, message: &PingMessage) -> std::result::Result<(), (u16, &'static str)> {
    let beat = match &config.spec.settings {
        Settings::Heartbeat(beat) => Some(beat),
        _ => None,
    };
    let wrong = Err((403, "not this monitor's credential"));
    // Hashes are compared, not secrets: timing reveals nothing of them.
    let held = match &message.alias {
        None => config.ping_token_hash.as_deref().map(|held| held == message.token_hash),
        Some(PingAlias::HcUuid(uuid)) => Some(beat.and_then(|b| b.hc_uuid.as_ref()) == Some(uuid)),
        Some(PingAlias::Slug { key_hash, slug }) => {
            if beat.and_then(|b| b.slug.as_ref()) != Some(slug) {
                return wrong;
            }
            config.ping_key_hash.as_deref().map(|held| held == key_hash)
        }
    };
    match held {
        None => Err((409, "this monitor's object does not know its credential yet")),
        Some(true) => Ok(()),
        Some(false) => wrong,
    }
}

/// The last ping is a start whose end is still awaited: no missed entry has
/// reported it yet (once one has, the job is expected on its period again).
fn awaits_end(last: &PingRow, missed_expected: Option<i64>) -> bool {
    last.kind == PingKind::Start.as_str() && missed_expected.is_none_or(|missed| missed < last.at)
}
