//! What every provider kind says about an event, in one place: the one-line
//! headline, the facts (monitor, target, duration, hint, link), the tone
//! (colour and emoji by event), and the cutting and escaping that keep a
//! message within a provider's limits and markup.

use super::{Event, EventKind};
use crate::domain::time::duration_words;

/// How an event looks: red when something broke, green when it is fixed,
/// amber for an update, blue for a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Down,
    Up,
    Update,
    Test,
}

impl Tone {
    pub fn of(kind: EventKind) -> Tone {
        match kind {
            EventKind::Detected => Tone::Down,
            EventKind::Resolved => Tone::Up,
            EventKind::Updated => Tone::Update,
            EventKind::Test => Tone::Test,
        }
    }

    /// `0xRRGGBB`, as Discord wants it.
    pub fn rgb(self) -> u32 {
        match self {
            Tone::Down => 0xD9_2D_20,
            Tone::Up => 0x12_B7_6A,
            Tone::Update => 0xF7_90_09,
            Tone::Test => 0x2E_90_FA,
        }
    }

    /// `#rrggbb`, as Slack wants it.
    pub fn hex(self) -> String {
        format!("#{:06x}", self.rgb())
    }

    pub fn emoji(self) -> &'static str {
        match self {
            Tone::Down => "🔴",
            Tone::Up => "✅",
            Tone::Update => "🟠",
            Tone::Test => "🔵",
        }
    }
}

/// The event in one line, e.g. `Checkout API is down: HTTP 503`, on one
/// line whatever the hint or title holds (titles, subjects and summaries
/// take no line breaks). Not cut: each kind cuts it to its own limit.
pub fn headline(event: &Event) -> String {
    let monitor = event.monitor.as_ref().map(|m| m.name.as_str());
    let incident = event.incident.as_ref();
    let title = incident.map_or("an incident", |i| i.title.as_str());
    let line = match (event.kind, monitor) {
        (EventKind::Detected, Some(name)) => match incident.and_then(|i| i.cause.as_deref()) {
            Some(cause) => format!("{name} is down: {cause}"),
            None => format!("{name} is down"),
        },
        (EventKind::Detected, None) => format!("Incident opened: {title}"),
        (EventKind::Resolved, Some(name)) => match duration(event) {
            Some(lasted) => format!("{name} is back up after {lasted}"),
            None => format!("{name} is back up"),
        },
        (EventKind::Resolved, None) => format!("Incident resolved: {title}"),
        (EventKind::Updated, _) => match incident {
            Some(i) => format!("Incident updated: {} ({})", i.title, i.status),
            None => "Incident updated".to_string(),
        },
        (EventKind::Test, _) => "Test notification from Pingwarden: this channel works".to_string(),
    };
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How long the incident lasted (resolved) or has lasted so far.
pub fn duration(event: &Event) -> Option<String> {
    let incident = event.incident.as_ref()?;
    let end = incident.resolved_at_ms.unwrap_or(event.timestamp_ms);
    Some(duration_words((end - incident.started_at_ms).max(0) / 1000))
}

/// One labelled fact about an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

/// What a message lists under its headline, none of them empty (providers
/// refuse empty fields): monitor, target, duration, hint, link. Values are
/// whole: each kind cuts them to its limits.
pub fn facts(event: &Event) -> Vec<Fact> {
    let monitor = event.monitor.as_ref();
    let incident = event.incident.as_ref();
    [
        ("Monitor", monitor.map(|m| m.name.clone())),
        ("Target", monitor.and_then(|m| m.target.clone())),
        ("Status", incident.map(|i| i.status.clone())),
        ("Duration", duration(event)),
        ("Hint", incident.and_then(|i| i.cause.clone())),
        ("Link", event.link.clone()),
    ]
    .into_iter()
    .filter_map(|(label, value)| {
        value
            .filter(|v| !v.trim().is_empty())
            .map(|value| Fact { label, value })
    })
    .collect()
}

/// The facts as `Label: value` lines, each value cut to `max_value` chars,
/// for the kinds that send plain text.
pub fn plain_facts(event: &Event, max_value: usize) -> String {
    facts(event)
        .iter()
        .map(|fact| format!("{}: {}", fact.label, cut(&fact.value, max_value)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What marks a cut text.
const ELLIPSIS: char = '…';

/// `text` cut to at most `max` chars on a char boundary, `…` ending a cut one.
pub fn cut(text: &str, max: usize) -> String {
    fit(text, max, |_| None, |s| s.chars().count())
}

/// `text` cut to at most `max` bytes of UTF-8, never inside a char.
pub fn cut_bytes(text: &str, max: usize) -> String {
    fit(text, max, |_| None, str::len)
}

/// `text` escaped with `escape` and cut to at most `max` chars counted
/// after escaping, never inside an escape sequence.
pub fn cut_escaped(text: &str, max: usize, escape: fn(char) -> Option<&'static str>) -> String {
    fit(text, max, escape, |s| s.chars().count())
}

fn fit(text: &str, max: usize, escape: fn(char) -> Option<&'static str>, measure: fn(&str) -> usize) -> String {
    let pieces = || {
        text.chars()
            .map(move |c| escape(c).map_or_else(|| c.to_string(), str::to_string))
    };
    let whole: String = pieces().collect();
    if measure(&whole) <= max {
        return whole;
    }
    let ellipsis = measure(ELLIPSIS.encode_utf8(&mut [0; 4]));
    if ellipsis > max {
        return String::new();
    }
    let budget = max - ellipsis;
    let mut out = String::new();
    let mut used = 0;
    for piece in pieces() {
        used += measure(&piece);
        if used > budget {
            break;
        }
        out.push_str(&piece);
    }
    out.push(ELLIPSIS);
    out
}

/// HTML text and attribute escaping (Telegram's HTML style, Matrix's
/// `formatted_body`, e-mail, Google Chat's formatted text).
pub fn html(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

/// Slack's mrkdwn: only `&`, `<` and `>` are control characters
/// (https://api.slack.com/reference/surfaces/formatting#escaping).
pub fn slack(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        _ => None,
    }
}

/// Events and helpers the kinds' tests share.
#[cfg(test)]
pub mod fixtures {
    use super::super::{Event, EventKind, IncidentFacts, MonitorFacts, OutboundRequest, Reason};
    use serde_json::Value;

    pub const NOW_MS: i64 = 1_778_775_849_123;

    /// `Checkout API` down for 4 min 5 s with `HTTP 503 Service Unavailable`.
    pub fn event(kind: EventKind) -> Event {
        let started_at_ms = NOW_MS - 245_000;
        Event {
            id: "evt_1".into(),
            kind,
            reason: (kind == EventKind::Detected).then_some(Reason::Failed),
            timestamp_ms: NOW_MS,
            organization_id: "org_1".into(),
            monitor: (kind != EventKind::Test).then(|| MonitorFacts {
                id: "mon_1".into(),
                name: "Checkout API".into(),
                kind: "http".into(),
                target: Some("https://shop.example.com/health".into()),
            }),
            incident: (kind != EventKind::Test).then(|| IncidentFacts {
                id: "inc_1".into(),
                title: "Checkout API is down".into(),
                status: if kind == EventKind::Resolved {
                    "resolved"
                } else {
                    "investigating"
                }
                .into(),
                impact: "major".into(),
                cause: Some("HTTP 503 Service Unavailable".into()),
                started_at_ms,
                resolved_at_ms: (kind == EventKind::Resolved).then_some(NOW_MS),
            }),
            link: Some("https://status.example.com/incidents/inc_1".into()),
        }
    }

    /// A detected event whose hint is `hint`.
    pub fn with_hint(hint: &str) -> Event {
        let mut event = event(EventKind::Detected);
        event.incident.as_mut().unwrap().cause = Some(hint.into());
        event
    }

    /// A 10 000-char hint of multi-byte chars and markup, to test limits
    /// and escaping together.
    pub fn huge_hint() -> String {
        "é<&>\"ü🙂*_".repeat(1_000)
    }

    pub fn body(request: &OutboundRequest) -> Value {
        serde_json::from_str(&request.body).expect("the body is JSON")
    }

    pub fn header<'a>(request: &'a OutboundRequest, name: &str) -> Option<&'a str> {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{event, huge_hint, with_hint};
    use super::*;

    #[test]
    fn headlines_say_what_happened_in_one_line() {
        let cases = [
            (
                event(EventKind::Detected),
                "Checkout API is down: HTTP 503 Service Unavailable",
            ),
            (event(EventKind::Resolved), "Checkout API is back up after 4 min 5 s"),
            (
                event(EventKind::Updated),
                "Incident updated: Checkout API is down (investigating)",
            ),
            (
                event(EventKind::Test),
                "Test notification from Pingwarden: this channel works",
            ),
            (
                with_hint("no ping since 04:00,\nexpected by 04:05"),
                "Checkout API is down: no ping since 04:00, expected by 04:05",
            ),
        ];
        for (event, line) in cases {
            assert_eq!(headline(&event), line);
        }
        let mut manual = event(EventKind::Detected);
        manual.monitor = None;
        assert_eq!(headline(&manual), "Incident opened: Checkout API is down");
    }

    #[test]
    fn facts_list_what_is_known_and_skip_the_rest() {
        let labels = |event: &Event| facts(event).iter().map(|f| f.label).collect::<Vec<_>>();
        assert_eq!(
            labels(&event(EventKind::Detected)),
            ["Monitor", "Target", "Status", "Duration", "Hint", "Link"]
        );
        assert_eq!(labels(&event(EventKind::Test)), ["Link"]);
        assert_eq!(
            plain_facts(&event(EventKind::Resolved), 100).lines().nth(3),
            Some("Duration: 4 min 5 s")
        );
    }

    #[test]
    fn tones_follow_the_event() {
        assert_eq!(Tone::of(EventKind::Detected).hex(), "#d92d20");
        assert_eq!(Tone::of(EventKind::Resolved).rgb(), 0x12B76A);
        assert_eq!(Tone::of(EventKind::Test).emoji(), "🔵");
    }

    #[test]
    fn cutting_keeps_chars_whole_and_marks_the_cut() {
        assert_eq!(cut("héllo", 5), "héllo");
        assert_eq!(cut("héllo wörld", 5), "héll…");
        assert_eq!(cut("🙂🙂🙂", 2), "🙂…");
        assert_eq!(cut("abc", 0), "");
        // "é" is 2 bytes, "…" 3: 2 + 2 + 3 = 7 <= 8.
        assert_eq!(cut_bytes("éééé", 8), "éééé");
        assert_eq!(cut_bytes("ééééé", 8), "éé…");
        let hint = huge_hint();
        for max in [1, 7, 100, 4096] {
            assert!(cut(&hint, max).chars().count() <= max);
            assert!(cut_bytes(&hint, max).len() <= max);
        }
    }

    #[test]
    fn escaping_counts_the_escapes_and_never_splits_one() {
        assert_eq!(cut_escaped("a<b>&\"c", 100, html), "a&lt;b&gt;&amp;&quot;c");
        assert_eq!(cut_escaped("a<b>&c", 100, slack), "a&lt;b&gt;&amp;c");
        // "a&lt;" is 5 chars; with "…" the next escape does not fit in 8.
        assert_eq!(cut_escaped("a<<<<", 8, html), "a&lt;…");
        let cut = cut_escaped(&huge_hint(), 1000, html);
        assert!(cut.chars().count() <= 1000);
        let tail = &cut[cut.rfind('&').unwrap()..];
        assert!(tail.contains(';'), "an escape was split: {tail}");
    }
}
