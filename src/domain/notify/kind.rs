//! What the provider kinds' settings share: reading them from JSON (with
//! unknown fields refused), showing them with their secrets masked, PATCHing
//! them (a masked secret keeps the stored one), and the request they build.

use super::rules::{checked_url, NotifyRules};
use super::OutboundRequest;
use crate::domain::secrets::{self, MASK};
use crate::domain::validation::{FieldError, Fields};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{Map, Value};

/// The channel fields that are not the kind's own.
pub(super) const COMMON: [&str; 6] = [
    "name",
    "kind",
    "events",
    "monitor_ids",
    "enabled",
    "remind_every_minutes",
];

/// A provider kind's settings: each kind says which fields are secret and
/// how its fields are read; showing and patching are the same for all.
pub trait KindSettings: Serialize + Sized {
    /// Fields shown as the mask, and kept when a PATCH sends the mask back.
    const SECRETS: &'static [&'static str];

    /// Reads the kind's own fields; fields it does not read are refused.
    fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError>;

    /// Reads the kind's fields from a channel's whole JSON body.
    fn from_input(input: &Map<String, Value>, rules: &NotifyRules) -> Result<Self, FieldError> {
        let mut fields = Fields::new(input);
        // The channel's own fields are `ChannelSpec`'s to read from the same
        // body: marked as read here, so they are neither the kind's nor unknown.
        for name in COMMON {
            fields.get(name);
        }
        let settings = Self::read(&mut fields, rules)?;
        fields.finish(&[], "this channel kind")?;
        Ok(settings)
    }

    fn shown(&self) -> Map<String, Value> {
        let mut shown = stored_input(self);
        for name in Self::SECRETS {
            if let Some(Value::String(value)) = shown.get_mut(*name) {
                *value = secrets::mask(value);
            }
        }
        shown
    }

    /// The settings with `patch` applied: a field left out keeps its value,
    /// `null` resets an optional one, and a secret sent as the mask keeps the
    /// stored one (a mask with nothing stored is refused by [`secret`]).
    fn patched(&self, patch: &Map<String, Value>, rules: &NotifyRules) -> Result<Self, FieldError> {
        let mut input = stored_input(self);
        for (name, value) in patch {
            let keeps_stored = Self::SECRETS.contains(&name.as_str())
                && value.as_str() == Some(MASK)
                && input.get(name).and_then(Value::as_str).is_some_and(|v| !v.is_empty());
            if !keeps_stored {
                input.insert(name.clone(), value.clone());
            }
        }
        Self::from_input(&input, rules)
    }
}

/// The settings as their JSON input, absent options left out.
fn stored_input(settings: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(settings) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    }
}

/// A required text field, trimmed, not empty, one line of at most `max` chars.
pub fn required(fields: &mut Fields<'_>, name: &'static str, max: usize) -> Result<String, FieldError> {
    optional(fields, name, max)?.ok_or_else(|| FieldError::new(name, format!("{name} is required")))
}

/// An optional text field: absent, `null` and blank are all none.
pub fn optional(fields: &mut Fields<'_>, name: &'static str, max: usize) -> Result<Option<String>, FieldError> {
    let Some(value) = fields.string(name)?.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(FieldError::new(
            name,
            format!("{name} must be one line of at most {max} characters"),
        ));
    }
    Ok(Some(value.to_string()))
}

/// A required secret. The mask stands for nothing here: PATCH has already
/// put the stored value in its place if there was one.
pub fn secret(fields: &mut Fields<'_>, name: &'static str, max: usize) -> Result<String, FieldError> {
    let value = required(fields, name, max)?;
    secrets::keep(&value, None, name, name)
}

/// An optional secret (e.g. an ntfy token for a protected topic).
pub fn optional_secret(fields: &mut Fields<'_>, name: &'static str, max: usize) -> Result<Option<String>, FieldError> {
    optional(fields, name, max)?
        .map(|value| secrets::keep(&value, None, name, name))
        .transpose()
}

/// A webhook URL a provider gave the user; it carries the credential, so
/// kinds list it among their secrets.
pub fn webhook_url(fields: &mut Fields<'_>, name: &'static str, rules: &NotifyRules) -> Result<String, FieldError> {
    let raw = secret(fields, name, 2048)?;
    Ok(checked_url(name, &raw, rules)?.to_string())
}

/// A server's base URL (ntfy, Gotify, a Matrix homeserver), without a
/// trailing `/` so paths can be appended. Credentials go in their own
/// secret field, never in the URL, where they would be shown.
pub fn server_url(
    fields: &mut Fields<'_>,
    name: &'static str,
    default: Option<&str>,
    rules: &NotifyRules,
) -> Result<String, FieldError> {
    let raw = match (optional(fields, name, 2048)?, default) {
        (Some(raw), _) => raw,
        (None, Some(default)) => default.to_string(),
        (None, None) => return Err(FieldError::new(name, format!("{name} is required"))),
    };
    let url = checked_url(name, &raw, rules)?;
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(FieldError::new(
            name,
            format!("{name} must be a plain server URL, without credentials, query or fragment"),
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// `base` (a deployment's `PW_*_API_URL` override, else the provider's
/// documented host) joined with `path`.
pub fn endpoint(base: Option<&str>, default: &str, path: &str) -> String {
    format!("{}{path}", base.unwrap_or(default).trim_end_matches('/'))
}

/// Everything but RFC 3986's unreserved chars, which a path segment keeps.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `text` as one URL path segment: `!room:example.org` is `%21room%3Aexample.org`.
pub fn path_segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// A JSON request; every provider kind sends one.
pub fn json_request(method: &'static str, url: String, headers: &[(&str, &str)], body: &Value) -> OutboundRequest {
    let mut all = vec![("Content-Type".to_string(), "application/json".to_string())];
    all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    OutboundRequest {
        method,
        url,
        headers: all,
        body: body.to_string(),
    }
}

/// Settings, rules and assertions the kinds' tests share.
#[cfg(test)]
pub mod testing {
    use super::*;

    pub const STRICT: NotifyRules = NotifyRules {
        allow_private_targets: false,
    };
    pub const LOCAL: NotifyRules = NotifyRules {
        allow_private_targets: true,
    };

    pub fn input(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    /// The field `input` is refused for.
    pub fn refused<T: KindSettings + std::fmt::Debug>(value: Value) -> String {
        T::from_input(&input(value), &STRICT).unwrap_err().field
    }

    /// Every secret is shown masked, and PATCHing the shown settings back
    /// changes nothing; a new value for one replaces it.
    pub fn secrets_round_trip<T: KindSettings + std::fmt::Debug + PartialEq>(value: Value) {
        let settings = T::from_input(&input(value), &LOCAL).unwrap();
        let shown = settings.shown();
        for name in T::SECRETS {
            assert_eq!(shown[*name], MASK, "{name} is masked");
        }
        assert_eq!(settings.patched(&shown, &LOCAL).unwrap(), settings);
        let created = T::from_input(&shown, &LOCAL).unwrap_err();
        assert!(T::SECRETS.contains(&created.field.as_str()), "{created:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{input, LOCAL, STRICT};
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    /// A kind with one secret, one optional field and a server.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        server: String,
        token: String,
        note: Option<String>,
    }

    impl KindSettings for Sample {
        const SECRETS: &'static [&'static str] = &["token"];
        fn read(fields: &mut Fields<'_>, rules: &NotifyRules) -> Result<Self, FieldError> {
            Ok(Sample {
                server: server_url(fields, "server", Some("https://ntfy.sh"), rules)?,
                token: secret(fields, "token", 100)?,
                note: optional(fields, "note", 10)?,
            })
        }
    }

    #[test]
    fn fields_are_validated_and_unknown_ones_refused() {
        let body = json!({ "name": "Ops", "kind": "sample", "events": ["test"], "token": " t ", "note": "" });
        let sample = Sample::from_input(&input(body), &STRICT).unwrap();
        assert_eq!(
            sample,
            Sample {
                server: "https://ntfy.sh".into(),
                token: "t".into(),
                note: None
            }
        );
        let cases = [
            (json!({}), "token"),
            (json!({ "token": "  " }), "token"),
            (json!({ "token": 5 }), "token"),
            (json!({ "token": MASK }), "token"),
            (json!({ "token": "t", "note": "far too long" }), "note"),
            (json!({ "token": "t", "note": "a\nb" }), "note"),
            (json!({ "token": "t", "tokn": "t" }), "tokn"),
            (json!({ "token": "t", "server": "http://ntfy.example.com" }), "server"),
            (json!({ "token": "t", "server": "https://127.0.0.1" }), "server"),
            (
                json!({ "token": "t", "server": "https://u:p@ntfy.example.com" }),
                "server",
            ),
            (
                json!({ "token": "t", "server": "https://ntfy.example.com/?a=1" }),
                "server",
            ),
        ];
        for (value, field) in cases {
            let error = Sample::from_input(&input(value.clone()), &STRICT).unwrap_err();
            assert_eq!(error.field, field, "{value}");
        }
        let local = Sample::from_input(
            &input(json!({ "token": "t", "server": "http://127.0.0.1:8080/" })),
            &LOCAL,
        );
        assert_eq!(local.unwrap().server, "http://127.0.0.1:8080");
    }

    #[test]
    fn secrets_are_masked_and_kept_on_a_masked_patch() {
        let sample = Sample::from_input(&input(json!({ "token": "s3cret", "note": "hi" })), &STRICT).unwrap();
        assert_eq!(
            Value::Object(sample.shown()),
            json!({ "server": "https://ntfy.sh", "token": MASK, "note": "hi" })
        );
        let kept = sample
            .patched(&input(json!({ "token": MASK, "note": null })), &STRICT)
            .unwrap();
        assert_eq!((kept.token.as_str(), kept.note), ("s3cret", None));
        let replaced = sample.patched(&input(json!({ "token": "new" })), &STRICT).unwrap();
        assert_eq!(replaced.token, "new");
        assert_eq!(
            sample.patched(&input(json!({ "nope": 1 })), &STRICT).unwrap_err().field,
            "nope"
        );
    }

    #[test]
    fn endpoints_take_the_override_or_the_documented_host() {
        assert_eq!(
            endpoint(None, "https://api.example.com", "/v1/x"),
            "https://api.example.com/v1/x"
        );
        assert_eq!(
            endpoint(Some("http://127.0.0.1:9/"), "https://api.example.com", "/v1/x"),
            "http://127.0.0.1:9/v1/x"
        );
    }

    #[test]
    fn path_segments_keep_only_unreserved_chars() {
        assert_eq!(path_segment("!room:example.org"), "%21room%3Aexample.org");
        assert_eq!(path_segment("inc_1-a.b~c"), "inc_1-a.b~c");
        assert_eq!(path_segment("a/b?c#d é"), "a%2Fb%3Fc%23d%20%C3%A9");
    }
}
