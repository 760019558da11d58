// One monitor: status, uptime over 24 h / 7 d / 30 d / 90 d, the response
// time by phase, the last results (or a heartbeat's pings, missed ones
// included), its incidents, and for a heartbeat how to ping it.

import { h, show, statusBadge, when, copyable, go } from "../dom.js";
import { get, post, remove } from "../api.js";
import { stackedBars } from "../charts.js";
import * as live from "../live.js";
import { target } from "./monitors.js";

const CHECKS_SHOWN = 60;
const WINDOWS = ["24h", "7d", "30d", "90d"];

/** A new heartbeat's ping URL, held for the page that follows its creation. */
export function rememberPingUrl(id, url) {
  sessionStorage.setItem(`ping-url:${id}`, url);
}

function uptimeCards(uptime) {
  return h("div", { class: "cards" }, WINDOWS.map((w) => {
    const figures = uptime.windows?.[w] ?? {};
    const pct = figures.uptime_pct;
    return h("div", { class: "card stat" },
      h("div", { class: "muted" }, `Uptime ${w.replace("h", " h").replace("d", " d")}`),
      h("div", { class: "big" }, pct === null || pct === undefined ? "—" : `${pct.toFixed(2)} %`),
      h("div", { class: "muted small" }, figures.avg_response_ms ? `avg ${Math.round(figures.avg_response_ms)} ms` : ""));
  }));
}

function checksTable(checks) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Time", "Result", "Code", "Total", "Error"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, checks.map((c) => h("tr", {},
      h("td", {}, when(c.checked_at)), h("td", {}, statusBadge(c.status)), h("td", {}, c.status_code ?? "—"),
      h("td", { class: "number" }, c.timings?.total_ms === null || c.timings?.total_ms === undefined ? "—" : `${c.timings.total_ms} ms`),
      h("td", {}, c.error ?? ""))))));
}

function pingsTable(pings) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Time", "Kind", "Exit code", "Duration", "Body"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, pings.map((p) => h("tr", { class: p.kind === "missed" ? "missed" : "" },
      h("td", {}, when(p.kind === "missed" ? p.expected_at : p.created_at)), h("td", {}, statusBadge(p.kind)),
      h("td", {}, p.exit_code ?? ""), h("td", {}, p.duration_ms ? `${p.duration_ms} ms` : ""),
      h("td", { class: "small" }, p.body ?? ""))))));
}

function pingHelp(ctx, monitor) {
  const url = sessionStorage.getItem(`ping-url:${monitor.id}`) ?? monitor.ping_url;
  const rotate = ctx.canWrite ? h("button", { type: "button", class: "secondary", onclick: async () => {
    if (!confirm("A new token stops the old ping URL at once. Go on?")) return;
    const answer = await post(`/api/v1/monitors/${monitor.id}/rotate-token`);
    rememberPingUrl(monitor.id, answer.data.ping_url);
    go(location.hash);
  } }, "New ping URL") : null;
  if (!url) {
    return h("section", { class: "card" }, h("h2", {}, "Ping URL"),
      h("p", {}, "The ping URL holds a secret token, shown once when the monitor was created. Lost it? Make a new one."), rotate);
  }
  const every = monitor.schedule ?? `*/${Math.max(1, Math.round(monitor.interval_seconds / 60))} * * * *`;
  return h("section", { class: "card" }, h("h2", {}, "Ping URL"),
    h("p", {}, "Copy it now: it is shown only here, after creation or a new token."),
    copyable(url),
    h("h3", {}, "From a script"), copyable(`curl -fsS -m 10 --retry 5 ${url}`),
    h("h3", {}, "From crontab"), copyable(`${every} /path/to/job.sh && curl -fsS -m 10 --retry 5 ${url}`),
    h("h3", {}, "Start and failure"), copyable(`curl -fsS ${url}/start; /path/to/job.sh; curl -fsS ${url}/$?`),
    rotate);
}

function controls(ctx, monitor) {
  if (!ctx.canWrite) return null;
  const paused = monitor.status === "paused";
  return h("div", { class: "actions" },
    h("a", { href: `#/monitors/${monitor.id}/edit`, class: "button" }, "Edit"),
    h("button", { type: "button", class: "secondary", onclick: async () => {
      await post(`/api/v1/monitors/${monitor.id}/${paused ? "resume" : "pause"}`);
      go(location.hash);
    } }, paused ? "Resume" : "Pause"),
    h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm(`Delete “${monitor.name}” and its history?`)) return;
      await remove(`/api/v1/monitors/${monitor.id}`);
      go("#/monitors");
    } }, "Delete"));
}

export async function show_(ctx, id) {
  const monitor = (await get(`/api/v1/monitors/${id}`)).data;
  const heartbeat = monitor.type === "heartbeat";
  const [uptime, history, incidents] = await Promise.all([
    get(`/api/v1/monitors/${id}/uptime`),
    get(`/api/v1/monitors/${id}/${heartbeat ? "pings" : "checks"}?limit=${CHECKS_SHOWN}`),
    get(`/api/v1/monitors/${id}/incidents?limit=20`),
  ]);
  const status = h("span", {}, statusBadge(monitor.status));
  const chart = h("div");
  const results = h("div");
  const render = (items) => {
    if (heartbeat) {
      show(results, items.length ? pingsTable(items) : h("p", { class: "empty" }, "No pings yet."));
    } else {
      show(chart, items.length ? stackedBars([...items].reverse()) : h("p", { class: "empty" }, "No checks yet."));
      show(results, checksTable(items.slice(0, 20)));
    }
  };
  render(history.data);

  show(ctx.main,
    h("p", {}, h("a", { href: "#/monitors" }, "← Monitors")),
    h("div", { class: "heading" }, h("h1", {}, monitor.name), status),
    h("p", { class: "muted" }, `${monitor.type} · ${target(monitor)}`, monitor.tags?.length ? " · " : "", (monitor.tags ?? []).map((t) => h("span", { class: "tag" }, t))),
    controls(ctx, monitor),
    uptimeCards(uptime.data),
    heartbeat ? pingHelp(ctx, monitor) : h("section", { class: "card" }, h("h2", {}, "Response time"), chart),
    h("section", { class: "card" }, h("h2", {}, heartbeat ? "Pings" : "Last results"), results),
    h("section", { class: "card" }, h("h2", {}, "Incidents"),
      incidents.data.length
        ? h("ul", { class: "plain" }, incidents.data.map((i) => h("li", {}, statusBadge(i.status), " ", h("a", { href: `#/incidents/${i.id}` }, i.title), " ", when(i.started_at ?? i.created_at))))
        : h("p", { class: "empty" }, "No incidents.")));

  let pending = null;
  ctx.onLeave(live.listen((message) => {
    if (message.monitor_id !== id) return;
    if (message.monitor_status || message.to) show(status, statusBadge(message.monitor_status ?? message.to));
    clearTimeout(pending);
    pending = setTimeout(async () => {
      render((await get(`/api/v1/monitors/${id}/${heartbeat ? "pings" : "checks"}?limit=${CHECKS_SHOWN}`)).data);
    }, 300);
  }));
  ctx.onLeave(() => clearTimeout(pending));
}

export { show_ as show };
