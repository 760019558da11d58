use super::*;
use serde_json::json;

#[test]
fn scalars_read_as_yaml_1_2_does() {
    let value = from_str("a: 1\nb: '1'\nc: 1.5\nd: true\ne: yes\nf: ~\ng: !!str 2\nh: \"\"").unwrap();
    assert_eq!(
        value,
        json!({"a": 1, "b": "1", "c": 1.5, "d": true, "e": "yes", "f": null, "g": "2", "h": ""})
    );
}

#[test]
fn what_is_written_reads_back_the_same() {
    let value = json!({
        "monitors": [{"key": "api", "name": "true", "port": 443, "ratio": 0.25, "tags": ["123", "null", ""],
                      "body": "line one\nline two: with a colon", "headers": {"X-Note": "# not a comment"},
                      "unicode": "café ✓", "none": null, "nested": {"empty": [], "also": {}}}],
        "status_pages": [],
        "channels": []
    });
    let text = to_string(&value).unwrap();
    assert_eq!(from_str(&text).unwrap(), value, "{text}");
}

#[test]
fn a_merge_key_fills_what_the_mapping_lacks() {
    let text = "defaults: &d {interval_seconds: 60, type: http}\nmonitor:\n  <<: *d\n  interval_seconds: 30\n";
    assert_eq!(
        from_str(text).unwrap()["monitor"],
        json!({"interval_seconds": 30, "type": "http"})
    );
}

#[test]
fn an_alias_bomb_is_refused_before_it_expands() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9 {
        let previous = format!("*a{}", level - 1);
        text.push_str(&format!("a{level}: &a{level} [{}]\n", vec![previous; 10].join(", ")));
    }
    let error = from_str(&text).unwrap_err();
    assert!(error.contains("over 200000 nodes"), "{error}");
}

#[test]
fn broken_documents_say_what_and_where() {
    let cases = [
        ("a: 1\na: 2\n", "the key `a` is given twice at line 2"),
        ("? [a]\n: 1\n", "a sequence cannot be a mapping key"),
        ("a: 1\n---\nb: 2\n", "only one document"),
        ("a: *nowhere\n", "line 1"),
        ("a: [1, 2\n", "line"),
        ("a: .inf\n", "`.inf` is not a finite number"),
        ("<<: 1\n", "`<<` merges mappings only"),
    ];
    for (text, expected) in cases {
        let error = from_str(text).unwrap_err();
        assert!(error.contains(expected), "{text:?}: {error}");
    }
}

#[test]
fn an_empty_document_is_null() {
    assert_eq!(from_str("").unwrap(), Value::Null);
    assert_eq!(from_str("# only a comment\n").unwrap(), Value::Null);
}

#[test]
fn deep_nesting_is_refused_rather_than_overflowing_the_stack() {
    // 100 KB of block sequences: 50,000 levels, which a recursive reader
    // would follow down until the stack ran out.
    let block = format!("{}x", "- ".repeat(50_000));
    let flow = format!("a: {}1{}", "[".repeat(100), "]".repeat(100));
    let mapping: String = (0..100)
        .map(|level| format!("{}k{level}:\n", "  ".repeat(level)))
        .collect();
    for (text, line) in [(block, 1), (flow, 1), (mapping, 65)] {
        let error = from_str(&text).unwrap_err();
        assert!(
            error.contains(&format!("nest over 64 levels deep at line {line}")),
            "{error}"
        );
    }
}

#[test]
fn nesting_up_to_the_limit_reads() {
    let text = format!("{}x", "- ".repeat(64));
    let mut value = from_str(&text).unwrap();
    for _ in 0..64 {
        value = value.as_array().unwrap()[0].clone();
    }
    assert_eq!(value, json!("x"));
}
