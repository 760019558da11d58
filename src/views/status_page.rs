//! The public status page as HTML: readable without JavaScript, in light and
//! dark mode, with every status in words (colour only repeats it) and a text
//! tooltip on each bar of the 90-day history. Days that look alike are drawn
//! as one wider bar, and each bar is ~28 bytes, so a page of 20 monitors stays
//! under 60 KB even when all 1,800 days differ.

use crate::domain::status_page::{runs, PublicIncident, PublicMaintenance, PublicMonitor, PublicPage, Run};
use crate::domain::time::{duration_words, millis_from_iso};
use maud::{html, Markup, PreEscaped, DOCTYPE};

const STYLE: &str = r#"
:root{--bg:#f6f8fa;--card:#fff;--text:#1f2328;--muted:#59636e;--line:#d1d9e0;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--mnt:#0969da;--none:#d1d9e0;--on:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--text:#e6edf3;--muted:#9198a1;--line:#3d444d;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--mnt:#4493f8;--none:#3d444d;--on:#0d1117}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:52rem;margin:0 auto;padding:2rem 1rem}h1{font-size:1.75rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .75rem}
.muted{color:var(--muted)}.banner{margin:1.5rem 0;padding:1rem 1.25rem;border-radius:.5rem;color:var(--on);font-weight:600;font-size:1.1rem}
.operational{background:var(--ok)}.degraded{background:var(--warn)}.major_outage{background:var(--bad)}.unknown{background:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem}.mon{padding:1rem 1.25rem;border-top:1px solid var(--line)}.mon:first-child{border-top:0}
.row{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}.name{font-weight:600}
.state-up{color:var(--ok)}.state-down{color:var(--bad)}.state-pending,.state-paused{color:var(--muted)}
.bars{--g:2px;display:flex;gap:var(--g);height:2rem;margin:.6rem 0 .25rem}.bars>*{--c:var(--none);flex:1;min-width:1px;background:var(--c)}
.bars i{--c:var(--ok)}.bars b{--c:var(--warn)}.bars s{--c:var(--bad)}.bars q{--c:var(--mnt)}
.bars>[style]{flex:var(--n) 0 calc((var(--n) - 1)*var(--g));background:repeating-linear-gradient(90deg,var(--c) 0 calc((100% + var(--g))/var(--n) - var(--g)),#0000 0 calc((100% + var(--g))/var(--n)))}
@media (max-width:40rem){.bars{--g:1px}}
.scale{display:flex;justify-content:space-between;font-size:.8rem}
article{padding:1rem 1.25rem;border-top:1px solid var(--line)}article:first-child{border-top:0}article h3{margin:0;font-size:1rem}
article ol{margin:.5rem 0 0;padding-left:1.1rem}footer{margin-top:2rem;font-size:.85rem;text-align:center}
"#;

/// Live updates: the page listens on `/status/{slug}/live`; an incident
/// event marks its monitor at once, then the page's `main` is fetched again
/// and swapped in (after the cache has dropped the old page). While the
/// socket is down the page is fetched each time it retries, every 1 s to
/// 60 s; without JavaScript, it reloads every minute.
const LIVE_SCRIPT: &str = r#"(()=>{if(!('WebSocket'in window))return;
const url=location.href.replace(/^http/,'ws').replace(/[?#].*$/,'').replace(/\/$/,'')+'/live';
let delay=1000,timer;const root=document.documentElement;
const swap=()=>fetch(location.href,{cache:'no-store'}).then(r=>r.text()).then(t=>{const m=new DOMParser().parseFromString(t,'text/html').querySelector('main');if(m)document.querySelector('main').replaceWith(m)}).catch(()=>{});
const open=()=>{const ws=new WebSocket(url);
ws.onopen=()=>{delay=1000;root.dataset.live='on'};
ws.onmessage=e=>{const m=JSON.parse(e.data);if(m.type!=='global_alert')return;
const s=document.querySelector('[data-monitor="'+m.monitor_id+'"] [data-state]');
if(s){const up=m.event==='incident.resolved';s.className='state-'+(up?'up':'down');s.textContent=up?'Operational':'Down'}
clearTimeout(timer);timer=setTimeout(swap,1500)};
ws.onclose=()=>{root.dataset.live='off';swap();setTimeout(open,delay);delay=Math.min(delay*2,60000)}};
open()})();"#;

fn banner(overall: &str) -> &'static str {
    match overall {
        "operational" => "All systems operational",
        "degraded" => "Some systems are down",
        "major_outage" => "Major outage: all systems are down",
        _ => "Status not known yet",
    }
}

fn state_words(status: &str) -> &'static str {
    match status {
        "up" => "Operational",
        "down" => "Down",
        "paused" => "Paused",
        _ => "No data yet",
    }
}

/// One bar: a run of like days. Its markup is kept to ~28 bytes, since a page
/// of 20 monitors can hold 1,800 bars: the element's name is its colour
/// (`i` up, `b` degraded, `s` down, `q` maintenance, `u` no data) instead of a class, dates
/// are `MM-DD`, and a style is written only when the bar stands for several days.
fn bar(run: &Run) -> Markup {
    let day = |d: &str| d.get(5..).unwrap_or(d).to_string();
    let span = if run.days == 1 {
        day(&run.first.date)
    } else {
        format!("{} to {}", day(&run.first.date), day(&run.last.date))
    };
    // Two decimals, rounded down: a day short of 100 % never reads as 100 %.
    // (The 1e-6 keeps 99.95, stored as 99.94999…, at 99.95.)
    let percent = |pct: f64| format!("{}%", (pct * 100.0 + 1e-6).floor() / 100.0);
    let (tag, figure) = match (run.last.uptime_pct, run.last.status.as_deref()) {
        (_, Some("maintenance")) => ('q', "maintenance".to_string()),
        (Some(pct), Some("operational")) => ('i', percent(pct)),
        (Some(pct), Some("degraded")) => ('b', percent(pct)),
        (Some(pct), _) => ('s', percent(pct)),
        (None, Some("operational")) => ('i', "up".to_string()),
        (None, Some(_)) => ('s', "down".to_string()),
        (None, None) => ('u', "no data".to_string()),
    };
    // A run is drawn as its days, each as wide as a lone day's bar (see `.bars>[style]`).
    let width = if run.days > 1 {
        format!(r#" style="--n:{}""#, run.days)
    } else {
        String::new()
    };
    // maud cannot choose an element's name at run time, so the bar is written
    // here; the tooltip still goes through maud, which escapes it.
    let tooltip = html! { (span) " " (figure) }.into_string();
    PreEscaped(format!(r#"<{tag}{width} title="{tooltip}"></{tag}>"#))
}

fn monitor(m: &PublicMonitor) -> Markup {
    html! {
        li class="mon" data-monitor=(m.id) {
            div class="row" {
                span class="name" { (m.name) }
                span class={ "state-" (m.status) } data-state { (state_words(&m.status)) }
            }
            div class="bars" { @for run in runs(&m.days) { (bar(&run)) } }
            div class="scale muted" {
                span { "90 days ago" }
                span { @match m.uptime_pct { Some(pct) => { (pct) "% uptime" }, None => { "No uptime data yet" } } }
                span { "Today" }
            }
        }
    }
}

fn maintenance(m: &PublicMaintenance) -> Markup {
    let when = |iso: &str| iso.get(..16).unwrap_or(iso).replace('T', " ");
    html! {
        article {
            h3 { (m.title) " · " span class="muted" { @if m.status == "active" { "in progress" } @else { "scheduled" } } }
            p class="muted" {
                time datetime=(m.starts_at) { (when(&m.starts_at)) } " to "
                time datetime=(m.ends_at) { (when(&m.ends_at)) } " UTC"
            }
            @if let Some(description) = &m.description { p style="margin:.25rem 0 0" { (description) } }
        }
    }
}

fn incident(i: &PublicIncident) -> Markup {
    let lasted = i
        .resolved_at
        .as_deref()
        .and_then(millis_from_iso)
        .zip(millis_from_iso(&i.started_at))
        .map(|(end, start)| duration_words((end - start) / 1000));
    html! {
        article {
            h3 { (i.title) " · " span class="muted" { (i.status) } }
            p class="muted" {
                "Started " time datetime=(i.started_at) { (i.started_at[..16].replace('T', " ")) " UTC" }
                @if let Some(lasted) = lasted { ", resolved after " (lasted) }
                ". Impact: " (i.impact) "."
            }
            ol { @for u in &i.updates { li { strong { (u.status) } " — " (u.message) " " span class="muted" { "(" (u.created_at[11..16]) " UTC)" } } } }
            // The community's threads about it, in the dashboard's forum (read signed out).
            p { a href={ "/app/#/forum?incident_id=" (i.id) } { "Discussions" } }
        }
    }
}

pub fn render(page: &PublicPage, now_ms: i64) -> String {
    let by_id = |id: &String| page.monitors.iter().find(|m| &m.id == id);
    let updated = millis_from_iso(&page.updated_at).map_or(0, |at| (now_ms - at).max(0) / 1000);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (page.title) " status" }
                style { (PreEscaped(STYLE)) }
                noscript { meta http-equiv="refresh" content="60"; }
            }
            body {
                main {
                    h1 { (page.title) }
                    @if let Some(description) = &page.description { p class="muted" { (description) } }
                    div class={ "banner " (page.overall_status) } role="status" { (banner(&page.overall_status)) }
                    @for section in &page.sections {
                        @if let Some(name) = &section.name { h2 { (name) } }
                        ul class="card" style="list-style:none;margin:0;padding:0" {
                            @for m in section.monitor_ids.iter().filter_map(by_id) { (monitor(m)) }
                        }
                    }
                    @if !page.maintenances.is_empty() {
                        h2 { "Maintenance" }
                        div class="card" { @for m in &page.maintenances { (maintenance(m)) } }
                    }
                    h2 { "Incidents" }
                    div class="card" {
                        @if page.incidents.is_empty() { article { p class="muted" style="margin:0" { "No recent incidents." } } }
                        @for i in &page.incidents { (incident(i)) }
                    }
                    footer class="muted" {
                        "Updated " @if updated < 60 { "just now" } @else { (duration_words(updated)) " ago" }
                        " (" time datetime=(page.updated_at) { (page.updated_at[11..16]) " UTC" } ") · Powered by Pingwarden"
                    }
                }
                script { (PreEscaped(LIVE_SCRIPT)) }
            }
        }
    }
    .into_string()
}

pub fn not_found(slug: &str) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Status page not found" } style { (PreEscaped(STYLE)) } }
            body { main { h1 { "Status page not found" } p class="muted" { "There is no status page called “" (slug) "”." } } }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::status_page::Day;

    fn day(date: &str, uptime_pct: Option<f64>, status: Option<&'static str>) -> Day {
        Day {
            date: date.into(),
            uptime_pct,
            status: status.map(Into::into),
        }
    }

    #[test]
    fn a_bar_is_named_after_its_colour_and_says_its_day_in_words() {
        let cases = [
            (
                day("2026-11-03", Some(100.0), Some("operational")),
                r#"<i title="11-03 100%"></i>"#,
            ),
            (
                day("2026-11-03", Some(98.25), Some("degraded")),
                r#"<b title="11-03 98.25%"></b>"#,
            ),
            (
                day("2026-11-03", Some(0.0), Some("major_outage")),
                r#"<s title="11-03 0%"></s>"#,
            ),
            (day("2026-11-03", None, None), r#"<u title="11-03 no data"></u>"#),
        ];
        for (day, markup) in cases {
            let single = Run {
                first: &day,
                last: &day,
                days: 1,
            };
            assert_eq!(bar(&single).into_string(), markup);
        }
    }

    #[test]
    fn a_run_of_like_days_is_one_wider_bar() {
        let (first, last) = (
            day("2026-10-01", Some(100.0), Some("operational")),
            day("2026-10-09", Some(100.0), Some("operational")),
        );
        let run = Run {
            first: &first,
            last: &last,
            days: 9,
        };
        assert_eq!(
            bar(&run).into_string(),
            r#"<i style="--n:9" title="10-01 to 10-09 100%"></i>"#
        );
    }
}
