// The monitor list: status, latency, 24 h uptime and a sparkline per
// monitor, kept current by the live stream (polling every 30 s without it),
// with filters by tag, type and status.

import { h, show, statusBadge } from "../dom.js";
import { get } from "../api.js";
import { sparkline } from "../charts.js";
import * as live from "../live.js";

const POLL_MS = 30_000;
const SPARK_POINTS = 30;

async function allMonitors() {
  const monitors = [];
  let cursor = "";
  do {
    const page = await get(`/api/v1/monitors?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    monitors.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return monitors;
}

export function target(monitor) {
  if (monitor.type === "http") return monitor.url;
  if (monitor.type === "tcp") return `${monitor.host}:${monitor.port}`;
  if (monitor.type === "dns") return `${monitor.host} ${monitor.record_type ?? ""}`;
  return monitor.schedule ? `cron ${monitor.schedule}` : `every ${monitor.interval_seconds} s`;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${value.toFixed(2)} %`;
}

export async function list(ctx) {
  const [monitors, summaries] = await Promise.all([allMonitors(), get("/api/v1/monitors/summary")]);
  const summary = new Map(summaries.data.map((s) => [s.id, s]));
  const rows = new Map();
  const filters = { tag: "", type: "", status: "" };

  const tags = [...new Set(monitors.flatMap((m) => m.tags ?? []))].sort();
  const select = (name, label, options) => {
    const id = `filter-${name}`;
    return h("div", { class: "field inline" },
      h("label", { for: id }, label),
      h("select", { id, onchange: (e) => { filters[name] = e.target.value; applyFilters(); } },
        h("option", { value: "" }, "All"), options.map((o) => h("option", { value: o }, o))));
  };

  const body = h("tbody");
  for (const monitor of monitors) {
    const s = summary.get(monitor.id) ?? {};
    const row = {
      monitor,
      points: [],
      status: h("td", {}, statusBadge(monitor.status)),
      latency: h("td", { class: "number", title: "Today's average until a check arrives" },
        s.avg_response_ms === null || s.avg_response_ms === undefined ? "—" : `~${s.avg_response_ms} ms`),
      spark: h("td", {}, sparkline([])),
    };
    row.element = h("tr", { dataset: { id: monitor.id, status: monitor.status, type: monitor.type, tags: (monitor.tags ?? []).join(" ") } },
      row.status,
      h("td", {}, h("a", { href: `#/monitors/${monitor.id}` }, monitor.name), h("div", { class: "muted small" }, target(monitor))),
      h("td", {}, monitor.type),
      row.latency,
      h("td", { class: "number" }, percent(s.uptime_24h_pct)),
      row.spark,
      h("td", {}, (monitor.tags ?? []).map((t) => h("span", { class: "tag" }, t))));
    rows.set(monitor.id, row);
    body.append(row.element);
  }

  function applyFilters() {
    for (const { monitor, element } of rows.values()) {
      const visible = (!filters.tag || (monitor.tags ?? []).includes(filters.tag))
        && (!filters.type || monitor.type === filters.type)
        && (!filters.status || element.dataset.status === filters.status);
      element.hidden = !visible;
    }
  }

  function onMessage(message) {
    const row = rows.get(message.monitor_id);
    if (!row) return;
    if (message.type === "telemetry_tick") {
      if (message.monitor_status) setStatus(row, message.monitor_status);
      if (message.latency_ms !== null && message.latency_ms !== undefined) {
        row.latency.textContent = `${message.latency_ms} ms`;
        row.latency.title = "Latest check";
      }
      if (message.kind === "check") {
        row.points = [...row.points, { ms: message.latency_ms, up: message.status === "up" }].slice(-SPARK_POINTS);
        show(row.spark, sparkline(row.points));
      }
    } else if (message.type === "status_changed") {
      setStatus(row, message.to);
    }
  }

  function setStatus(row, status) {
    row.element.dataset.status = status;
    show(row.status, statusBadge(status));
    applyFilters();
  }

  const newLink = ctx.canWrite ? h("a", { href: "#/monitors/new", class: "button" }, "New monitor") : null;
  show(ctx.main,
    h("div", { class: "heading" }, h("h1", {}, "Monitors"), newLink),
    h("p", { class: "muted" }, `${ctx.me.organization.usage?.monitors?.used ?? monitors.length} of ${ctx.me.organization.limits?.max_monitors ?? "∞"} monitors on the ${ctx.me.organization.plan} plan`),
    h("div", { class: "filters" },
      select("tag", "Tag", tags),
      select("type", "Type", ["http", "tcp", "dns", "heartbeat"]),
      select("status", "Status", ["up", "down", "pending", "paused"])),
    monitors.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "monitors" },
        h("thead", {}, h("tr", {}, ["Status", "Name", "Type", "Latency", "Uptime 24 h", "Response times", "Tags"].map((c) => h("th", { scope: "col" }, c)))),
        body))
      : h("p", { class: "empty" }, "No monitors yet. ", newLink ? "Add one with “New monitor”." : ""));

  ctx.onLeave(live.listen(onMessage));
  // Without the stream (a proxy that drops WebSockets), poll.
  const poll = setInterval(async () => {
    if (live.connected) return;
    for (const monitor of await allMonitors()) {
      const row = rows.get(monitor.id);
      if (row && row.element.dataset.status !== monitor.status) setStatus(row, monitor.status);
    }
  }, POLL_MS);
  ctx.onLeave(() => clearInterval(poll));
}
