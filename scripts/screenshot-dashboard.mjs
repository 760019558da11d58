// The dashboard's screenshots for docs/ (run by scripts/screenshot.py, which
// serves the Worker with demo data): signs in as the demo user in Debian's
// Chromium, driven by playwright-core, and shoots the monitor list (light,
// dark, phone) once the live stream has drawn a few checks, and a monitor.
// Usage: node scripts/screenshot-dashboard.mjs BASE EMAIL PASSWORD MONITOR_ID

import { chromium } from "playwright-core";
import path from "node:path";

const [base, email, password, monitorId] = process.argv.slice(2);
const docs = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "docs");
const LIVE_CHECKS_MS = 22_000;

const browser = await chromium.launch({
  executablePath: process.env.PW_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1200, height: 760 } });
  const page = await context.newPage();
  await page.goto(`${base}/app/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Monitors" }).waitFor();
  await page.waitForTimeout(LIVE_CHECKS_MS);
  await shot(page, "dashboard-monitors.png");

  await page.goto(`${base}/app/#/monitors/${monitorId}`);
  await page.getByRole("heading", { name: "Response time" }).waitFor();
  await page.setViewportSize({ width: 1200, height: 1100 });
  await shot(page, "dashboard-monitor.png");

  const dark = await browser.newContext({ viewport: { width: 1200, height: 760 }, colorScheme: "dark", storageState: await context.storageState() });
  const darkPage = await dark.newPage();
  await darkPage.goto(`${base}/app/#/monitors`);
  await listShown(darkPage);
  await darkPage.waitForTimeout(LIVE_CHECKS_MS / 2);
  await shot(darkPage, "dashboard-dark.png");

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, storageState: await context.storageState() });
  const phonePage = await phone.newPage();
  await phonePage.goto(`${base}/app/#/monitors`);
  await listShown(phonePage);
  await phonePage.waitForTimeout(LIVE_CHECKS_MS / 2);
  await shot(phonePage, "dashboard-phone.png");
} finally {
  await browser.close();
}

async function listShown(page) {
  try {
    await page.locator("table.monitors").waitFor({ timeout: 90_000 });
  } catch (error) {
    throw new Error(`the monitor list did not show; the page said: ${await page.locator("main").innerText()}`, { cause: error });
  }
}

async function shot(page, name) {
  const file = path.join(docs, name);
  await page.screenshot({ path: file });
  console.log(`wrote ${file}`);
}
