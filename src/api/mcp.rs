//! `POST /mcp`: the MCP server over streamable HTTP, answering each
//! JSON-RPC message with JSON (no sessions, no server-sent events: every
//! tool answers at once). The caller authenticates as on any route (an API
//! key, or a user's token); a tool is an API request made on its behalf
//! through the router (`domain::mcp`), so scopes, validation and limits are
//! the API's own.

use super::on_behalf::{self, Dispatch};
use super::{read_body, Ctx};
use crate::api::credentials::authenticate;
use crate::config::VERSION;
use crate::domain::mcp::{
    api_call, error, negotiate, result, tool_list, tool_result, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND,
    PARSE_ERROR,
};
use crate::error::ApiResult;
use serde_json::{json, Map, Value};
use worker::{Request, Response};

pub async fn handle(ctx: &Ctx, mut req: Request, dispatch: Dispatch) -> ApiResult<Response> {
    authenticate(ctx, &req, None).await?;
    let bytes = read_body(&mut req).await?;
    let message = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(message)) => message,
        Ok(_) => {
            return answer(error(
                &Value::Null,
                INVALID_REQUEST,
                "send one JSON-RPC message, not a batch",
            ))
        }
        Err(e) => return answer(error(&Value::Null, PARSE_ERROR, &format!("not JSON: {e}"))),
    };
    // A notification (or a response to us) gets no answer.
    let Some(id) = message.get("id").cloned() else {
        return Ok(Response::empty()?.with_status(202));
    };
    let params = message
        .get("params")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let reply = match message.get("method").and_then(Value::as_str) {
        Some("initialize") => result(
            &id,
            json!({
                "protocolVersion": negotiate(params.get("protocolVersion").and_then(Value::as_str)),
                "capabilities": { "tools": { "listChanged": false } },
                "serverInfo": { "name": "pingwarden", "version": VERSION },
                "instructions": "Pingwarden monitors websites, ports, DNS records and cron jobs. Use the tools to list, create, pause and delete monitors, read their status and pings, and open, update and resolve incidents.",
            }),
        ),
        Some("ping") => result(&id, json!({})),
        Some("tools/list") => result(&id, tool_list()),
        Some("tools/call") => call_tool(ctx, &req, &id, &params, dispatch).await?,
        Some(other) => error(&id, METHOD_NOT_FOUND, &format!("no method {other:?}")),
        None => error(&id, INVALID_REQUEST, "a request needs a method"),
    };
    answer(reply)
}

fn answer(message: Value) -> ApiResult<Response> {
    Ok(Response::from_json(&message)?)
}

async fn call_tool(
    ctx: &Ctx,
    req: &Request,
    id: &Value,
    params: &Map<String, Value>,
    dispatch: Dispatch,
) -> ApiResult<Value> {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return Ok(error(id, INVALID_PARAMS, "tools/call needs a tool name"));
    };
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(args)) => args.clone(),
        Some(_) => return Ok(error(id, INVALID_PARAMS, "arguments must be an object")),
    };
    let call = match api_call(name, &args) {
        Ok(call) => call,
        Err(why) => return Ok(error(id, INVALID_PARAMS, &why)),
    };
    let (status, answer) = on_behalf::call(ctx, req, &call, dispatch).await?;
    Ok(result(id, tool_result(status, answer)))
}
