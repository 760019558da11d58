use super::*;
use serde_json::json;

const YAML: &str = "
monitors:
  - key: api
    type: http
    name: API
    url: https://example.com/health
    interval_seconds: 60
    tags: [prod, eu]
  - key: backup
    type: heartbeat
    name: Nightly backup
    schedule: '0 3 * * *'
status_pages:
  - key: public
    slug: acme
    title: Acme status
    monitor_ids: [api, mon_existing]
";

#[test]
fn yaml_and_json_read_the_same() {
    let from_yaml = parse(YAML, Format::Yaml).unwrap();
    let as_json = json!({
        "monitors": [
            { "key": "api", "type": "http", "name": "API", "url": "https://example.com/health", "interval_seconds": 60, "tags": ["prod", "eu"] },
            { "key": "backup", "type": "heartbeat", "name": "Nightly backup", "schedule": "0 3 * * *" },
        ],
        "status_pages": [{ "key": "public", "slug": "acme", "title": "Acme status", "monitor_ids": ["api", "mon_existing"] }],
    });
    assert_eq!(parse(&as_json.to_string(), Format::Json).unwrap(), from_yaml);
    assert_eq!(from_yaml.entries.len(), 3);
    assert_eq!(from_yaml.entries[1].path("schedule"), "monitors[1].schedule");
    assert_eq!(
        from_yaml.entries[0].fields["interval_seconds"], 60,
        "numbers stay numbers"
    );
    assert!(!from_yaml.entries[0].fields.contains_key("key"));
    assert_eq!(
        from_yaml.kinds,
        BTreeSet::from([Kind::Monitor, Kind::StatusPage]),
        "no channels list: channels are left alone"
    );
}

#[test]
fn a_bad_document_is_refused_at_its_path() {
    let field = |text: &str, format| parse(text, format).unwrap_err().field;
    assert_eq!(field("monitors: [", Format::Yaml), "$");
    assert_eq!(field("[1, 2]", Format::Json), "$");
    assert_eq!(field(r#"{"monitor": []}"#, Format::Json), "monitor");
    assert_eq!(field(r#"{"monitors": {}}"#, Format::Json), "monitors");
    assert_eq!(
        field(r#"{"monitors": [{"key": "a"}, "b"]}"#, Format::Json),
        "monitors[1]"
    );
    assert_eq!(
        field(r#"{"channels": [{"name": "x"}]}"#, Format::Json),
        "channels[0].key"
    );
    assert_eq!(
        field(r#"{"channels": [{"key": "a b"}]}"#, Format::Json),
        "channels[0].key"
    );
    assert_eq!(
        field(
            r#"{"monitors": [{"key": "a"}, {"key": "b"}, {"key": "a"}]}"#,
            Format::Json
        ),
        "monitors[2].key"
    );
    let entry = &parse(YAML, Format::Yaml).unwrap().entries[0];
    let located = entry.locate(FieldError::new(
        "interval_seconds",
        "interval_seconds must be at least 30",
    ));
    assert_eq!(located.field, "monitors[0].interval_seconds");
    assert!(located.message.starts_with("monitors[0]: "));
}

#[test]
fn pages_and_channels_name_monitors_by_key_or_id() {
    let ids = BTreeMap::from([("api".to_string(), "mon_1".to_string())]);
    let mut page = json!({
        "monitor_ids": ["api", "mon_existing", "typo"],
        "sections": [{ "name": "Core", "monitors": [{ "id": "api", "display_name": "API" }] }],
    })
    .as_object()
    .unwrap()
    .clone();
    resolve_monitors(&mut page, &ids);
    assert_eq!(page["monitor_ids"], json!(["mon_1", "mon_existing", "typo"]));
    assert_eq!(page["sections"][0]["monitors"][0]["id"], "mon_1");
}

#[test]
fn an_export_reads_back_as_it_was_written() {
    let document = json!({
        "monitors": [{ "key": "api", "type": "http", "name": "API: \"main\"", "headers": { "Authorization": "••••" }, "expected_status": [200, 204] }],
        "status_pages": [],
        "channels": [{ "key": "ch_1", "kind": "webhook", "name": "On call", "monitor_ids": null }],
    });
    let map = document.as_object().unwrap().clone();
    for format in [Format::Yaml, Format::Json] {
        let text = write(&map, format).unwrap();
        let read = parse(&text, format).unwrap();
        assert_eq!(read.entries[0].fields["name"], "API: \"main\"", "{text}");
        assert_eq!(read.entries[0].fields["headers"]["Authorization"], "••••");
        assert_eq!(read.entries[1].fields["monitor_ids"], Value::Null);
        assert_eq!(read.kinds.len(), 3);
    }
    assert!(Kind::Channel.is_id("ch_1") && !Kind::Monitor.is_id("ch_1"));
}
