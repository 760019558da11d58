// The dashboard's shell: who is signed in (GET /api/v1/me), the navigation,
// and a hash router (`#/monitors/mon_…`) so that every screen is one static
// page, served as it is by the Worker's static assets.

import { h, show } from "./dom.js";
import { get, ApiError, chooseOrganization, chosenOrganization } from "./api.js";
import * as auth from "./views/auth.js";
import * as monitors from "./views/monitors.js";
import * as monitor from "./views/monitor.js";
import * as monitorForm from "./views/monitor_form.js";
import * as incidents from "./views/incidents.js";
import * as statusPages from "./views/status_pages.js";
import * as channels from "./views/channels.js";
import * as keys from "./views/keys.js";
import * as members from "./views/members.js";
import * as settings from "./views/settings.js";
import * as forum from "./views/forum.js";

const ID = "([A-Za-z0-9_]+)";
// The forums are public: read signed out too.
const FORUM = [
  [/^#\/forum(?:\?.*)?$/, forum.list],
  [new RegExp(`^#/forum/${ID}$`), forum.show],
];
const SIGNED_IN = [
  [/^#\/(?:monitors)?$/, monitors.list],
  [/^#\/monitors\/new$/, monitorForm.create],
  [new RegExp(`^#/monitors/${ID}/edit$`), monitorForm.edit],
  [new RegExp(`^#/monitors/${ID}$`), monitor.show],
  [/^#\/incidents$/, incidents.list],
  [new RegExp(`^#/incidents/${ID}$`), incidents.show],
  [/^#\/status-pages$/, statusPages.list],
  [new RegExp(`^#/status-pages/${ID}$`), statusPages.edit],
  [/^#\/channels$/, channels.list],
  [new RegExp(`^#/channels/${ID}$`), channels.show],
  [/^#\/keys$/, keys.list],
  [/^#\/members$/, members.list],
  [/^#\/settings$/, settings.show],
  ...FORUM,
];
const SIGNED_OUT = [
  ...FORUM,
  [/^#\/signup$/, auth.signUp],
  [/^.*$/, auth.signIn],
];

const main = document.getElementById("view");
const nav = document.getElementById("nav");
let leaving = [];

/** What every view is given. */
function context(me) {
  const role = me?.organization?.role ?? null;
  return {
    me,
    main,
    role,
    canWrite: ["owner", "admin", "member"].includes(role),
    isAdmin: ["owner", "admin"].includes(role),
    onLeave: (callback) => leaving.push(callback),
    refresh: () => route(),
  };
}

async function whoAmI() {
  try {
    return (await get("/api/v1/me")).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && chosenOrganization()) {
      chooseOrganization(null); // that organization is gone, or we left it
      return whoAmI();
    }
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

function navigation(me) {
  if (!me) {
    show(nav, h("a", { href: "#/signin" }, "Sign in"), h("a", { href: "#/signup" }, "Create account"),
      h("a", { href: "#/forum" }, "Community"));
    return;
  }
  const links = [
    ["#/monitors", "Monitors"], ["#/incidents", "Incidents"], ["#/status-pages", "Status pages"],
    ["#/channels", "Channels"], ["#/keys", "API keys"], ["#/members", "Members"], ["#/settings", "Settings"], ["#/forum", "Community"],
  ];
  const here = location.hash || "#/monitors";
  show(nav, links.map(([href, text]) =>
    h("a", { href, "aria-current": here.startsWith(href) ? "page" : false }, text)),
    h("button", { type: "button", class: "link", onclick: auth.signOut }, "Sign out"));
}

async function route() {
  leaving.forEach((callback) => callback());
  leaving = [];
  let me;
  try {
    me = await whoAmI();
  } catch (error) {
    show(main, h("p", { class: "form-error", role: "alert" }, `The API answered: ${error.message}`));
    return;
  }
  navigation(me);
  const hash = location.hash || (me ? "#/monitors" : "#/signin");
  const table = me ? SIGNED_IN : SIGNED_OUT;
  const match = table.map(([pattern, view]) => [hash.match(pattern), view]).find(([found]) => found);
  if (!match) {
    show(main, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/monitors" }, "Back to the monitors")));
    return;
  }
  const [found, view] = match;
  try {
    await view(context(me), ...found.slice(1));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return route();
    show(main, h("h1", {}, "Something went wrong"), h("p", { class: "form-error", role: "alert" }, error.message));
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
route();
