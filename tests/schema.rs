//! schema.sql must be exactly what the migrations leave, so that it can be
//! read as the schema of record.

use rusqlite::Connection;
use std::path::Path;

fn objects(connection: &Connection) -> Vec<(String, String, String)> {
    let mut statement = connection
        .prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name")
        .unwrap();
    let rows = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, String>(2)?)))
        .unwrap();
    // Compare the SQL without its layout: whitespace may differ.
    rows.map(|row| {
        let (kind, name, sql): (String, String, String) = row.unwrap();
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        // ALTER TABLE … ADD COLUMN writes ", column" right before the closing parenthesis.
        let sql = sql.replace(" ,", ",").replace(" )", ")").replace("( ", "(");
        (kind, name, sql)
    })
    .collect()
}

#[test]
fn schema_sql_matches_the_migrations_applied_in_order() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let migrated = Connection::open_in_memory().unwrap();
    let mut migrations: Vec<_> = std::fs::read_dir(root.join("migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    migrations.sort();
    assert!(!migrations.is_empty());
    for migration in &migrations {
        migrated
            .execute_batch(&std::fs::read_to_string(migration).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", migration.display()));
    }
    let declared = Connection::open_in_memory().unwrap();
    declared
        .execute_batch(&std::fs::read_to_string(root.join("schema.sql")).unwrap())
        .unwrap();
    let (from_migrations, from_schema) = (objects(&migrated), objects(&declared));
    assert!(from_schema.iter().any(|(_, name, _)| name == "monitors"));
    for (migrated, declared) in from_migrations.iter().zip(&from_schema) {
        assert_eq!(migrated, declared, "schema.sql differs from the migrations: update it");
    }
    assert_eq!(
        from_migrations.len(),
        from_schema.len(),
        "schema.sql and the migrations create different objects"
    );
}
