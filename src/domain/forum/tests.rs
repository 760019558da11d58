use super::*;
use serde_json::json;

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("an object")
}

const NOW: i64 = 1_800_000_000_000;

#[test]
fn a_new_thread_is_validated_field_by_field() {
    let thread = NewThread::from_input(&object(json!({
        "title": "  Is api.example.com down?  ", "body": "503 since 14:00\n\n```\ncurl -I\n```",
        "category": "outages", "host": "API.Example.com.", "service_id": "github"
    })))
    .unwrap();
    assert_eq!(thread.title, "Is api.example.com down?");
    assert_eq!(thread.category, Category::Outages);
    assert_eq!(thread.host.as_deref(), Some("api.example.com"));
    assert_eq!(thread.service_id.as_deref(), Some("github"));
    assert_eq!(thread.incident_id, None);

    let valid = json!({ "title": "Down?", "body": "yes", "category": "general" });
    let cases = [
        ("title", json!(null)),
        ("title", json!("ab")),
        ("title", json!("x".repeat(MAX_TITLE_CHARS + 1))),
        ("body", json!("   ")),
        ("body", json!("x".repeat(MAX_BODY_CHARS + 1))),
        ("body", json!("bell \u{7}")),
        ("body", json!(42)),
        ("category", json!("random")),
        ("host", json!("not a host!")),
        ("service_id", json!("")),
        ("colour", json!("red")),
    ];
    for (field, value) in cases {
        let mut input = object(valid.clone());
        if value.is_null() {
            input.remove(field);
        } else {
            input.insert(field.into(), value);
        }
        assert_eq!(NewThread::from_input(&input).unwrap_err().field, field);
    }
}

#[test]
fn a_body_may_span_lines_and_is_bounded_in_characters() {
    let long = "é".repeat(MAX_BODY_CHARS);
    assert_eq!(
        body_of(&object(json!({ "body": long }))).unwrap().chars().count(),
        MAX_BODY_CHARS
    );
    assert_eq!(body_of(&object(json!({ "body": "a\r\n\tb" }))).unwrap(), "a\r\n\tb");
    assert_eq!(body_of(&object(json!({}))).unwrap_err().field, "body");
    assert_eq!(
        body_of(&object(json!({ "body": "x", "title": "y" })))
            .unwrap_err()
            .field,
        "title"
    );
}

#[test]
fn list_filters_and_orders_come_from_the_query() {
    let params = [("category", "outages"), ("q", " down "), ("host", "Example.COM")];
    let find = |name: &str| params.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let filter = ThreadFilter::parse(find).unwrap();
    assert_eq!(filter.category, Some(Category::Outages));
    assert_eq!(filter.title.as_deref(), Some("down"));
    assert_eq!(filter.host.as_deref(), Some("example.com"));
    assert_eq!(ThreadFilter::parse(|_| None).unwrap(), ThreadFilter::default());
    assert_eq!(
        ThreadFilter::parse(|n| (n == "category").then_some("x"))
            .unwrap_err()
            .field,
        "category"
    );
    let long = "q".repeat(MAX_QUERY_CHARS + 1);
    assert_eq!(
        ThreadFilter::parse(|n| (n == "q").then_some(long.as_str()))
            .unwrap_err()
            .field,
        "q"
    );

    assert_eq!(Sort::parse(None), Ok(Sort::Newest));
    assert_eq!(Sort::parse(Some("active")), Ok(Sort::Active));
    assert_eq!(Sort::parse(Some("unanswered")), Ok(Sort::Unanswered));
    assert_eq!(Sort::parse(Some("best")).unwrap_err().field, "sort");
}

#[test]
fn authors_edit_within_the_window_and_nobody_else_does() {
    let minute = 60_000;
    let cases = [
        (Standing::Author, NOW - minute, false, Ok(())),
        (Standing::Author, NOW - EDIT_WINDOW_MS, false, Ok(())),
        (
            Standing::Author,
            NOW - EDIT_WINDOW_MS - 1,
            false,
            Err(Refusal::EditWindowClosed),
        ),
        (Standing::Author, NOW - minute, true, Err(Refusal::Locked)),
        (Standing::Moderator, NOW - minute, false, Err(Refusal::NotAuthor)),
        (Standing::Other, NOW - minute, false, Err(Refusal::NotAuthor)),
    ];
    for (standing, created, locked, expected) in cases {
        assert_eq!(
            may_edit(standing, created, NOW, locked),
            expected,
            "{standing:?} {created} {locked}"
        );
    }
    assert_eq!(may_remove(Standing::Author, false), Ok(()));
    assert_eq!(may_remove(Standing::Author, true), Err(Refusal::HasReplies));
    assert_eq!(may_remove(Standing::Moderator, false), Ok(()));
    assert_eq!(may_remove(Standing::Moderator, true), Ok(()));
    assert_eq!(may_remove(Standing::Other, false), Err(Refusal::NotAuthor));
}

#[test]
fn only_moderators_pin_and_lock_and_they_may_retitle_at_any_time() {
    let pin = ThreadChange::from_input(&object(json!({ "pinned": true }))).unwrap();
    let retitle = ThreadChange::from_input(&object(json!({ "title": "Better title" }))).unwrap();
    let old = NOW - 2 * EDIT_WINDOW_MS;
    assert_eq!(
        may_change_thread(Standing::Author, false, &pin, NOW, NOW, false),
        Err(Refusal::NotModerator)
    );
    assert_eq!(may_change_thread(Standing::Other, true, &pin, old, NOW, true), Ok(()));
    assert_eq!(
        may_change_thread(Standing::Author, false, &retitle, NOW, NOW, false),
        Ok(())
    );
    assert_eq!(
        may_change_thread(Standing::Author, false, &retitle, old, NOW, false),
        Err(Refusal::EditWindowClosed)
    );
    assert_eq!(
        may_change_thread(Standing::Other, false, &retitle, NOW, NOW, false),
        Err(Refusal::NotAuthor)
    );
    assert_eq!(
        ThreadChange::from_input(&object(json!({ "locked": "yes" })))
            .unwrap_err()
            .field,
        "locked"
    );
    assert_eq!(
        ThreadChange::from_input(&object(json!({ "author": "me" })))
            .unwrap_err()
            .field,
        "author"
    );
}

#[test]
fn the_author_comes_before_the_moderator() {
    assert_eq!(Standing::of("usr_1", "usr_1", true), Standing::Author);
    assert_eq!(Standing::of("usr_2", "usr_1", true), Standing::Moderator);
    assert_eq!(Standing::of("usr_2", "usr_1", false), Standing::Other);
}

#[test]
fn moderators_are_listed_by_address_in_any_case() {
    assert_eq!(
        moderator_emails(" Mod@Example.com, ,second@example.com "),
        vec!["mod@example.com", "second@example.com"]
    );
    assert!(moderator_emails("").is_empty());
}

#[test]
fn pinned_threads_rank_above_any_unpinned_one() {
    let pinned_old = rank(true, "2020-01-01T00:00:00.000Z");
    let unpinned_new = rank(false, "2030-01-01T00:00:00.000Z");
    assert!(pinned_old > unpinned_new);
    assert_eq!(unpinned_new, "02030-01-01T00:00:00.000Z");
}
