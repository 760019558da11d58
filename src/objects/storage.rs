//! An object's key-value storage and alarm, metered for the cost log
//! (`crate::meter`): in a SQLite-backed object each key read is billed as a
//! row read, and each key written or deleted, and each alarm set, as a row
//! written. The SQL side is metered in `store::object_sql`.

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Result, ScheduledTime, SqlStorage};

pub struct Storage(pub(super) worker::Storage);

impl Storage {
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        crate::meter::storage(1, 0);
        self.0.get(key).await
    }

    pub async fn put<T: Serialize>(&self, key: &str, value: T) -> Result<()> {
        crate::meter::storage(0, 1);
        self.0.put(key, value).await
    }

    pub async fn delete(&self, key: &str) -> Result<bool> {
        crate::meter::storage(0, 1);
        self.0.delete(key).await
    }

    pub async fn delete_all(&self) -> Result<()> {
        self.0.delete_all().await
    }

    pub async fn get_alarm(&self) -> Result<Option<i64>> {
        self.0.get_alarm().await
    }

    pub async fn set_alarm(&self, time: impl Into<ScheduledTime>) -> Result<()> {
        crate::meter::storage(0, 1);
        self.0.set_alarm(time).await
    }

    pub async fn delete_alarm(&self) -> Result<()> {
        crate::meter::storage(0, 1);
        self.0.delete_alarm().await
    }

    pub fn sql(&self) -> SqlStorage {
        self.0.sql()
    }
}
