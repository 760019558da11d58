// Members and invitations of the organization.

import { h, show, field, form, when, copyable, go } from "../dom.js";
import { get, post, patch, remove } from "../api.js";

const ROLES = ["viewer", "member", "admin", "owner"].map((r) => [r, r]);

export async function list(ctx) {
  const org = ctx.me.organization.id;
  const members = await get(`/api/v1/organizations/${org}/members`);
  const invitations = ctx.isAdmin ? await get(`/api/v1/organizations/${org}/invitations`) : { data: [] };
  const link = h("div");
  const roleControl = (m) => {
    if (!ctx.isAdmin) return m.role;
    const id = `role-${m.user_id}`;
    return [h("label", { for: id, class: "visually-hidden" }, `Role of ${m.email}`),
      h("select", { id, onchange: async (e) => {
        try { await patch(`/api/v1/organizations/${org}/members/${m.user_id}`, { role: e.target.value }); }
        catch (error) { alert(error.message); go(location.hash); }
      } }, ROLES.map(([v]) => h("option", { value: v, selected: v === m.role }, v)))];
  };
  show(ctx.main, h("h1", {}, "Members"),
    h("div", { class: "table-wrap" }, h("table", {},
      h("thead", {}, h("tr", {}, ["Name", "Email", "Role", "Joined", ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, members.data.map((m) => h("tr", {},
        h("td", {}, m.name), h("td", {}, m.email), h("td", {}, roleControl(m)), h("td", {}, when(m.created_at)),
        h("td", {}, ctx.isAdmin || m.user_id === ctx.me.user.id ? h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm(`Remove ${m.email} from the organization?`)) return;
          await remove(`/api/v1/organizations/${org}/members/${m.user_id}`);
          go(location.hash);
        } }, m.user_id === ctx.me.user.id ? "Leave" : "Remove") : null)))))),
    ctx.isAdmin ? h("section", { class: "card" }, h("h2", {}, "Invite someone"),
      form([
        field("Email", "email", { type: "email", required: true }),
        field("Role", "role", { control: "select", options: ROLES, value: "member" }),
      ], async (data, element) => {
        const created = (await post(`/api/v1/organizations/${org}/invitations`, { email: data.get("email"), role: data.get("role") })).data;
        element.reset();
        show(link, h("div", { class: "notice" }, h("p", {}, `Send this link to ${created.email}: it is shown once.`), copyable(created.accept_url)));
      }, "Invite"),
      link,
      invitations.data.length ? [h("h3", {}, "Pending"), h("ul", { class: "plain" }, invitations.data.map((i) =>
        h("li", {}, `${i.email} (${i.role}), until `, when(i.expires_at), " ",
          h("button", { type: "button", class: "secondary", onclick: async () => {
            await remove(`/api/v1/organizations/${org}/invitations/${i.id}`);
            go(location.hash);
          } }, "Withdraw"))))] : null) : null);
}
