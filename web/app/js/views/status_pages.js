// Status pages: create one, choose its monitors, preview and link it.

import { h, show, field, form, go } from "../dom.js";
import { get, post, patch, remove } from "../api.js";

function pageFields(page, monitors) {
  const chosen = new Set(page.monitor_ids ?? []);
  return [
    field("Title", "title", { required: true, value: page.title ?? "" }),
    field("Slug", "slug", { required: true, value: page.slug ?? "", hint: "The address: /status/<slug>", pattern: "[a-z0-9-]+" }),
    field("Description", "description", { control: "textarea", rows: 2, value: page.description ?? "" }),
    h("fieldset", { class: "field", dataset: { field: "monitor_ids" } },
      h("legend", {}, "Monitors shown"),
      monitors.map((m) => h("label", { class: "check" },
        h("input", { type: "checkbox", name: "monitor_ids", value: m.id, checked: chosen.has(m.id) }), ` ${m.name}`)),
      h("p", { class: "field-error", role: "alert" })),
  ];
}

function body(data) {
  return {
    title: data.get("title"), slug: data.get("slug"),
    description: data.get("description") || null, monitor_ids: data.getAll("monitor_ids"),
  };
}

export async function list(ctx) {
  const [pages, monitors] = await Promise.all([get("/api/v1/status-pages"), get("/api/v1/monitors?limit=200")]);
  const creator = ctx.canWrite ? h("details", { class: "card" }, h("summary", {}, "New status page"),
    form(pageFields({}, monitors.data), async (data) => {
      const created = (await post("/api/v1/status-pages", body(data))).data;
      go(`#/status-pages/${created.id}`);
    }, "Create status page")) : null;
  show(ctx.main, h("h1", {}, "Status pages"), creator,
    pages.data.length
      ? h("ul", { class: "plain cards" }, pages.data.map((p) => h("li", { class: "card" },
        h("h2", {}, h("a", { href: `#/status-pages/${p.id}` }, p.title)),
        h("p", {}, h("a", { href: p.url, target: "_blank", rel: "noopener" }, p.url)),
        h("p", { class: "muted" }, `${p.monitor_ids.length} monitors`))))
      : h("p", { class: "empty" }, "No status pages yet."));
}

export async function edit(ctx, id) {
  const [page, monitors] = await Promise.all([get(`/api/v1/status-pages/${id}`), get("/api/v1/monitors?limit=200")]);
  const p = page.data;
  const editor = ctx.canWrite ? form(pageFields(p, monitors.data), async (data) => {
    await patch(`/api/v1/status-pages/${id}`, body(data));
    go(location.hash);
  }, "Save") : null;
  const remover = ctx.canWrite ? h("button", { type: "button", class: "danger", onclick: async () => {
    if (!confirm(`Delete the status page “${p.title}”?`)) return;
    await remove(`/api/v1/status-pages/${id}`);
    go("#/status-pages");
  } }, "Delete") : null;
  show(ctx.main,
    h("p", {}, h("a", { href: "#/status-pages" }, "← Status pages")),
    h("h1", {}, p.title),
    h("p", {}, "Public at ", h("a", { href: p.url, target: "_blank", rel: "noopener" }, p.url)),
    editor ? h("section", { class: "card" }, editor, remover) : null,
    h("section", { class: "card" }, h("h2", {}, "Preview"),
      h("iframe", { src: `/status/${p.slug}`, title: `Preview of ${p.title}`, class: "preview", loading: "lazy" })));
}
