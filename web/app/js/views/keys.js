// API keys: create one (its secret is shown once) and revoke.

import { h, show, field, form, when, copyable, go } from "../dom.js";
import { get, post, remove } from "../api.js";

export async function list(ctx) {
  if (!ctx.isAdmin) {
    show(ctx.main, h("h1", {}, "API keys"), h("p", { class: "empty" }, "Only owners and admins manage API keys."));
    return;
  }
  const keys = await get("/api/v1/api-keys");
  const secret = h("div");
  const table = h("div", {}, rows(keys.data));
  show(ctx.main, h("h1", {}, "API keys"),
    h("section", { class: "card" }, h("h2", {}, "New key"),
      form([
        field("Name", "name", { required: true }),
        field("Scopes", "scopes", { control: "select", options: [["read", "read"], ["read,write", "read and write"]], value: "read" }),
      ], async (data, element) => {
        const created = (await post("/api/v1/api-keys", { name: data.get("name"), scopes: data.get("scopes").split(",") })).data;
        element.reset();
        show(secret, h("div", { class: "notice" }, h("p", {}, h("strong", {}, `${created.name}: copy the key now, it is not shown again.`)), copyable(created.key)));
        const fresh = await get("/api/v1/api-keys");
        show(table, rows(fresh.data));
      }, "Create key"),
      secret),
    h("section", { class: "card" }, h("h2", {}, "Keys"), table));

  function rows(list) {
    if (!list.length) return h("p", { class: "empty" }, "No keys yet.");
    return h("table", {},
      h("thead", {}, h("tr", {}, ["Name", "Prefix", "Scopes", "Created", "Last used", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((k) => h("tr", {},
        h("td", {}, k.name), h("td", {}, h("code", {}, k.prefix)), h("td", {}, k.scopes.join(", ")),
        h("td", {}, when(k.created_at)), h("td", {}, when(k.last_used_at)),
        h("td", {}, h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm(`Revoke “${k.name}”? Requests with it fail at once.`)) return;
          await remove(`/api/v1/api-keys/${k.id}`);
          go(location.hash);
        } }, "Revoke"))))));
  }
}
