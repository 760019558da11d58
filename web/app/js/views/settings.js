// The organization: plan, limits and usage; which organization to act in.

import { h, show, field } from "../dom.js";
import { chooseOrganization } from "../api.js";
import * as live from "../live.js";

export async function show_(ctx) {
  const { user, organization, organizations } = ctx.me;
  const switcher = field("Organization", "organization", {
    control: "select", options: organizations.map((o) => [o.id, `${o.name} (${o.role})`]), value: organization.id,
  });
  switcher.querySelector("select").addEventListener("change", (e) => {
    chooseOrganization(e.target.value);
    live.close();
    location.hash = "#/monitors";
  });
  const limits = Object.entries(organization.limits ?? {});
  const usage = organization.usage?.monitors;
  show(ctx.main, h("h1", {}, "Settings"),
    h("section", { class: "card" }, h("h2", {}, "You"), h("p", {}, `${user.name} · ${user.email}`)),
    h("section", { class: "card" }, h("h2", {}, "Organization"), switcher,
      h("p", {}, `Your role: ${organization.role}`)),
    h("section", { class: "card" }, h("h2", {}, `Plan: ${organization.plan}`),
      usage ? h("p", {}, h("label", { for: "usage" }, `Monitors: ${usage.used} of ${usage.allowed} `),
        h("meter", { id: "usage", min: 0, max: usage.allowed, value: usage.used })) : null,
      h("dl", {}, limits.map(([k, v]) => [h("dt", {}, k.replaceAll("_", " ")), h("dd", {}, String(v))]))));
}

export { show_ as show };
