// The community forums (docs/FORUMS.md): the thread list with its sorts,
// category and title search; a thread with its posts, replies, upvotes and
// the accepted answer. Anyone reads them signed out; a signed-in account
// writes, whatever its organization.

import { h, show, field, form, when, go } from "../dom.js";
import { get, post } from "../api.js";

const CATEGORIES = [["general", "General"], ["outages", "Outages"], ["configurations", "Configurations"]];
const SORTS = [["newest", "Newest"], ["active", "Most active"], ["unanswered", "Unanswered"]];
/** What a thread may be about: its field, and how the page names it. */
const LINKS = [["service_id", "Service"], ["incident_id", "Incident"], ["host", "Host"]];

/** An author as the forums show one: name, the verified mark, points. */
function author(person) {
  return h("span", { class: "author" }, person.name ?? "someone",
    person.verified ? h("span", { class: "badge status-up", title: "Verified: 500 Knowledge Points or more" }, "verified") : null,
    h("span", { class: "muted" }, ` · ${person.points} pts`));
}

function threadRow(thread) {
  return h("tr", {},
    h("td", {}, thread.pinned ? h("span", { class: "tag" }, "pinned") : null,
      h("a", { href: `#/forum/${thread.id}` }, thread.title),
      thread.accepted_post_id ? h("span", { class: "badge status-up" }, "answered") : null,
      thread.locked ? h("span", { class: "tag" }, "locked") : null),
    h("td", {}, thread.category),
    h("td", {}, author(thread.author)),
    h("td", {}, String(thread.reply_count)),
    h("td", {}, when(thread.last_activity_at)));
}

/** The list's filters, kept in the address: `#/forum?sort=active&q=dns`. */
function filters() {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}

export async function list(ctx) {
  const chosen = filters();
  const query = new URLSearchParams({ limit: "50" });
  for (const name of ["sort", "category", "q", ...LINKS.map(([key]) => key)]) if (chosen.get(name)) query.set(name, chosen.get(name));
  // A link from a status page's incident (or a service, a host): its threads, and new ones about it.
  const about = LINKS.filter(([key]) => chosen.get(key)).map(([key, label]) => [key, label, chosen.get(key)]);
  const threads = await get(`/api/v1/forum/threads?${query}`);
  const filterForm = form([
    field("Sort", "sort", { control: "select", options: SORTS, value: chosen.get("sort") ?? "newest" }),
    field("In category", "category", { control: "select", options: [["", "All"], ...CATEGORIES], value: chosen.get("category") ?? "" }),
    field("Search titles", "q", { value: chosen.get("q") ?? "", maxlength: 100 }),
  ], async (data) => {
    const next = new URLSearchParams([...data, ...about.map(([key, , value]) => [key, value])].filter(([, value]) => value !== ""));
    go(`#/forum${next.size ? `?${next}` : ""}`);
  }, "Show");
  filterForm.classList.add("filters");
  const opener = ctx.me ? h("details", { class: "card" }, h("summary", {}, "Open a thread"),
    form([
      field("Title", "title", { required: true, maxlength: 200 }),
      field("Category", "category", { control: "select", options: CATEGORIES, value: "general" }),
      field("Message", "body", { control: "textarea", rows: 6, required: true, hint: "Markdown: **bold**, `code`, [links](https://…), lists, tables." }),
      field("Catalogue service (optional)", "service_id", { hint: "Its id, as in /api/v1/services", value: chosen.get("service_id") ?? "" }),
      field("Incident (optional)", "incident_id", { hint: "An incident of a public status page, or of your organization", value: chosen.get("incident_id") ?? "" }),
      field("Host (optional)", "host", { hint: "The host the thread is about, such as api.example.com", value: chosen.get("host") ?? "" }),
    ], async (data) => {
      const body = { title: data.get("title"), category: data.get("category"), body: data.get("body") };
      for (const [name] of LINKS) if (data.get(name)) body[name] = data.get(name);
      const created = (await post("/api/v1/forum/threads", body)).data;
      go(`#/forum/${created.id}`);
    }, "Open thread"))
    : h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to open a thread or reply.");
  show(ctx.main, h("h1", {}, "Community"),
    about.length
      ? h("p", {}, "Threads about ", about.map(([, label, value]) => h("span", { class: "tag" }, `${label}: ${value}`)), " · ",
        h("a", { href: "#/forum" }, "all threads"))
      : h("p", { class: "muted" }, "Outages, configurations and anything else, with everyone who runs Pingwarden."),
    opener, filterForm,
    threads.data.length
      ? h("div", { class: "table-wrap" }, h("table", {},
        h("thead", {}, h("tr", {}, ["Thread", "Category", "Started by", "Replies", "Last activity"].map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, threads.data.map(threadRow))))
      : h("p", { class: "empty" }, "No threads here yet."));
}

/**
 * A post's rendered markdown. The one place the dashboard inserts HTML: the
 * Worker made it from markdown with raw HTML off, every text escaped and
 * only http(s), mailto and relative URLs kept (src/domain/markdown.rs).
 */
function rendered(html) {
  const body = h("div", { class: "post-body" });
  body.innerHTML = html;
  return body;
}

/** A button that runs `action`, showing a refusal next to it. */
function actionButton(label, action) {
  const message = h("span", { class: "field-error", role: "alert" });
  const button = h("button", { type: "button", class: "secondary", onclick: async () => {
    message.textContent = "";
    try {
      await action();
      go(location.hash);
    } catch (error) {
      message.textContent = error.message;
    }
  } }, label);
  return h("span", {}, button, " ", message);
}

function postCard(ctx, thread, item) {
  const mine = ctx.me?.user?.id === item.author.id;
  const open = ctx.me && !thread.locked;
  const controls = [
    open && !mine ? actionButton("Upvote", () => post(`/api/v1/forum/posts/${item.id}/vote`)) : null,
    open && !item.opening && !item.accepted && ctx.me.user.id === thread.author.id
      ? actionButton("Accept as answer", () => post(`/api/v1/forum/threads/${thread.id}/accept`, { post_id: item.id }))
      : null,
  ].filter(Boolean);
  return h("article", { class: `card post${item.accepted ? " accepted" : ""}`, dataset: { post: item.id } },
    h("p", { class: "muted" }, author(item.author), " · ", when(item.created_at),
      item.edited_at ? " · edited" : null,
      item.accepted ? h("span", { class: "badge status-up" }, "accepted answer") : null),
    rendered(item.body_html),
    h("p", { class: "muted" }, `Score ${item.score}`, controls.length ? [" · ", controls] : null));
}

export async function show_(ctx, id) {
  const thread = (await get(`/api/v1/forum/threads/${id}?limit=200`)).data;
  const links = [
    thread.service_id ? ["Service", thread.service_id] : null,
    thread.host ? ["Host", thread.host] : null,
    thread.incident_id ? ["Incident", thread.incident_id] : null,
  ].filter(Boolean);
  const replying = !ctx.me ? h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to reply.")
    : thread.locked ? h("p", { class: "muted" }, "This thread is locked: it takes no more replies.")
      : h("section", { class: "card" }, h("h2", {}, "Reply"),
        form([field("Your reply", "body", { control: "textarea", rows: 5, required: true, hint: "Markdown." })],
          async (data) => {
            await post(`/api/v1/forum/threads/${id}/posts`, { body: data.get("body") });
            go(location.hash);
          }, "Post reply"));
  show(ctx.main,
    h("p", {}, h("a", { href: "#/forum" }, "← Community")),
    h("div", { class: "heading" }, h("h1", {}, thread.title), h("span", { class: "tag" }, thread.category)),
    links.length ? h("p", { class: "muted" }, links.map(([label, value]) => h("span", { class: "tag" }, `${label}: ${value}`))) : null,
    thread.posts.map((item) => postCard(ctx, thread, item)),
    replying);
}

export { show_ as show };
