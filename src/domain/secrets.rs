//! Write-only secrets: what a client gives the service to reach a target is
//! stored and used, but never shown back. Every answer (to owners, viewers and
//! read-only keys alike, even the answer to the request that sent it) shows
//! `MASK` in its place. A client that sends the mask back keeps the stored
//! value, so GET → edit → PATCH round-trips without restating any secret; a
//! mask with nothing stored behind it is refused, never stored as a value.
//! Later features with secrets use the same pieces: `mask` to show, `keep` to
//! accept.

use super::validation::FieldError;
use base64::{engine::general_purpose::STANDARD, Engine};
use std::collections::{BTreeMap, VecDeque};
use url::Url;

/// What a secret reads as in every answer.
pub const MASK: &str = "********";

/// Query parameters whose values are secret, by how their name ends once
/// lowercased without `-`, `_` and `.`: `api_key`, `access_token`,
/// `client_secret`, `X-Amz-Signature`, `password`. It errs towards masking:
/// a harmless `?monkey=1` is masked too, but a token is never shown.
const SECRET_PARAM_ENDINGS: [&str; 13] = [
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "pass",
    "pwd",
    "auth",
    "signature",
    "sig",
    "credential",
    "credentials",
    "session",
];

/// The mask for a secret. An empty value hides nothing and is shown as is, so
/// that "none set" stays distinguishable from "set".
pub fn mask(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        MASK.to_string()
    }
}

/// The value to store for one sent: the stored value where the client sent
/// the mask. `what` names the secret in the error if nothing is stored.
pub fn keep(sent: &str, stored: Option<&str>, field: &str, what: &str) -> Result<String, FieldError> {
    if sent != MASK {
        return Ok(sent.to_string());
    }
    stored.filter(|s| !s.is_empty()).map(str::to_string).ok_or_else(|| {
        FieldError::new(
            field,
            format!("{what} is the mask {MASK}, but there is no stored value to keep; send the value itself"),
        )
    })
}

pub fn is_secret_param(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .collect::<String>()
        .to_lowercase();
    SECRET_PARAM_ENDINGS.iter().any(|end| name.ends_with(end))
}

/// A URL as shown: its user and password masked (either can be the secret:
/// `https://<token>@host` and `https://<key>:@host` are both common), and the
/// values of secret-named query parameters. One that does not parse (never
/// stored) is masked whole rather than guessed at.
pub fn mask_url(raw: &str) -> String {
    let Ok(mut url) = Url::parse(raw) else {
        return MASK.to_string();
    };
    if !url.username().is_empty() {
        let _ = url.set_username(MASK);
    }
    if url.password().is_some() {
        let _ = url.set_password(Some(MASK));
    }
    if let Some(query) = url.query() {
        let masked = query
            .split('&')
            .map(|pair| match secret_pair(pair) {
                Some((name, value)) => format!("{name}={}", mask(value)),
                None => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&");
        url.set_query(Some(&masked));
    }
    url.to_string()
}

/// The URL to store for one sent: where it has the mask as user, password or
/// a secret parameter's value, the stored one is kept (a parameter by its name
/// and its place among those of that name). A URL without a mask is returned
/// as sent, for the validator to judge.
pub fn restore_url(sent: &str, stored: Option<&str>) -> Result<String, FieldError> {
    if !sent.contains(MASK) {
        return Ok(sent.to_string());
    }
    let Ok(mut url) = Url::parse(sent.trim()) else {
        return Ok(sent.to_string());
    };
    let stored = stored.and_then(|s| Url::parse(s).ok());
    let user = keep(
        url.username(),
        stored.as_ref().map(Url::username),
        "url",
        "the url's user",
    )?;
    let _ = url.set_username(&user);
    if let Some(password) = url.password() {
        let password = keep(
            password,
            stored.as_ref().and_then(Url::password),
            "url",
            "the url's password",
        )?;
        let _ = url.set_password(Some(&password));
    }
    if let Some(query) = url.query() {
        let mut kept: BTreeMap<&str, VecDeque<&str>> = BTreeMap::new();
        for (name, value) in stored.as_ref().and_then(Url::query).into_iter().flat_map(secret_pairs) {
            kept.entry(name).or_default().push_back(value);
        }
        let restored = query
            .split('&')
            .map(|pair| match secret_pair(pair) {
                Some((name, value)) => {
                    let stored = kept.get_mut(name).and_then(VecDeque::pop_front);
                    let what = format!("the url's {name} parameter");
                    Ok(format!("{name}={}", keep(value, stored, "url", &what)?))
                }
                None => Ok(pair.to_string()),
            })
            .collect::<Result<Vec<_>, FieldError>>()?
            .join("&");
        url.set_query(Some(&restored));
    }
    Ok(url.to_string())
}

/// The URL without its user and password, and those as the `Authorization`
/// value a browser or curl would send for them (`Basic base64(user:password)`,
/// both percent-decoded). The runtime's fetch silently drops credentials from
/// a URL, and a URL that still carried them could end up in an error message.
pub fn basic_auth(raw: &str) -> (String, Option<String>) {
    let Ok(mut url) = Url::parse(raw) else {
        return (raw.to_string(), None);
    };
    if url.username().is_empty() && url.password().is_none() {
        return (raw.to_string(), None);
    }
    let decoded = |part: &str| percent_encoding::percent_decode_str(part).collect::<Vec<u8>>();
    let mut pair = decoded(url.username());
    pair.push(b':');
    pair.extend(decoded(url.password().unwrap_or_default()));
    let _ = url.set_username("");
    let _ = url.set_password(None);
    (url.to_string(), Some(format!("Basic {}", STANDARD.encode(pair))))
}

fn secret_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query.split('&').filter_map(secret_pair)
}

/// A raw query pair's name and value (still percent-encoded, so that putting
/// them back changes nothing), if its name is secret.
fn secret_pair(pair: &str) -> Option<(&str, &str)> {
    pair.split_once('=').filter(|(name, _)| {
        url::form_urlencoded::parse(name.as_bytes())
            .next()
            .is_some_and(|(decoded, _)| is_secret_param(&decoded))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameter_names_are_recognised_by_their_ending() {
        let cases = [
            ("api_key", true),
            ("apiKey", true),
            ("X-Api-Key", true),
            ("access_token", true),
            ("token", true),
            ("client_secret", true),
            ("password", true),
            ("pass", true),
            ("X-Amz-Signature", true),
            ("X-Amz-Credential", true),
            ("sig", true),
            ("auth", true),
            ("session", true),
            ("page", false),
            ("deep", false),
            ("q", false),
            ("user", false),
            ("format", false),
        ];
        for (name, secret) in cases {
            assert_eq!(is_secret_param(name), secret, "{name}");
        }
    }

    #[test]
    fn a_url_is_shown_with_its_credentials_and_secret_parameters_masked() {
        let cases = [
            ("https://example.com/health?deep=1", "https://example.com/health?deep=1"),
            (
                "https://ada:s3cret@example.com/x",
                "https://********:********@example.com/x",
            ),
            ("https://ghp_token@example.com/", "https://********@example.com/"),
            (
                "https://example.com/?api_key=abc&page=2&access_token=xyz",
                "https://example.com/?api_key=********&page=2&access_token=********",
            ),
            (
                "https://example.com/?token=&flag&token=a%20b",
                "https://example.com/?token=&flag&token=********",
            ),
            (
                "https://example.com/?%61pi_key=abc",
                "https://example.com/?%61pi_key=********",
            ),
            ("not a url", MASK),
        ];
        for (stored, shown) in cases {
            assert_eq!(mask_url(stored), shown, "{stored}");
        }
    }

    #[test]
    fn a_url_sent_with_masks_keeps_the_stored_secrets_in_their_place() {
        let stored = "https://ada:s3cret@example.com/x?token=one&page=2&token=two";
        let cases = [
            // The whole shown URL sent back is the stored URL.
            (mask_url(stored), stored.to_string()),
            // A new host or path keeps the masked secrets.
            (
                "https://********:********@example.org/y?token=********&page=3&token=********".to_string(),
                "https://ada:s3cret@example.org/y?token=one&page=3&token=two".to_string(),
            ),
            // Secrets sent in clear replace the stored ones, each on its own.
            (
                "https://bob:********@example.com/x?token=new&token=********".to_string(),
                "https://bob:s3cret@example.com/x?token=new&token=two".to_string(),
            ),
            // Credentials left out are gone; a URL without a mask is as sent.
            (
                " https://example.com/x?token=%2A ".to_string(),
                " https://example.com/x?token=%2A ".to_string(),
            ),
        ];
        for (sent, kept) in cases {
            assert_eq!(restore_url(&sent, Some(stored)).unwrap(), kept, "{sent}");
        }
    }

    #[test]
    fn a_mask_with_nothing_stored_behind_it_is_refused_naming_the_url() {
        let stored = "https://ada@example.com/?token=one";
        let cases = [
            ("https://ada:********@example.com/", "password"),
            ("https://example.com/?token=one&token=********", "token parameter"),
            ("https://example.com/?api_key=********", "api_key parameter"),
        ];
        for (sent, what) in cases {
            let error = restore_url(sent, Some(stored)).unwrap_err();
            assert_eq!(error.field, "url", "{sent}");
            assert!(error.message.contains(what), "{sent}: {}", error.message);
        }
        let created = restore_url("https://********@example.com/", None).unwrap_err();
        assert!(created.message.contains("user"), "{}", created.message);
    }

    #[test]
    fn url_credentials_become_a_basic_authorization() {
        let cases = [
            ("https://example.com/x?a=1", "https://example.com/x?a=1", None),
            (
                "https://ada:s3cret@example.com/x",
                "https://example.com/x",
                Some("Basic YWRhOnMzY3JldA=="),
            ),
            (
                "https://token@example.com/",
                "https://example.com/",
                Some("Basic dG9rZW46"),
            ),
            // Percent-encoded characters are sent as themselves: "a@b:p:ss".
            (
                "https://a%40b:p%3Ass@example.com/",
                "https://example.com/",
                Some("Basic YUBiOnA6c3M="),
            ),
        ];
        for (url, bare, authorization) in cases {
            assert_eq!(
                basic_auth(url),
                (bare.to_string(), authorization.map(str::to_string)),
                "{url}"
            );
        }
    }

    #[test]
    fn keep_takes_the_stored_value_only_for_the_mask() {
        assert_eq!(keep("new", Some("old"), "body", "body").unwrap(), "new");
        assert_eq!(keep(MASK, Some("old"), "body", "body").unwrap(), "old");
        assert_eq!(keep("", Some("old"), "body", "body").unwrap(), "");
        for stored in [None, Some("")] {
            assert_eq!(keep(MASK, stored, "body", "body").unwrap_err().field, "body");
        }
        assert_eq!(mask(""), "");
        assert_eq!(mask("secret"), MASK);
    }
}
