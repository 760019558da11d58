use super::*;
use serde_json::json;

fn map(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[test]
fn slugs_are_3_to_48_of_lowercase_digits_and_dashes() {
    for good in ["abc", "acme-status", "a1-b2", &"x".repeat(48)] {
        assert!(validate_slug(good).is_ok(), "{good}");
    }
    for bad in [
        "ab",
        "Acme",
        "acme_status",
        "-acme",
        "acme-",
        "acme status",
        &"x".repeat(49),
    ] {
        assert_eq!(validate_slug(bad).unwrap_err().field, "slug", "{bad}");
    }
}

#[test]
fn a_page_takes_monitor_ids_or_sections() {
    let flat = PageSpec::from_input(&map(
        json!({ "slug": "acme", "title": " Acme ", "monitor_ids": ["mon_a", "mon_b"] }),
    ))
    .unwrap();
    assert_eq!(flat.title, "Acme");
    assert_eq!(flat.monitor_ids(), ["mon_a", "mon_b"]);
    let sections = json!({ "slug": "acme", "title": "Acme", "sections": [
        { "name": "API", "monitors": [{ "id": "mon_a", "display_name": "Public API" }] },
        { "name": "Web", "monitors": ["mon_b"] },
    ] });
    let spec = PageSpec::from_input(&map(sections)).unwrap();
    assert_eq!(spec.sections[0].monitors[0].display_name.as_deref(), Some("Public API"));
    assert_eq!(
        PageSpec::from_input(&map(Value::Object(spec.to_input()))).unwrap(),
        spec
    );
}

#[test]
fn invalid_pages_name_the_field() {
    let cases = [
        (json!({ "title": "x" }), "slug"),
        (json!({ "slug": "no", "title": "x" }), "slug"),
        (json!({ "slug": "acme" }), "title"),
        (json!({ "slug": "acme", "title": "" }), "title"),
        (json!({ "slug": "acme", "title": "x", "description": 5 }), "description"),
        (
            json!({ "slug": "acme", "title": "x", "monitor_ids": "mon_a" }),
            "monitor_ids",
        ),
        (
            json!({ "slug": "acme", "title": "x", "monitor_ids": ["mon_a", "mon_a"] }),
            "monitor_ids",
        ),
        (
            json!({ "slug": "acme", "title": "x", "monitor_ids": [], "sections": [] }),
            "sections",
        ),
        (
            json!({ "slug": "acme", "title": "x", "sections": [{ "name": "API" }] }),
            "sections",
        ),
        (json!({ "slug": "acme", "title": "x", "theme": "dark" }), "theme"),
    ];
    for (body, field) in cases {
        assert_eq!(
            PageSpec::from_input(&map(body.clone())).unwrap_err().field,
            field,
            "{body}"
        );
    }
}

#[test]
fn the_overall_status_follows_the_monitors() {
    use MonitorStatus::*;
    assert_eq!(overall_status(&[Up, Up, Paused]), "operational");
    assert_eq!(overall_status(&[Up, Down]), "degraded");
    assert_eq!(overall_status(&[Down, Down, Pending]), "major_outage");
    assert_eq!(overall_status(&[Pending, Paused]), "unknown");
    assert_eq!(overall_status(&[]), "unknown");
}

#[test]
fn ninety_days_come_from_rollups_with_today_from_the_current_status() {
    let now = crate::domain::time::millis_from_iso("2026-05-14T12:00:00Z").unwrap();
    let mut rollups = BTreeMap::new();
    rollups.insert(
        "2026-05-12".to_string(),
        DayFigures {
            downtime_seconds: 0,
            observed_seconds: 86_400,
            maintenance_seconds: 0,
        },
    );

    rollups.insert(
        "2026-05-13".to_string(),
        DayFigures {
            downtime_seconds: 864,
            observed_seconds: 86_400,
            maintenance_seconds: 0,
        },
    );
    let days = days(now, &rollups, MonitorStatus::Up);
    assert_eq!(days.len(), 90);
    assert_eq!(days[0].date, "2026-02-14");
    assert_eq!(
        days[89],
        Day {
            date: "2026-05-14".into(),
            uptime_pct: None,
            status: Some("operational".into())
        }
    );
    assert_eq!(
        days[88],
        Day {
            date: "2026-05-13".into(),
            uptime_pct: Some(99.0),
            status: Some("degraded".into())
        }
    );
    assert_eq!(days[87].status.as_deref(), Some("operational"));
    assert_eq!(
        days[86],
        Day {
            date: "2026-05-11".into(),
            uptime_pct: None,
            status: None
        }
    );
    assert_eq!(rollups_uptime_pct(&rollups), Some(99.5));
    let runs = runs(&days);
    assert_eq!(runs.len(), 4, "no data ×87, 100 %, 99 %, today");
    assert_eq!(runs[0].days, 87);
}

#[test]
fn a_day_whose_only_trouble_was_maintenance_says_so() {
    let now = crate::domain::time::millis_from_iso("2026-05-14T12:00:00Z").unwrap();
    let figures = |downtime_seconds, maintenance_seconds| DayFigures {
        downtime_seconds,
        observed_seconds: 86_400 - maintenance_seconds,
        maintenance_seconds,
    };
    let rollups = BTreeMap::from([
        ("2026-05-12".to_string(), figures(0, 3_600)),
        ("2026-05-13".to_string(), figures(8_280, 3_600)),
    ]);
    let days = days(now, &rollups, MonitorStatus::Up);
    assert_eq!(days[87].status.as_deref(), Some("maintenance"));
    assert_eq!(days[87].uptime_pct, Some(100.0), "the window is not downtime");
    assert_eq!(
        days[88].status.as_deref(),
        Some("outage"),
        "downtime outside the window still shows"
    );
}
