// Create and edit forms for HTTP, TCP, DNS and heartbeat monitors. The API
// validates; its message for a field is shown next to that field.

import { h, show, field, form, go } from "../dom.js";
import { get, post, patch } from "../api.js";
import { rememberPingUrl } from "./monitor.js";

const KINDS = [["http", "HTTP(S)"], ["tcp", "TCP port"], ["dns", "DNS record"], ["heartbeat", "Heartbeat (cron job)"]];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map((m) => [m, m]);
const RECORDS = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "CAA", "SRV", "PTR"].map((r) => [r, r]);

const list = (text) => text.split(",").map((t) => t.trim()).filter(Boolean);
const lines = (object) => Object.entries(object ?? {}).map(([k, v]) => `${k}: ${v}`).join("\n");

function headers(text) {
  const result = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const colon = line.indexOf(":");
    if (colon < 1) throw Object.assign(new Error(`“${line}” is not “Name: value”`), { status: 422, field: "headers" });
    result[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return result;
}

/** The fields of one kind of monitor, filled from `m` when editing. */
function kindFields(kind, m = {}) {
  const v = (name) => m[name] ?? "";
  switch (kind) {
    case "http": return [
      field("URL", "url", { type: "url", required: true, value: v("url"), placeholder: "https://example.com/health" }),
      field("Method", "method", { control: "select", options: METHODS, value: m.method ?? "GET" }),
      field("Expected status codes", "expected_status_codes", { value: (m.expected_status_codes ?? ["2xx", "3xx"]).join(", "), hint: "Comma-separated: 200, 2xx, 301" }),
      field("Keyword", "keyword", { value: v("keyword"), hint: "The body must contain it (optional)" }),
      field("Headers", "headers", { control: "textarea", rows: 3, value: lines(m.headers), hint: "One “Name: value” per line; saved values show as ********" }),
      field("Body", "body", { control: "textarea", rows: 3, value: v("body") }),
      field("Timeout (ms)", "timeout_ms", { type: "number", min: 1, value: v("timeout_ms") }),
      field("Failures before down", "failure_threshold", { type: "number", min: 1, value: v("failure_threshold") }),
    ];
    case "tcp": return [
      field("Host", "host", { required: true, value: v("host") }),
      field("Port", "port", { type: "number", min: 1, max: 65535, required: true, value: v("port") }),
      field("Timeout (ms)", "timeout_ms", { type: "number", min: 1, value: v("timeout_ms") }),
    ];
    case "dns": return [
      field("Host", "host", { required: true, value: v("host") }),
      field("Record type", "record_type", { control: "select", options: RECORDS, value: m.record_type ?? "A" }),
      field("Expected values", "expected_values", { value: (m.expected_values ?? []).join(", "), hint: "Comma-separated (optional)" }),
    ];
    default: return [
      field("Grace (seconds)", "grace_seconds", { type: "number", min: 1, value: v("grace_seconds"), hint: "How late a ping may be" }),
      field("Cron schedule", "schedule", { value: v("schedule"), hint: "Instead of the interval, e.g. 0 3 * * * (optional)" }),
      field("Time zone", "timezone", { value: v("timezone"), placeholder: "UTC" }),
    ];
  }
}

/** The request body from the form: what is empty is left out (or reset to null when editing). */
function values(kind, data, editing) {
  const body = {};
  const text = (name) => {
    const value = (data.get(name) ?? "").trim();
    if (value) body[name] = value;
    else if (editing && data.has(name)) body[name] = null;
  };
  const number = (name) => {
    const value = (data.get(name) ?? "").trim();
    if (value) body[name] = Number(value);
  };
  text("name");
  number("interval_seconds");
  body.tags = list(data.get("tags") ?? "");
  if (kind === "http") {
    text("url"); text("method"); text("keyword"); text("body");
    body.expected_status_codes = list(data.get("expected_status_codes") ?? "");
    body.headers = headers(data.get("headers") ?? "");
    number("timeout_ms"); number("failure_threshold");
  } else if (kind === "tcp") {
    text("host"); number("port"); number("timeout_ms");
  } else if (kind === "dns") {
    text("host"); text("record_type");
    const expected = list(data.get("expected_values") ?? "");
    if (expected.length || editing) body.expected_values = expected;
  } else {
    number("grace_seconds"); text("schedule"); text("timezone");
  }
  return body;
}

function monitorForm(kind, m, save, label) {
  return form([
    field("Name", "name", { required: true, value: m.name ?? "" }),
    field(kind === "heartbeat" ? "Period (seconds)" : "Interval (seconds)", "interval_seconds", { type: "number", min: 1, value: m.interval_seconds ?? 60 }),
    field("Tags", "tags", { value: (m.tags ?? []).join(", "), hint: "Comma-separated" }),
    kindFields(kind, m),
  ], save, label);
}

export async function create(ctx) {
  const holder = h("div");
  const kindField = field("Type", "type", { control: "select", options: KINDS, value: "http" });
  const render = () => {
    const kind = kindField.querySelector("select").value;
    show(holder, monitorForm(kind, {}, async (data) => {
      const created = (await post("/api/v1/monitors", { type: kind, ...values(kind, data, false) })).data;
      if (created.ping_url) rememberPingUrl(created.id, created.ping_url);
      go(`#/monitors/${created.id}`);
    }, "Create monitor"));
  };
  kindField.querySelector("select").addEventListener("change", render);
  render();
  show(ctx.main, h("p", {}, h("a", { href: "#/monitors" }, "← Monitors")), h("h1", {}, "New monitor"), h("div", { class: "card" }, kindField, holder));
}

export async function edit(ctx, id) {
  const m = (await get(`/api/v1/monitors/${id}`)).data;
  show(ctx.main,
    h("p", {}, h("a", { href: `#/monitors/${id}` }, `← ${m.name}`)),
    h("h1", {}, `Edit ${m.name}`),
    h("div", { class: "card" }, monitorForm(m.type, m, async (data) => {
      await patch(`/api/v1/monitors/${id}`, values(m.type, data, true));
      go(`#/monitors/${id}`);
    }, "Save")));
}
