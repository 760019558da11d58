// Incidents: the list (open first), opening one by hand, posting updates
// and resolving.

import { h, show, field, form, statusBadge, when, go } from "../dom.js";
import { get, post, patch } from "../api.js";

const STATUSES = ["investigating", "identified", "monitoring", "resolved"].map((s) => [s, s]);
const IMPACTS = ["none", "minor", "major", "critical"].map((s) => [s, s]);

function incidentRow(incident) {
  return h("tr", {},
    h("td", {}, statusBadge(incident.status)),
    h("td", {}, h("a", { href: `#/incidents/${incident.id}` }, incident.title)),
    h("td", {}, incident.impact), h("td", {}, incident.kind ?? ""),
    h("td", {}, when(incident.started_at)), h("td", {}, when(incident.resolved_at)));
}

export async function list(ctx) {
  const [incidents, monitors] = await Promise.all([get("/api/v1/incidents?limit=100"), get("/api/v1/monitors?limit=200")]);
  const opener = ctx.canWrite ? h("details", { class: "card" }, h("summary", {}, "Open an incident"),
    form([
      field("Title", "title", { required: true }),
      field("Impact", "impact", { control: "select", options: IMPACTS, value: "minor" }),
      field("Message", "message", { control: "textarea", rows: 3 }),
      field("Monitors", "monitor_ids", { control: "select", options: monitors.data.map((m) => [m.id, m.name]), multiple: true, size: Math.min(6, Math.max(2, monitors.data.length)) }),
    ], async (data) => {
      const body = { title: data.get("title"), impact: data.get("impact"), monitor_ids: data.getAll("monitor_ids") };
      if (data.get("message")) body.message = data.get("message");
      const created = (await post("/api/v1/incidents", body)).data;
      go(`#/incidents/${created.id}`);
    }, "Open incident")) : null;
  show(ctx.main, h("h1", {}, "Incidents"), opener,
    incidents.data.length
      ? h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, ["Status", "Title", "Impact", "Kind", "Started", "Resolved"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, incidents.data.map(incidentRow))))
      : h("p", { class: "empty" }, "No incidents. Monitors open one when they go down."));
}

export async function show_(ctx, id) {
  const incident = (await get(`/api/v1/incidents/${id}`)).data;
  const open = incident.status !== "resolved";
  const updater = ctx.canWrite && open ? h("section", { class: "card" }, h("h2", {}, "Post an update"),
    form([
      field("Status", "status", { control: "select", options: STATUSES, value: incident.status }),
      field("Message", "message", { control: "textarea", rows: 3, required: true }),
    ], async (data) => {
      await post(`/api/v1/incidents/${id}/updates`, { status: data.get("status"), message: data.get("message") });
      go(location.hash);
    }, "Post update"),
    h("button", { type: "button", class: "secondary", onclick: async () => {
      await patch(`/api/v1/incidents/${id}`, { status: "resolved" });
      go(location.hash);
    } }, "Resolve")) : null;
  show(ctx.main,
    h("p", {}, h("a", { href: "#/incidents" }, "← Incidents")),
    h("div", { class: "heading" }, h("h1", {}, incident.title), statusBadge(incident.status)),
    h("p", { class: "muted" }, `Impact ${incident.impact} · started `, when(incident.started_at),
      incident.resolved_at ? [" · resolved ", when(incident.resolved_at)] : null),
    incident.cause ? h("p", {}, `Cause: ${incident.cause}`) : null,
    h("p", {}, incident.monitor_ids.map((m) => h("a", { href: `#/monitors/${m}`, class: "tag" }, m))),
    updater,
    h("section", { class: "card" }, h("h2", {}, "Timeline"),
      h("ol", { class: "timeline" }, (incident.updates ?? []).map((u) =>
        h("li", {}, statusBadge(u.status), " ", when(u.created_at), h("p", {}, u.message))))));
}

export { show_ as show };
