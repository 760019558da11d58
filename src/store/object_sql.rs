//! SQL on a Durable Object's own SQLite storage, metered: every statement's
//! rows read and written (index entries included, as Cloudflare bills them)
//! go to the cost tally (`crate::meter`).

use serde::de::DeserializeOwned;
use worker::{Result, SqlCursor, SqlStorage, SqlStorageValue};

pub struct ObjectSql(SqlStorage);

impl ObjectSql {
    pub fn new(sql: SqlStorage) -> ObjectSql {
        ObjectSql(sql)
    }

    /// Runs a statement for its effect: the rows it wrote.
    pub fn run(&self, query: &str, args: impl Into<Option<Vec<SqlStorageValue>>>) -> Result<usize> {
        let cursor = self.0.exec(query, args.into())?;
        // A statement runs to its end as its rows are read.
        for row in cursor.raw() {
            row?;
        }
        metered(&cursor);
        Ok(cursor.rows_written())
    }

    /// Runs a query and answers its rows.
    pub fn rows<T: DeserializeOwned>(
        &self,
        query: &str,
        args: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> Result<Vec<T>> {
        let cursor = self.0.exec(query, args.into())?;
        let rows = cursor.to_array()?;
        metered(&cursor);
        Ok(rows)
    }
}

fn metered(cursor: &SqlCursor) {
    crate::meter::sql(cursor.rows_read(), cursor.rows_written());
}
