//! YAML to and from `serde_json::Value`, for `apply` and `export`.
//!
//! yaml-rust2 scans and parses; the events become a `Value` here rather
//! than through its own loader because that loader copies an anchor at every
//! alias without limit (a "billion laughs" document would take the Worker's
//! memory). Here aliases count towards a node budget, keys must be text, a
//! key may not repeat, `<<` merges a mapping's entries (as YAML 1.1 configs
//! expect), a stream holds one document and collections nest at most
//! `MAX_DEPTH` deep.

use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter};

/// The most nodes a document may expand to, aliases included.
const MAX_NODES: usize = 200_000;
/// The deepest collections may nest. A configuration needs a handful of
/// levels; the cap keeps the recursive walks over the finished `Value`
/// (sizing an anchor, dropping, serialising) shallow.
const MAX_DEPTH: usize = 64;

/// The one document in `text`, or what is wrong with it and where.
pub fn from_str(text: &str) -> Result<Value, String> {
    let at = |message: String, mark: Marker| format!("{message} at line {} column {}", mark.line(), mark.col() + 1);
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    // The events are pulled here one at a time, not pushed by `Parser::load`:
    // that recurses once per block nesting level, so "- - - … x" (100 KB is
    // 50,000 levels) would overflow the Worker's stack before `take` could
    // refuse it. The parser itself keeps its states on the heap.
    loop {
        let (event, mark) = parser.next_token().map_err(|e| at(e.info().to_string(), *e.marker()))?;
        if event == Event::StreamEnd {
            break;
        }
        builder.take(event).map_err(|message| at(message, mark))?;
    }
    Ok(builder.document.unwrap_or(Value::Null))
}

/// `value` as a YAML document.
pub fn to_string(value: &Value) -> Result<String, String> {
    let mut text = String::new();
    YamlEmitter::new(&mut text)
        .dump(&to_yaml(value))
        .map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

fn to_yaml(value: &Value) -> Yaml {
    match value {
        Value::Null => Yaml::Null,
        Value::Bool(b) => Yaml::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Integer(i),
            None => Yaml::Real(n.to_string()),
        },
        Value::String(s) => Yaml::String(s.clone()),
        Value::Array(items) => Yaml::Array(items.iter().map(to_yaml).collect()),
        Value::Object(map) => Yaml::Hash(
            map.iter()
                .map(|(k, v)| (Yaml::String(k.clone()), to_yaml(v)))
                .collect::<Hash>(),
        ),
    }
}

/// A collection being read, with its anchor id (0: none).
enum Open {
    Sequence(Vec<Value>, usize),
    Mapping(Mapping),
}

#[derive(Default)]
struct Mapping {
    entries: Map<String, Value>,
    /// Entries from `<<`, which the mapping's own entries override.
    merged: Map<String, Value>,
    /// The key read, waiting for its value.
    key: Option<String>,
    anchor: usize,
}

impl Mapping {
    fn finish(mut self) -> Value {
        for (key, value) in self.merged {
            self.entries.entry(key).or_insert(value);
        }
        Value::Object(self.entries)
    }
}

#[derive(Default)]
struct Builder {
    open: Vec<Open>,
    /// Each anchored node, with how many nodes it holds.
    anchors: HashMap<usize, (Value, usize)>,
    nodes: usize,
    document: Option<Value>,
    documents: usize,
}

impl Builder {
    fn take(&mut self, event: Event) -> Result<(), String> {
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err("only one document is read; remove the second `---`".into());
                }
            }
            Event::SequenceStart(anchor, _) => {
                self.refuse_as_key("a sequence")?;
                self.refuse_too_deep()?;
                self.open.push(Open::Sequence(Vec::new(), anchor));
            }
            Event::MappingStart(anchor, _) => {
                self.refuse_as_key("a mapping")?;
                self.refuse_too_deep()?;
                self.open.push(Open::Mapping(Mapping {
                    anchor,
                    ..Mapping::default()
                }));
            }
            Event::SequenceEnd | Event::MappingEnd => match self.open.pop() {
                Some(Open::Sequence(items, anchor)) => self.place(Value::Array(items), anchor, 1)?,
                Some(Open::Mapping(mapping)) => {
                    let anchor = mapping.anchor;
                    self.place(mapping.finish(), anchor, 1)?
                }
                None => {}
            },
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Open::Mapping(Mapping { key: key @ None, .. })) = self.open.last_mut() {
                    *key = Some(text);
                    return Ok(());
                }
                let quoted = style != TScalarStyle::Plain || tag.is_some_and(|t| t.suffix == "str");
                self.place(scalar(&text, quoted)?, anchor, 1)?;
            }
            Event::Alias(anchor) => {
                self.refuse_as_key("an alias")?;
                let (value, size) = self
                    .anchors
                    .get(&anchor)
                    .cloned()
                    .ok_or("an alias to an unknown anchor")?;
                self.place(value, 0, size)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn refuse_as_key(&self, what: &str) -> Result<(), String> {
        match self.open.last() {
            Some(Open::Mapping(Mapping { key: None, .. })) => {
                Err(format!("{what} cannot be a mapping key; keys are text"))
            }
            _ => Ok(()),
        }
    }

    fn refuse_too_deep(&self) -> Result<(), String> {
        if self.open.len() >= MAX_DEPTH {
            return Err(format!("collections nest over {MAX_DEPTH} levels deep"));
        }
        Ok(())
    }

    /// Puts a finished node into the collection that holds it.
    fn place(&mut self, value: Value, anchor: usize, size: usize) -> Result<(), String> {
        self.nodes += size;
        if self.nodes > MAX_NODES {
            return Err(format!("the document expands to over {MAX_NODES} nodes"));
        }
        if anchor > 0 {
            self.anchors.insert(anchor, (value.clone(), size_of(&value)));
        }
        match self.open.last_mut() {
            None => self.document = Some(value),
            Some(Open::Sequence(items, _)) => items.push(value),
            Some(Open::Mapping(mapping)) => {
                let key = mapping.key.take().unwrap_or_default();
                if key == "<<" {
                    merge(&mut mapping.merged, value)?;
                } else if mapping.entries.contains_key(&key) {
                    return Err(format!("the key `{key}` is given twice"));
                } else {
                    mapping.entries.insert(key, value);
                }
            }
        }
        Ok(())
    }
}

/// `<<: *defaults` (or a list of them, the first winning).
fn merge(merged: &mut Map<String, Value>, value: Value) -> Result<(), String> {
    let sources = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    for source in sources {
        let Value::Object(entries) = source else {
            return Err("`<<` merges mappings only".into());
        };
        for (key, value) in entries {
            merged.entry(key).or_insert(value);
        }
    }
    Ok(())
}

fn size_of(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(size_of).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(size_of).sum::<usize>(),
        _ => 1,
    }
}

/// A scalar's value: text when quoted, else what YAML 1.2 reads it as.
fn scalar(text: &str, quoted: bool) -> Result<Value, String> {
    if quoted {
        return Ok(Value::String(text.to_string()));
    }
    Ok(match Yaml::from_str(text) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(real) => real
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`{text}` is not a finite number"))?,
        _ => Value::String(text.to_string()),
    })
}

#[cfg(test)]
mod tests;
