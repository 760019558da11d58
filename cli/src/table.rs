//! Tables for people: the named fields of each row, in aligned columns.
//! (Written here: a dozen lines, where a table crate would be a dependency.)

use serde_json::Value;

fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn print(rows: &[Value], fields: &[&str]) {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| fields.iter().map(|f| cell(&row[*f])).collect())
        .collect();
    let widths: Vec<usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([f.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<String>| {
        let padded: Vec<String> = values.iter().zip(&widths).map(|(v, w)| format!("{v:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(fields.iter().map(|f| f.to_uppercase()).collect());
    for row in cells {
        line(row);
    }
}
