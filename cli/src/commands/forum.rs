//! `pingwarden forum`: the community forums (docs/FORUMS.md). Reading needs
//! no sign-in; opening a thread or replying writes as the signed-in user.

use super::Output;
use crate::api::Api;
use crate::table;
use serde_json::{json, Value};

const THREAD_FIELDS: &[&str] = &["id", "title", "category", "reply_count", "last_activity_at"];

pub fn threads(
    api: &Api,
    out: &Output,
    service: Option<String>,
    search: Option<String>,
    sort: &str,
) -> Result<(), String> {
    let mut url = reqwest::Url::parse("http://host/api/v1/forum/threads").map_err(|e| e.to_string())?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("sort", sort);
        if let Some(service) = &service {
            query.append_pair("service_id", service);
        }
        if let Some(search) = &search {
            query.append_pair("q", search);
        }
    }
    let path = format!("{}?{}", url.path(), url.query().unwrap_or_default());
    super::list(api, out, &path, THREAD_FIELDS)
}

pub fn thread(api: &Api, out: &Output, id: &str) -> Result<(), String> {
    let answer = api.get(&format!("/api/v1/forum/threads/{id}"))?;
    out.show(&answer, |a| show_thread(&a["data"]));
    Ok(())
}

fn show_thread(thread: &Value) {
    println!("{} [{}]", text(&thread["title"]), text(&thread["category"]));
    for post in thread["posts"].as_array().map_or(&[][..], Vec::as_slice) {
        let author = &post["author"];
        let mut marks = Vec::new();
        if author["verified"] == true {
            marks.push("verified");
        }
        if post["accepted"] == true {
            marks.push("accepted answer");
        }
        println!(
            "\n{} ({} points{}{}), {}, score {}:\n{}",
            text(&author["name"]),
            author["points"],
            if marks.is_empty() { "" } else { "; " },
            marks.join(", "),
            text(&post["created_at"]),
            post["score"],
            text(&post["body"]),
        );
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

pub fn open(
    api: &Api,
    out: &Output,
    title: &str,
    body: &str,
    category: &str,
    service: Option<String>,
    host: Option<String>,
) -> Result<(), String> {
    let mut thread = json!({ "title": title, "body": body, "category": category });
    if let Some(service) = service {
        thread["service_id"] = json!(service);
    }
    if let Some(host) = host {
        thread["host"] = json!(host);
    }
    let answer = api.post("/api/v1/forum/threads", &thread)?;
    out.show(&answer, |a| {
        table::print(std::slice::from_ref(&a["data"]), THREAD_FIELDS)
    });
    Ok(())
}

pub fn reply(api: &Api, out: &Output, id: &str, body: &str) -> Result<(), String> {
    let answer = api.post(&format!("/api/v1/forum/threads/{id}/posts"), &json!({ "body": body }))?;
    out.show(&answer, |a| println!("Replied to {id}: {}", text(&a["data"]["id"])));
    Ok(())
}
