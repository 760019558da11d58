// The dashboard in a real browser: Debian's Chromium driven by
// playwright-core (both pinned: package.json, scripts/install-tools.sh),
// against the Worker the end-to-end suite serves (PW_BASE_URL). Run by
// tests/e2e/dashboard.rs; alone: `PW_BASE_URL=http://127.0.0.1:8787 node --test tests/browser/`.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { chromium } from "playwright-core";

const BASE = process.env.PW_BASE_URL ?? "http://127.0.0.1:8787";
const CHROMIUM = process.env.PW_CHROMIUM ?? "/usr/bin/chromium";
const WAIT_MS = 60_000;
const PASSWORD = "correct horse battery";
let browser;

const unique = (label) => `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@browser.test`;

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Chromium's own calls home are refused in the test namespace: off.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  console.log(`chromium ${browser.version()}, playwright-core ${(await import("playwright-core/package.json", { with: { type: "json" } })).default.version}`);
});

after(async () => browser?.close());

/** A loopback HTTP target that answers 200 until stopped. */
function target() {
  return new Promise((resolve) => {
    const server = http.createServer((_, response) => response.end("ok"));
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}/health`, stop: () => server.close() && server.closeAllConnections() }));
  });
}

async function api(method, path, { token, body } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await response.json().catch(() => null);
  return { status: response.status, json };
}

async function signUp(page, email) {
  await page.goto(`${BASE}/app/`);
  await page.getByRole("link", { name: "Create account" }).first().click();
  await page.getByLabel("Name").fill("Ada");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Monitors" }).waitFor();
}

async function signIn(page, email) {
  await page.goto(`${BASE}/app/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Monitors" }).waitFor();
}

async function newMonitor(page, { name, url, interval = "1" }) {
  await page.getByRole("link", { name: "New monitor" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Interval (seconds)").fill(interval);
  await page.getByLabel("URL").fill(url);
  await page.getByRole("button", { name: "Create monitor" }).click();
}

test("signed out, /app shows sign-in with a Create account link", async () => {
  const page = await browser.newPage();
  await page.goto(`${BASE}/app`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.ok(await page.getByLabel("Email").isVisible());
  assert.ok(await page.getByLabel("Password").isVisible());
  assert.ok(await page.getByRole("link", { name: "Create account" }).first().isVisible());
  await page.close();
});

test("sign up, watch a monitor go up and down, open its incident, publish a status page", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const site = await target();
  await signUp(page, unique("flow"));

  // The session cookie is HttpOnly, Secure and SameSite=Lax, and Chromium keeps it on http://127.0.0.1.
  const session = (await context.cookies()).find((c) => c.name === "pw_session");
  assert.ok(session, "the session cookie is kept");
  assert.equal(session.httpOnly, true);
  assert.equal(session.secure, true);
  assert.equal(session.sameSite, "Lax");
  assert.equal(await page.evaluate(() => document.cookie.includes("pw_session")), false, "scripts cannot read it");

  assert.ok(await page.getByRole("link", { name: "Incidents", exact: true }).isVisible());
  await newMonitor(page, { name: "Loopback API", url: site.url });
  await page.getByRole("heading", { name: "Loopback API" }).waitFor();
  const monitorUrl = page.url();

  // Up, seen live on the list without a reload.
  await page.getByRole("link", { name: "Monitors", exact: true }).click();
  const row = page.locator("tr", { hasText: "Loopback API" });
  await row.locator(".badge", { hasText: "up" }).waitFor({ timeout: WAIT_MS });

  // Down once the target stops, and an incident opens.
  site.stop();
  await row.locator(".badge", { hasText: "down" }).waitFor({ timeout: WAIT_MS });
  await page.goto(monitorUrl);
  await page.getByRole("heading", { name: "Response time" }).waitFor();
  await page.getByRole("link", { name: "Incidents", exact: true }).click();
  await page.locator("tr", { hasText: "Loopback API" }).first().waitFor({ timeout: WAIT_MS });

  // A status page with the monitor, and its public page.
  await page.getByRole("link", { name: "Status pages", exact: true }).click();
  await page.getByText("New status page").click();
  await page.getByLabel("Title").fill("Acme status");
  const slug = `acme-${Date.now()}`;
  await page.getByLabel("Slug").fill(slug);
  await page.getByLabel("Loopback API").check();
  await page.getByRole("button", { name: "Create status page" }).click();
  await page.getByRole("heading", { name: "Acme status" }).waitFor();
  const publicPage = await context.newPage();
  await publicPage.goto(`${BASE}/status/${slug}`);
  await publicPage.getByText("Loopback API").first().waitFor();
  await context.close();
});

test("a bad value shows the API's message next to its field", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, unique("invalid"));
  await newMonitor(page, { name: "Bad interval", url: "http://127.0.0.1:9/", interval: "0" });
  const error = page.locator('[data-field="interval_seconds"] .field-error');
  await error.waitFor();
  assert.match(await error.textContent(), /interval_seconds/);
  assert.equal(await page.getByLabel("Interval (seconds)").getAttribute("aria-invalid"), "true");
  await context.close();
});

test("a viewer sees no edit controls, and the API refuses them anyway", async () => {
  const owner = unique("owner"), viewer = unique("viewer");
  const ownerToken = (await api("POST", "/api/v1/auth/register", { body: { email: owner, password: PASSWORD } })).json.data;
  const monitor = await api("POST", "/api/v1/monitors", { token: ownerToken.token, body: { type: "http", name: "Shared", url: "http://127.0.0.1:9/", interval_seconds: 60 } });
  assert.equal(monitor.status, 201);
  const orgId = ownerToken.organization.id;
  const invitation = await api("POST", `/api/v1/organizations/${orgId}/invitations`, { token: ownerToken.token, body: { email: viewer, role: "viewer" } });
  const viewerToken = (await api("POST", "/api/v1/auth/register", { body: { email: viewer, password: PASSWORD } })).json.data.token;
  assert.equal((await api("POST", `/api/v1/invitations/${invitation.json.data.token}/accept`, { token: viewerToken })).status, 201);

  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, viewer);
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Organization").selectOption(orgId);
  await page.locator("tr", { hasText: "Shared" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "New monitor" }).count(), 0);
  await page.getByRole("link", { name: "Shared" }).click();
  await page.getByRole("heading", { name: "Shared" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Edit" }).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Delete" }).count(), 0);

  // The same request the form would send, from the page, with its CSRF header.
  const refused = await page.evaluate(async ([org, id]) => {
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("pw_csrf=")).slice(8);
    const response = await fetch(`/api/v1/monitors/${id}`, { method: "DELETE", headers: { "X-CSRF-Token": csrf, "X-Organization-Id": org } });
    return [response.status, (await response.json()).code];
  }, [orgId, monitor.json.data.id]);
  assert.deepEqual(refused, [403, "insufficient_role"]);
  await context.close();
});

test("a cookie-signed request that changes state needs the CSRF header", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, unique("csrf"));
  const [without, withHeader] = await page.evaluate(async () => {
    const body = JSON.stringify({ type: "heartbeat", name: "Nightly", interval_seconds: 3600 });
    const headers = { "Content-Type": "application/json" };
    const bare = await fetch("/api/v1/monitors", { method: "POST", headers, body });
    const csrf = document.cookie.split("; ").find((c) => c.startsWith("pw_csrf=")).slice(8);
    const signed = await fetch("/api/v1/monitors", { method: "POST", headers: { ...headers, "X-CSRF-Token": csrf }, body });
    return [[bare.status, (await bare.json()).code], signed.status];
  });
  assert.deepEqual(without, [403, "csrf_failed"]);
  assert.equal(withHeader, 201);
  // Signing out clears the session: the API no longer knows the browser.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.equal(await page.evaluate(async () => (await fetch("/api/v1/me")).status), 401);
  await context.close();
});

test("the forums: open a thread, another account replies, the author upvotes and accepts; read signed out", async () => {
  const asker = await browser.newContext();
  const page = await asker.newPage();
  await signUp(page, unique("asker"));
  await page.getByRole("link", { name: "Community", exact: true }).click();
  await page.getByRole("heading", { name: "Community" }).waitFor();
  await page.getByText("Open a thread").click();
  const title = `Is the demo API down? ${Date.now()}`;
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Category", { exact: true }).selectOption("outages");
  await page.getByLabel("Message").fill("Getting **503** since 10:00 <script>window.pwned = 1</script> [details](javascript:window.pwned=2)");
  await page.getByRole("button", { name: "Open thread" }).click();
  await page.getByRole("heading", { name: title }).waitFor();
  const threadUrl = page.url();

  // The markdown is rendered; the script and the javascript: link are not.
  const opening = page.locator("article.post").first();
  assert.equal(await opening.locator(".post-body strong").textContent(), "503");
  assert.equal(await opening.locator(".post-body script").count(), 0);
  assert.match(await opening.locator(".post-body").textContent(), /<script>window.pwned = 1<\/script>/, "raw HTML shows as text");
  assert.equal(await opening.locator(".post-body a[href^='javascript']").count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await opening.getByRole("button", { name: "Upvote" }).count(), 0, "no vote on one's own post");

  // Another account replies.
  const helper = await browser.newContext();
  const other = await helper.newPage();
  await signUp(other, unique("helper"));
  await other.goto(threadUrl);
  await other.getByLabel("Your reply").fill("Yes: the status page says **maintenance**");
  await other.getByRole("button", { name: "Post reply" }).click();
  await other.locator("article.post", { hasText: "the status page says" }).waitFor();

  // The asker upvotes the reply and accepts it: 10 + 15 Knowledge Points to its author.
  await page.reload();
  const reply = page.locator("article.post", { hasText: "the status page says" });
  await reply.getByRole("button", { name: "Upvote" }).click();
  await reply.getByText("Score 1").waitFor();
  await reply.getByRole("button", { name: "Accept as answer" }).click();
  await page.locator("article.post", { hasText: "the status page says" }).getByText("accepted answer").waitFor();
  assert.match(await page.locator("article.post", { hasText: "the status page says" }).textContent(), /25 pts/);

  // Signed out, the list and the thread read, without a reply form.
  const visitor = await browser.newContext();
  const reader = await visitor.newPage();
  await reader.goto(`${BASE}/app/#/forum`);
  const row = reader.locator("tr", { hasText: title });
  await row.getByText("answered").waitFor();
  await row.getByRole("link", { name: title }).click();
  await reader.getByRole("heading", { name: title }).waitFor();
  await reader.locator("article.post", { hasText: "the status page says" }).waitFor();
  assert.equal(await reader.getByRole("button", { name: "Post reply" }).count(), 0);
  assert.ok(await reader.getByRole("link", { name: "Sign in" }).first().isVisible());

  // A public status page's incident links to the threads about it.
  const owner = (await api("POST", "/api/v1/auth/register", { body: { email: unique("owner"), password: PASSWORD } })).json.data.token;
  const site = await target();
  const monitor = (await api("POST", "/api/v1/monitors", { token: owner, body: { type: "http", name: "Shop", url: site.url, interval_seconds: 3600 } })).json.data;
  const incident = (await api("POST", "/api/v1/incidents", { token: owner, body: { title: "Shop is slow", impact: "minor", monitor_ids: [monitor.id] } })).json.data;
  const slug = `forum-${Date.now()}`;
  assert.equal((await api("POST", "/api/v1/status-pages", { token: owner, body: { slug, title: "Shop status", monitor_ids: [monitor.id] } })).status, 201);
  const about = `Slow checkout for anyone else? ${Date.now()}`;
  const opened = await api("POST", "/api/v1/forum/threads", { token: owner, body: { title: about, body: "Since noon", category: "outages", incident_id: incident.id } });
  assert.equal(opened.status, 201, JSON.stringify(opened.json));
  await reader.goto(`${BASE}/status/${slug}`);
  await reader.locator("article", { hasText: "Shop is slow" }).getByRole("link", { name: "Discussions" }).click();
  await reader.getByText(`Incident: ${incident.id}`).waitFor();
  await reader.getByRole("link", { name: about }).waitFor();
  assert.equal(await reader.getByRole("link", { name: title }).count(), 0, "only the incident's threads");
  site.stop();
  await Promise.all([asker.close(), helper.close(), visitor.close()]);
});
