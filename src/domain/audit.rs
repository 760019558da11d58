//! The audit log's pure parts: the actions recorded, who acted, the masked
//! before/after diff of a change, and the list's filters.
//!
//! A change is described from the API's own JSON of the resource (which
//! already masks its secrets), before and after. On top of that, any field
//! whose name says it holds a secret is masked again here, so that a secret
//! cannot reach the log even through a representation that forgot one.

use super::access::{Actor, Principal};
use super::secrets::{self, MASK};
use super::time::{iso_from_millis, millis_from_iso};
use super::validation::FieldError;
use serde_json::{Map, Value};

/// What a change did: `<target type>.<verb>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    MonitorCreated,
    MonitorUpdated,
    MonitorDeleted,
    MonitorPaused,
    MonitorResumed,
    MonitorTokenRotated,
    ApiKeyCreated,
    ApiKeyRevoked,
    MemberRoleChanged,
    MemberRemoved,
    InvitationCreated,
    InvitationRevoked,
    InvitationAccepted,
    StatusPageCreated,
    StatusPageUpdated,
    StatusPageDeleted,
    ChannelCreated,
    ChannelUpdated,
    ChannelDeleted,
    ChannelSecretRotated,
    IncidentCreated,
    IncidentUpdated,
    IncidentUpdatePosted,
    MaintenanceCreated,
    MaintenanceUpdated,
    MaintenanceDeleted,
    PingKeyRotated,
}

impl Action {
    pub const ALL: [Action; 27] = [
        Action::MonitorCreated,
        Action::MonitorUpdated,
        Action::MonitorDeleted,
        Action::MonitorPaused,
        Action::MonitorResumed,
        Action::MonitorTokenRotated,
        Action::ApiKeyCreated,
        Action::ApiKeyRevoked,
        Action::MemberRoleChanged,
        Action::MemberRemoved,
        Action::InvitationCreated,
        Action::InvitationRevoked,
        Action::InvitationAccepted,
        Action::StatusPageCreated,
        Action::StatusPageUpdated,
        Action::StatusPageDeleted,
        Action::ChannelCreated,
        Action::ChannelUpdated,
        Action::ChannelDeleted,
        Action::ChannelSecretRotated,
        Action::IncidentCreated,
        Action::IncidentUpdated,
        Action::IncidentUpdatePosted,
        Action::MaintenanceCreated,
        Action::MaintenanceUpdated,
        Action::MaintenanceDeleted,
        Action::PingKeyRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::MonitorCreated => "monitor.created",
            Action::MonitorUpdated => "monitor.updated",
            Action::MonitorDeleted => "monitor.deleted",
            Action::MonitorPaused => "monitor.paused",
            Action::MonitorResumed => "monitor.resumed",
            Action::MonitorTokenRotated => "monitor.token_rotated",
            Action::ApiKeyCreated => "api_key.created",
            Action::ApiKeyRevoked => "api_key.revoked",
            Action::MemberRoleChanged => "member.role_changed",
            Action::MemberRemoved => "member.removed",
            Action::InvitationCreated => "invitation.created",
            Action::InvitationRevoked => "invitation.revoked",
            Action::InvitationAccepted => "invitation.accepted",
            Action::StatusPageCreated => "status_page.created",
            Action::StatusPageUpdated => "status_page.updated",
            Action::StatusPageDeleted => "status_page.deleted",
            Action::ChannelCreated => "channel.created",
            Action::ChannelUpdated => "channel.updated",
            Action::ChannelDeleted => "channel.deleted",
            Action::ChannelSecretRotated => "channel.secret_rotated",
            Action::IncidentCreated => "incident.created",
            Action::IncidentUpdated => "incident.updated",
            Action::IncidentUpdatePosted => "incident.update_posted",
            Action::MaintenanceCreated => "maintenance.created",
            Action::MaintenanceUpdated => "maintenance.updated",
            Action::MaintenanceDeleted => "maintenance.deleted",
            Action::PingKeyRotated => "organization.ping_key_rotated",
        }
    }

    /// The kind of resource acted on: the action's part before the dot.
    pub fn target_type(self) -> &'static str {
        let name = self.as_str();
        name.split_once('.').map_or(name, |(target, _)| target)
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acted: a user (their JWT), an API key, or the organization's ping
/// key (a slug ping with `?create=1` makes its heartbeat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorType {
    User,
    ApiKey,
    PingKey,
}

impl ActorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorType::User => "user",
            ActorType::ApiKey => "api_key",
            ActorType::PingKey => "ping_key",
        }
    }
}

/// The actor recorded for a principal: the user's id, or the key's.
pub fn actor_of(principal: &Principal) -> (ActorType, &str) {
    match &principal.actor {
        Actor::User { user_id, .. } => (ActorType::User, user_id),
        Actor::Key { key_id, .. } => (ActorType::ApiKey, key_id),
    }
}

/// The longest `User-Agent` kept, in characters.
pub const MAX_USER_AGENT_CHARS: usize = 256;

/// A `User-Agent` as recorded: at most 256 characters, none of them control
/// characters; an empty one is none.
pub fn user_agent(raw: Option<&str>) -> Option<String> {
    let kept: String = raw?
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect();
    (!kept.is_empty()).then_some(kept)
}

/// Fields left out of an update's diff: they change with every write and
/// say nothing the entry's own time does not.
const NOISE: [&str; 1] = ["updated_at"];

/// The largest `changes` kept whole (serialized); a larger one keeps which
/// fields changed but not their values.
pub const MAX_CHANGES_BYTES: usize = 32 * 1024;

/// The change from `before` to `after` (each the resource as the API shows
/// it; `None` before a creation and after a deletion), secrets masked: for
/// each top-level field that differs, `{"before": …, "after": …}`. A
/// creation has only `after` values, a deletion only `before` ones; null
/// fields of either are left out.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Value {
    let fields = |value: Option<&Value>| match value.map(masked) {
        Some(Value::Object(fields)) => Some(fields),
        Some(_) => Some(Map::new()),
        None => None,
    };
    let (old, new) = (fields(before), fields(after));
    let none = Map::new();
    let (old_fields, new_fields) = (old.as_ref().unwrap_or(&none), new.as_ref().unwrap_or(&none));
    let is_update = old.is_some() && new.is_some();
    let names = old_fields
        .keys()
        .chain(new_fields.keys().filter(|name| !old_fields.contains_key(*name)));
    let mut diff = Map::new();
    for name in names {
        let side =
            |fields: &Option<Map<String, Value>>| fields.as_ref().map(|f| f.get(name).cloned().unwrap_or(Value::Null));
        let (was, is) = (side(&old), side(&new));
        let same = was.as_ref().unwrap_or(&Value::Null) == is.as_ref().unwrap_or(&Value::Null);
        if same || (is_update && NOISE.contains(&name.as_str())) {
            continue;
        }
        let mut change = Map::new();
        if let Some(was) = was {
            change.insert("before".into(), was);
        }
        if let Some(is) = is {
            change.insert("after".into(), is);
        }
        diff.insert(name.clone(), Value::Object(change));
    }
    if Value::Object(diff.clone()).to_string().len() > MAX_CHANGES_BYTES {
        let omitted = Value::from("too large to record");
        for change in diff.values_mut() {
            let mut note = Map::new();
            note.insert("omitted".into(), omitted.clone());
            *change = Value::Object(note);
        }
    }
    Value::Object(diff)
}

/// URLs with a secret in their path rather than in a parameter.
const SECRET_URLS: [&str; 2] = ["ping_url", "accept_url"];

/// Identifiers that are credentials too: a Healthchecks UUID alone pings
/// its heartbeat (`/ping/{uuid}`).
const SECRET_IDS: [&str; 1] = ["hc_uuid"];

/// Whether a field's name says its value is a secret: it ends like a
/// secret query parameter does (`token`, `key`, `secret`, `password`, …;
/// `domain::secrets::is_secret_param`), names an authorization, or is a
/// URL or identifier that works as a credential.
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    secrets::is_secret_param(name)
        || ["authorization", "password", "secret", "token"]
            .iter()
            .any(|word| lower.contains(word))
        || SECRET_URLS.contains(&lower.as_str())
        || SECRET_IDS.contains(&lower.as_str())
}

/// A copy of `value` with every secret masked, at any depth: the values of
/// secret-named fields, every value of a `headers` object, and the
/// credentials and secret parameters of any `url`.
pub fn masked(value: &Value) -> Value {
    let mut value = value.clone();
    mask_within(&mut value);
    value
}

fn mask_within(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                mask_field(name, field);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_within),
        _ => {}
    }
}

fn mask_field(name: &str, value: &mut Value) {
    if value.is_null() {
        return;
    }
    let lower = name.to_ascii_lowercase();
    if is_secret_field(name) {
        *value = mask_whole(value);
    } else if lower == "headers" {
        match value {
            Value::Object(headers) => headers.values_mut().for_each(|v| *v = mask_whole(v)),
            other => *other = mask_whole(other),
        }
    } else if lower == "url" || lower.ends_with("_url") {
        match value {
            Value::String(url) => *url = secrets::mask_url(url),
            other => mask_within(other),
        }
    } else {
        mask_within(value);
    }
}

/// A value as the mask: an empty string stays empty (nothing is set, as the
/// API shows it), anything else is `MASK`.
fn mask_whole(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::String(text) => Value::String(secrets::mask(text)),
        _ => Value::String(MASK.to_string()),
    }
}

/// Which actions a list shows: one, or every action on a kind of target
/// (`monitor.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionFilter {
    Exact(Action),
    /// Ends with the dot: `monitor.`.
    Prefix(&'static str),
}

/// The list's filters, checked. Times are in the stored form (ISO 8601 UTC
/// with milliseconds), so they compare as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub action: Option<ActionFilter>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    /// Entries at or after it.
    pub since: Option<String>,
    /// Entries before it.
    pub until: Option<String>,
}

impl Filter {
    /// Reads the filters from the query's parameters (`param(name)`); an
    /// empty parameter is no filter. An error names the parameter.
    pub fn parse<'a>(param: impl Fn(&str) -> Option<&'a str>) -> Result<Filter, FieldError> {
        let given = |name: &str| param(name).map(str::trim).filter(|v| !v.is_empty());
        let action = given("action").map(parse_action).transpose()?;
        let id = |name: &str| {
            given(name)
                .map(|id| {
                    let plain = id.len() <= 64 && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
                    plain
                        .then(|| id.to_string())
                        .ok_or_else(|| FieldError::new(name, format!("{name} must be an id such as usr_… or mon_…")))
                })
                .transpose()
        };
        let time = |name: &str| {
            given(name)
                .map(|text| {
                    millis_from_iso(text).map(iso_from_millis).ok_or_else(|| {
                        FieldError::new(
                            name,
                            format!("{name} must be an ISO 8601 timestamp such as 2026-05-14T16:24:09Z"),
                        )
                    })
                })
                .transpose()
        };
        let filter = Filter {
            action,
            actor_id: id("actor_id")?,
            target_id: id("target_id")?,
            since: time("since")?,
            until: time("until")?,
        };
        if let (Some(since), Some(until)) = (&filter.since, &filter.until) {
            if until <= since {
                return Err(FieldError::new("until", "until must be later than since"));
            }
        }
        Ok(filter)
    }
}

fn parse_action(text: &str) -> Result<ActionFilter, FieldError> {
    if let Some(action) = Action::parse(text) {
        return Ok(ActionFilter::Exact(action));
    }
    let prefix = Action::ALL
        .into_iter()
        .map(|a| &a.as_str()[..a.target_type().len() + 1])
        .find(|prefix| *prefix == text);
    prefix.map(ActionFilter::Prefix).ok_or_else(|| {
        FieldError::new(
            "action",
            "action must be an action such as monitor.updated, or a target type and a dot such as monitor.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{KeyScopes, Role};
    use serde_json::json;
    use std::collections::HashMap;

    #[test]
    fn actions_are_named_target_dot_verb_and_parse_back() {
        for action in Action::ALL {
            let name = action.as_str();
            assert_eq!(Action::parse(name), Some(action), "{name}");
            assert_eq!(
                name,
                format!("{}.{}", action.target_type(), &name[action.target_type().len() + 1..])
            );
        }
        assert_eq!(Action::StatusPageCreated.target_type(), "status_page");
        assert_eq!(Action::ApiKeyRevoked.target_type(), "api_key");
        assert_eq!(Action::IncidentUpdatePosted.as_str(), "incident.update_posted");
        assert_eq!(Action::parse("monitor.exploded"), None);
        let distinct: std::collections::BTreeSet<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(distinct.len(), Action::ALL.len());
    }

    #[test]
    fn the_actor_is_the_user_or_the_key() {
        let mut principal = Principal {
            org_id: "org_1".into(),
            plan: "free".into(),
            actor: Actor::User {
                user_id: "usr_1".into(),
                role: Role::Admin,
            },
        };
        assert_eq!(actor_of(&principal), (ActorType::User, "usr_1"));
        principal.actor = Actor::Key {
            key_id: "key_1".into(),
            scopes: KeyScopes::ReadWrite,
        };
        assert_eq!(actor_of(&principal), (ActorType::ApiKey, "key_1"));
        assert_eq!(ActorType::ApiKey.as_str(), "api_key");
    }

    #[test]
    fn a_creation_has_only_after_values_and_a_deletion_only_before_ones() {
        let monitor = json!({ "id": "mon_1", "name": "API", "tags": ["a"], "keyword": null });
        assert_eq!(
            changes(None, Some(&monitor)),
            json!({ "id": { "after": "mon_1" }, "name": { "after": "API" }, "tags": { "after": ["a"] } })
        );
        assert_eq!(
            changes(Some(&monitor), None),
            json!({ "id": { "before": "mon_1" }, "name": { "before": "API" }, "tags": { "before": ["a"] } })
        );
        assert_eq!(changes(None, None), json!({}));
    }

    #[test]
    fn an_update_lists_each_changed_field_with_both_values() {
        let cases = [
            // (before, after, changes)
            (
                json!({ "name": "A", "interval_seconds": 60, "updated_at": "1" }),
                json!({ "name": "B", "interval_seconds": 60, "updated_at": "2" }),
                json!({ "name": { "before": "A", "after": "B" } }),
            ),
            (
                json!({ "keyword": null, "tags": ["a"] }),
                json!({ "keyword": "ok", "tags": ["a", "b"] }),
                json!({ "keyword": { "before": null, "after": "ok" }, "tags": { "before": ["a"], "after": ["a", "b"] } }),
            ),
            // A field that appears or goes is a change from or to null.
            (
                json!({ "gone": 1 }),
                json!({ "new": 2 }),
                json!({ "gone": { "before": 1, "after": null }, "new": { "before": null, "after": 2 } }),
            ),
            (json!({ "name": "A" }), json!({ "name": "A" }), json!({})),
        ];
        for (before, after, expected) in cases {
            assert_eq!(changes(Some(&before), Some(&after)), expected, "{before} → {after}");
        }
    }

    #[test]
    fn secret_named_fields_are_masked_at_any_depth() {
        let cases = [
            // (field, value, recorded)
            ("token", json!("pw_hb_abc"), json!(MASK)),
            ("key", json!("pw_live_abc"), json!(MASK)),
            ("signing_secret", json!("whsec_abc"), json!(MASK)),
            ("routing_key", json!("R0UT1NG"), json!(MASK)),
            ("bot_token", json!("123:abc"), json!(MASK)),
            ("password", json!("hunter2"), json!(MASK)),
            ("Authorization", json!("Bearer x"), json!(MASK)),
            ("api_key", json!(12345), json!(MASK)),
            ("ping_url", json!("https://pw.example/p/pw_hb_abc"), json!(MASK)),
            (
                "accept_url",
                json!("https://pw.example/api/v1/invitations/T0K3N/accept"),
                json!(MASK),
            ),
            // A Healthchecks UUID pings its heartbeat on its own.
            ("hc_uuid", json!("31365bce-8da9-4729-8ff3-aaa71d56b712"), json!(MASK)),
            // Empty is shown as empty (nothing set), null as null.
            ("token", json!(""), json!("")),
            ("token", Value::Null, Value::Null),
            // Every header's value, whatever its name.
            (
                "headers",
                json!({ "X-Custom": "s3cret", "Accept": "text/plain" }),
                json!({ "X-Custom": MASK, "Accept": MASK }),
            ),
            // A URL's credentials and secret parameters.
            (
                "url",
                json!("https://ada:pw@example.com/x?api_key=abc&page=2"),
                json!("https://********:********@example.com/x?api_key=********&page=2"),
            ),
            (
                "webhook_url",
                json!("https://example.com/?token=abc"),
                json!("https://example.com/?token=********"),
            ),
            // Not secrets.
            ("name", json!("token rotation job"), json!("token rotation job")),
            ("keyword", json!("ok"), json!("ok")),
            ("prefix", json!("pw_live_ab"), json!("pw_live_ab")),
            ("monitor_ids", json!(["mon_1"]), json!(["mon_1"])),
            (
                "sections",
                json!([{ "name": "API", "monitors": [{ "id": "mon_1" }] }]),
                json!([{ "name": "API", "monitors": [{ "id": "mon_1" }] }]),
            ),
            // Nested objects are masked too.
            (
                "settings",
                json!({ "nested": { "access_token": "abc" } }),
                json!({ "nested": { "access_token": MASK } }),
            ),
            (
                "items",
                json!([{ "client_secret": "abc" }]),
                json!([{ "client_secret": MASK }]),
            ),
        ];
        for (field, value, recorded) in cases {
            let mut object = Map::new();
            object.insert(field.to_string(), value.clone());
            let shown = masked(&Value::Object(object));
            assert_eq!(shown[field], recorded, "{field}: {value}");
        }
    }

    #[test]
    fn no_secret_reaches_the_changes_of_any_kind_of_change() {
        let before = json!({
            "name": "API", "url": "https://example.com/?token=old-secret",
            "headers": { "X-Api-Key": "old-secret" }, "token": "old-secret",
        });
        let after = json!({
            "name": "API v2", "url": "https://example.com/?token=new-secret",
            "headers": { "X-Api-Key": "new-secret", "X-Other": "new-secret" }, "signing_secret": "new-secret",
        });
        for recorded in [
            changes(None, Some(&after)),
            changes(Some(&before), Some(&after)),
            changes(Some(&before), None),
        ] {
            let text = recorded.to_string();
            assert!(!text.contains("old-secret") && !text.contains("new-secret"), "{text}");
            assert!(text.contains(MASK), "{text}");
        }
        // A header that appears shows as a change, masked.
        let update = changes(Some(&before), Some(&after));
        assert_eq!(
            update["headers"],
            json!({ "before": { "X-Api-Key": MASK }, "after": { "X-Api-Key": MASK, "X-Other": MASK } })
        );
        assert_eq!(update["name"], json!({ "before": "API", "after": "API v2" }));
    }

    #[test]
    fn changes_too_large_keep_only_which_fields_changed() {
        let big = "x".repeat(MAX_CHANGES_BYTES);
        let recorded = changes(
            Some(&json!({ "body_text": "a", "name": "A" })),
            Some(&json!({ "body_text": big, "name": "B" })),
        );
        assert_eq!(
            recorded,
            json!({ "body_text": { "omitted": "too large to record" }, "name": { "omitted": "too large to record" } })
        );
    }

    #[test]
    fn user_agents_are_kept_short_and_printable() {
        assert_eq!(user_agent(None), None);
        assert_eq!(user_agent(Some("  ")), None);
        assert_eq!(user_agent(Some("curl/8.5.0")), Some("curl/8.5.0".into()));
        assert_eq!(user_agent(Some("a\r\nb")), Some("ab".into()));
        let long = "é".repeat(1000);
        assert_eq!(user_agent(Some(&long)).unwrap().chars().count(), MAX_USER_AGENT_CHARS);
    }

    fn parse(pairs: &[(&str, &str)]) -> Result<Filter, FieldError> {
        let params: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Filter::parse(|name| params.get(name).map(String::as_str))
    }

    #[test]
    fn filters_accept_an_action_or_a_prefix_ids_and_times() {
        assert_eq!(parse(&[]), Ok(Filter::default()));
        assert_eq!(parse(&[("action", "")]), Ok(Filter::default()));
        let filter = parse(&[
            ("action", "monitor.updated"),
            ("actor_id", "usr_1"),
            ("target_id", "mon_AbC123"),
            ("since", "2026-05-14T16:24:09Z"),
            ("until", "2026-05-14T18:24:09.5+02:00"),
        ])
        .unwrap();
        assert_eq!(filter.action, Some(ActionFilter::Exact(Action::MonitorUpdated)));
        assert_eq!(filter.actor_id.as_deref(), Some("usr_1"));
        assert_eq!(filter.target_id.as_deref(), Some("mon_AbC123"));
        assert_eq!(filter.since.as_deref(), Some("2026-05-14T16:24:09.000Z"));
        assert_eq!(filter.until.as_deref(), Some("2026-05-14T16:24:09.500Z"));
        for prefix in ["monitor.", "api_key.", "status_page.", "maintenance."] {
            assert_eq!(
                parse(&[("action", prefix)]).unwrap().action,
                Some(ActionFilter::Prefix(prefix))
            );
        }
    }

    #[test]
    fn a_bad_filter_is_refused_naming_it() {
        let cases = [
            ("action", "monitor.exploded"),
            ("action", "monitor"),
            ("action", "mon"),
            ("action", "%"),
            ("actor_id", "usr_1' OR 1=1"),
            ("target_id", &"x".repeat(65)),
            ("since", "yesterday"),
            ("until", "2026-13-01T00:00:00Z"),
        ];
        for (name, value) in cases {
            assert_eq!(parse(&[(name, value)]).unwrap_err().field, name, "{name}={value}");
        }
        let backwards = parse(&[("since", "2026-05-14T00:00:00Z"), ("until", "2026-05-13T00:00:00Z")]);
        assert_eq!(backwards.unwrap_err().field, "until");
    }
}
