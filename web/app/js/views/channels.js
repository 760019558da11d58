// Notification channels: add one (its kind's address, and any other
// setting as JSON), send a test, read the delivery log and retry.

import { h, show, field, form, statusBadge, when, copyable, go } from "../dom.js";
import { get, post, remove } from "../api.js";

const KINDS = ["webhook", "slack", "discord", "teams", "google_chat", "telegram", "pagerduty", "opsgenie", "ntfy", "pushover", "gotify", "matrix", "email"];

export async function list(ctx) {
  const channels = await get("/api/v1/channels");
  const creator = ctx.canWrite ? h("details", { class: "card" }, h("summary", {}, "New channel"),
    h("p", { class: "muted" }, "Each kind's settings are in ", h("code", {}, "docs/CHANNELS.md"), "."),
    form([
      field("Name", "name", { required: true }),
      field("Kind", "kind", { control: "select", options: KINDS.map((k) => [k, k]), value: "webhook" }),
      field("URL", "url", { type: "url", hint: "The webhook or server address, for the kinds that have one" }),
      field("Other settings (JSON)", "settings", { control: "textarea", rows: 3, placeholder: '{"chat_id": "…", "bot_token": "…"}' }),
    ], async (data) => {
      let extra = {};
      if (data.get("settings").trim()) {
        try { extra = JSON.parse(data.get("settings")); } catch (error) {
          throw Object.assign(new Error(`not JSON: ${error.message}`), { status: 422, field: "settings" });
        }
      }
      const body = { ...extra, name: data.get("name"), kind: data.get("kind") };
      if (data.get("url")) body.url = data.get("url");
      const created = (await post("/api/v1/channels", body)).data;
      // A webhook's signing secret is in this answer only: shown once, on the next page.
      if (created.signing_secret) sessionStorage.setItem(`signing-secret:${created.id}`, created.signing_secret);
      go(`#/channels/${created.id}`);
    }, "Add channel")) : null;
  show(ctx.main, h("h1", {}, "Notification channels"), creator,
    channels.data.length
      ? h("ul", { class: "plain" }, channels.data.map((c) => h("li", { class: "card" },
        h("a", { href: `#/channels/${c.id}` }, c.name), " ", h("span", { class: "tag" }, c.kind),
        c.enabled === false ? h("span", { class: "muted" }, " (off)") : null)))
      : h("p", { class: "empty" }, "No channels: nobody hears when a monitor goes down."));
}

function lastAnswer(attempt) {
  if (!attempt) return "";
  return attempt.error ?? `HTTP ${attempt.status_code}${attempt.latency_ms === null ? "" : ` in ${attempt.latency_ms} ms`}`;
}

function deliveriesTable(ctx, deliveries) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Time", "Event", "Status", "Attempts", "Answer", ""].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, deliveries.map((d) => h("tr", {},
      h("td", {}, when(d.created_at)), h("td", {}, d.event), h("td", {}, statusBadge(d.status)),
      h("td", { class: "number" }, d.attempts.length), h("td", { class: "small" }, lastAnswer(d.attempts.at(-1))),
      h("td", {}, ctx.canWrite && d.status === "failed" ? h("button", { type: "button", class: "secondary", onclick: async () => {
        await post(`/api/v1/deliveries/${d.id}/retry`);
        go(location.hash);
      } }, "Retry") : null))))));
}

export async function show_(ctx, id) {
  const [channel, deliveries] = await Promise.all([get(`/api/v1/channels/${id}`), get(`/api/v1/channels/${id}/deliveries?limit=50`)]);
  const c = channel.data;
  const note = h("p", { role: "status" });
  const actions = ctx.canWrite ? h("div", { class: "actions" },
    h("button", { type: "button", onclick: async () => {
      note.textContent = "Sending…";
      try {
        await post(`/api/v1/channels/${id}/test`);
        note.textContent = "Test sent: it is in the log below.";
        setTimeout(() => go(location.hash), 800);
      } catch (error) { note.textContent = `Not sent: ${error.message}`; }
    } }, "Send a test"),
    h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm(`Delete the channel “${c.name}”?`)) return;
      await remove(`/api/v1/channels/${id}`);
      go("#/channels");
    } }, "Delete")) : null;
  const settings = Object.entries(c).filter(([k]) => !["id", "name", "kind", "created_at", "updated_at"].includes(k));
  const secret = sessionStorage.getItem(`signing-secret:${id}`);
  sessionStorage.removeItem(`signing-secret:${id}`);
  show(ctx.main,
    h("p", {}, h("a", { href: "#/channels" }, "← Channels")),
    h("div", { class: "heading" }, h("h1", {}, c.name), h("span", { class: "tag" }, c.kind)),
    secret ? h("div", { class: "notice" }, h("p", {}, h("strong", {}, "The signing secret, shown once: receivers verify each delivery with it.")), copyable(secret)) : null,
    actions, note,
    h("section", { class: "card" }, h("h2", {}, "Settings"),
      h("dl", {}, settings.map(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]))),
    h("section", { class: "card" }, h("h2", {}, "Delivery log"),
      deliveries.data.length ? deliveriesTable(ctx, deliveries.data) : h("p", { class: "empty" }, "Nothing sent yet.")));
}

export { show_ as show };
