//! `MonitorObject`: one per monitor and region, addressed by
//! `id_from_name(monitor_id[@region])`. It owns the monitor's schedule
//! (alarms) and its raw history in its own SQLite storage.

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

#[durable_object]
pub struct MonitorObject {
    #[allow(dead_code)]
    state: State,
}

impl DurableObject for MonitorObject {
    fn new(state: State, _env: Env) -> Self {
        MonitorObject { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::error("not found", 404)
    }
}
