//! The standard `Server-Timing` header entry through which every API answer
//! reports its D1 work: how many queries it ran and how long they took.

/// For example `d1;desc="2 queries";dur=3` (milliseconds, rounded).
pub fn d1_entry(queries: u32, elapsed_ms: f64) -> String {
    let noun = if queries == 1 { "query" } else { "queries" };
    format!("d1;desc=\"{queries} {noun}\";dur={}", elapsed_ms.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_names_the_count_and_rounds_the_time() {
        for (queries, ms, expected) in [
            (0, 0.0, r#"d1;desc="0 queries";dur=0"#),
            (1, 0.4, r#"d1;desc="1 query";dur=0"#),
            (2, 2.6, r#"d1;desc="2 queries";dur=3"#),
        ] {
            assert_eq!(d1_entry(queries, ms), expected);
        }
    }
}
