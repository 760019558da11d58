//! An IANA time zone that chrono (and so croner) can compute with, whose
//! rules come from the runtime instead of tables compiled into the Worker.
//!
//! Why not chrono-tz in the Worker: its compiled-in tables were ~150 KB of
//! the gzip bundle (a sixth of it), while the JavaScript engine the Worker
//! runs in already carries the same IANA database in its ICU, kept current
//! by Cloudflare's runtime updates. In the Worker a zone's UTC offset at an
//! instant is read from `Intl.DateTimeFormat`; natively (the unit tests) from
//! chrono-tz. Everything else here — mapping a wall-clock time back to an
//! instant across gaps and folds — is the same code on both, so the DST tests
//! run natively test what the Worker does.
//!
//! No crate does this: chrono-tz and jiff both compile the tables in.

use chrono::{FixedOffset, MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use std::cell::RefCell;

/// A zone known to be valid: a handle into this thread's table of zones
/// (a Worker isolate is single-threaded; the table holds the few zones in use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(usize);

/// A zone's offset at one instant, which chrono keeps in every `DateTime`.
#[derive(Debug, Clone, Copy)]
pub struct ZoneOffset {
    zone: Zone,
    fixed: FixedOffset,
}

/// The most zones the table holds: more than the IANA database's ~600
/// names (links included), so only names the runtime takes beyond those
/// could fill it. It is searched linearly and never shrinks.
const MAX_ZONES: usize = 1_000;

/// A zone in the table: the name first asked for, the name it is shown
/// and stored under, and its rules.
struct Held {
    asked: String,
    name: String,
    rules: rules::Rules,
}

thread_local! {
    static ZONES: RefCell<Vec<Held>> = const { RefCell::new(Vec::new()) };
}

impl Zone {
    /// The zone of an IANA name such as `Europe/Paris`, in any letter case
    /// as the runtime accepts it, or None when the runtime does not know it.
    /// Offsets such as `+01:00` are not zones.
    pub fn named(name: &str) -> Option<Zone> {
        let looks_like_a_zone = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "_+-/".contains(c));
        if !looks_like_a_zone {
            return None;
        }
        ZONES.with(|zones| {
            let mut zones = zones.borrow_mut();
            // Matched regardless of case, so `europe/paris`, `EUROPE/PARIS`
            // and the like are one entry, not one each.
            if let Some(known) = zones.iter().position(|z| z.asked.eq_ignore_ascii_case(name)) {
                return Some(Zone(known));
            }
            let (spelt, rules) = rules::Rules::of(name)?;
            // The runtime's spelling mends the letter case only: for a link
            // it may answer another name of the zone (ICU's `Asia/Katmandu`
            // for `Asia/Kathmandu`), and the name the user chose is kept.
            let shown = if spelt.eq_ignore_ascii_case(name) {
                spelt
            } else {
                name.to_string()
            };
            if zones.len() >= MAX_ZONES {
                // Full: a zone already held, under another name, still resolves.
                return zones.iter().position(|z| z.name.eq_ignore_ascii_case(&shown)).map(Zone);
            }
            zones.push(Held {
                asked: name.to_string(),
                name: shown,
                rules,
            });
            Some(Zone(zones.len() - 1))
        })
    }

    /// The name in the runtime's letter case: `Europe/Paris` for
    /// `europe/paris`; a link keeps the name it was asked by.
    pub fn name(self) -> String {
        ZONES.with(|zones| zones.borrow()[self.0].name.clone())
    }

    /// The zone's offset from UTC, in seconds, at an instant.
    fn offset_seconds_at(self, utc_seconds: i64) -> i32 {
        ZONES.with(|zones| zones.borrow()[self.0].rules.offset_seconds_at(utc_seconds))
    }

    fn offset_at(self, utc_seconds: i64) -> ZoneOffset {
        let seconds = self.offset_seconds_at(utc_seconds);
        ZoneOffset {
            zone: self,
            fixed: FixedOffset::east_opt(seconds).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero")),
        }
    }
}

impl Offset for ZoneOffset {
    fn fix(&self) -> FixedOffset {
        self.fixed
    }
}

impl TimeZone for Zone {
    type Offset = ZoneOffset;

    fn from_offset(offset: &ZoneOffset) -> Zone {
        offset.zone
    }

    fn offset_from_local_date(&self, local: &NaiveDate) -> MappedLocalTime<ZoneOffset> {
        self.offset_from_local_datetime(&local.and_time(chrono::NaiveTime::MIN))
    }

    /// A wall-clock time read in this zone: one instant, two (the clock went
    /// back over it) or none (the clock jumped over it). Offsets change at
    /// most once a day in every zone's history, so the offsets a day either
    /// side are the only candidates; each that maps back to the same wall
    /// clock is an answer.
    fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> MappedLocalTime<ZoneOffset> {
        const DAY: i64 = 86_400;
        let wall = local.and_utc().timestamp();
        let mut answers: Vec<ZoneOffset> = Vec::with_capacity(2);
        for candidate in [self.offset_seconds_at(wall - DAY), self.offset_seconds_at(wall + DAY)] {
            let instant = wall - i64::from(candidate);
            let fits = self.offset_seconds_at(instant) == candidate;
            if fits && !answers.iter().any(|a| a.fixed.local_minus_utc() == candidate) {
                answers.push(self.offset_at(instant));
            }
        }
        // The earlier instant has the larger offset.
        answers.sort_by_key(|a| std::cmp::Reverse(a.fixed.local_minus_utc()));
        match answers[..] {
            [only] => MappedLocalTime::Single(only),
            [earlier, later] => MappedLocalTime::Ambiguous(earlier, later),
            _ => MappedLocalTime::None,
        }
    }

    fn offset_from_utc_date(&self, utc: &NaiveDate) -> ZoneOffset {
        self.offset_from_utc_datetime(&utc.and_time(chrono::NaiveTime::MIN))
    }

    fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> ZoneOffset {
        self.offset_at(utc.and_utc().timestamp())
    }
}

/// In the Worker: the JavaScript engine's ICU, through `Intl.DateTimeFormat`.
#[cfg(target_arch = "wasm32")]
mod rules {
    use js_sys::Intl::DateTimeFormat;
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    pub struct Rules(DateTimeFormat);

    impl Rules {
        /// The engine's spelling of the zone's name, and a formatter that
        /// writes an instant as its wall clock in numeric fields; None when
        /// the engine refuses the zone (a RangeError, caught here: the
        /// binding's constructor would trap).
        pub fn of(name: &str) -> Option<(String, Rules)> {
            let options = Object::new();
            for (key, value) in [
                ("timeZone", name),
                ("hourCycle", "h23"),
                ("year", "numeric"),
                ("month", "numeric"),
                ("day", "numeric"),
                ("hour", "numeric"),
                ("minute", "numeric"),
                ("second", "numeric"),
            ] {
                Reflect::set(&options, &key.into(), &value.into()).ok()?;
            }
            let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
            let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into()).ok()?.dyn_into().ok()?;
            let arguments = Array::of2(&"en-US".into(), &options);
            let formatter: DateTimeFormat = Reflect::construct(&constructor, &arguments).ok()?.unchecked_into();
            let spelt = Reflect::get(&formatter.resolved_options(), &"timeZone".into())
                .ok()?
                .as_string()?;
            Some((spelt, Rules(formatter)))
        }

        pub fn offset_seconds_at(&self, utc_seconds: i64) -> i32 {
            let date = js_sys::Date::new(&JsValue::from_f64(utc_seconds as f64 * 1000.0));
            // year, month, day, hour, minute, second of the wall clock
            let mut wall = [0u32; 6];
            for part in self.0.format_to_parts(&date).iter() {
                let text = |key: &str| Reflect::get(&part, &key.into()).ok().and_then(|v| v.as_string());
                let slot = match text("type").as_deref() {
                    Some("year") => 0,
                    Some("month") => 1,
                    Some("day") => 2,
                    Some("hour") => 3,
                    Some("minute") => 4,
                    Some("second") => 5,
                    _ => continue,
                };
                wall[slot] = text("value").and_then(|v| v.parse().ok()).unwrap_or(0);
            }
            let [year, month, day, hour, minute, second] = wall;
            chrono::NaiveDate::from_ymd_opt(year as i32, month, day)
                .and_then(|day| day.and_hms_opt(hour, minute, second))
                .map_or(0, |wall| (wall.and_utc().timestamp() - utc_seconds) as i32)
        }
    }
}

/// Natively (unit tests): chrono-tz's tables.
#[cfg(not(target_arch = "wasm32"))]
mod rules {
    use chrono::{Offset, TimeZone};

    pub struct Rules(chrono_tz::Tz);

    impl Rules {
        /// Matched regardless of case, as the Worker's engine matches names.
        pub fn of(name: &str) -> Option<(String, Rules)> {
            let zone = chrono_tz::TZ_VARIANTS
                .iter()
                .find(|zone| zone.name().eq_ignore_ascii_case(name))?;
            Some((zone.name().to_string(), Rules(*zone)))
        }

        pub fn offset_seconds_at(&self, utc_seconds: i64) -> i32 {
            let utc = chrono::DateTime::from_timestamp(utc_seconds, 0)
                .unwrap_or_default()
                .naive_utc();
            self.0.offset_from_utc_datetime(&utc).fix().local_minus_utc()
        }
    }
}

#[cfg(test)]
mod tests;
