// The live reload of `gca serve` in a real browser (run by
// tests/serve_browser.rs, which starts the server on a copy of a fixture):
//
//   node tests/browser/serve_overlay.mjs URL SITE_ROOT
//
// Opens a long page scrolled down, breaks its Markdown file with an error
// whose message holds HTML, and expects the overlay to show the file, line
// and message as text (no element made from it); then fixes the file and
// expects the page to reload with the change, at the same scroll position,
// without the overlay. No CSP violation, console error or failed request
// is allowed on the way. Exit code 0 when all holds, 1 otherwise.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** Saves like most editors: a hidden temporary file renamed over the file. */
function save(file, text) {
  const tmp = join(dirname(file), `.${basename(file)}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const [url, root] = process.argv.slice(2);
if (!url || !root) {
  console.error("usage: node tests/browser/serve_overlay.mjs URL SITE_ROOT");
  process.exit(2);
}
const { chromium } = await import("playwright-core");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const failures = [];
const expect = (ok, what) => {
  if (!ok) failures.push(what);
};
const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 800, height: 400 } });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    // Failed loads are reported with their address below.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  page.on("response", (r) => {
    // The browser asks for /favicon.ico by itself; the fixture has none.
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) {
      problems.push(`${r.status()} for ${r.url()}`);
    }
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const f = r.failure();
    if (f && f.errorText.includes("ERR_ABORTED")) return; // cut by the reload
    problems.push(`request failed: ${r.url()} (${f ? f.errorText : "?"})`);
  });

  const file = join(root, "content", "docs", "guide.md");
  const good = readFileSync(file, "utf8");
  const stream = page.waitForRequest((r) => r.url().includes("/__gca/events"), { timeout: 20000 });
  await page.goto(url + "docs/guide/", { waitUntil: "load" });
  await stream;
  await page.evaluate(() => window.scrollTo(0, 600));
  await page.waitForTimeout(200);
  const scrolled = await page.evaluate(() => window.scrollY);
  expect(scrolled >= 500, `the page does not scroll (scrollY ${scrolled})`);

  // Break it: an unknown front matter field whose name is HTML.
  save(file, good.replace("+++\n", '+++\n"<img src=x onerror=window.__pwned=1>" = 1\n'));
  const overlay = await page.waitForSelector(".gca-serve-overlay", { timeout: 20000 });
  const text = await overlay.textContent();
  expect(/content\/docs\/guide\.md:2/.test(text), `the overlay names the file and line: ${text}`);
  expect(text.includes("<img src=x onerror=window.__pwned=1>"), `the message is shown as text: ${text}`);
  expect((await page.$$(".gca-serve-overlay img")).length === 0, "the message made an element");
  expect((await page.evaluate(() => window.__pwned)) === undefined, "the message ran a script");
  expect(await page.evaluate(() => getComputedStyle(document.querySelector(".gca-serve-overlay")).position === "fixed"),
    "the overlay stylesheet is applied");
  // The last good page is still what the server serves.
  const served = await (await context.request.get(url + "docs/guide/")).text();
  expect(served.includes("Steps."), "the last good page is still served");

  // Fix it, with a visible change: the page reloads where it was.
  const reloaded = page.waitForEvent("load", { timeout: 20000 });
  save(file, good.replace("Steps.", "Steps, fixed in the browser test."));
  await reloaded;
  await page.waitForFunction(() => document.body.textContent.includes("fixed in the browser test"), null, { timeout: 20000 });
  await page.waitForTimeout(300);
  expect((await page.$(".gca-serve-overlay")) === null, "the overlay is gone after the fix");
  const after = await page.evaluate(() => window.scrollY);
  expect(Math.abs(after - scrolled) <= 2, `the scroll position is kept (${scrolled} before, ${after} after)`);

  const csp = await page.evaluate(() => window.__csp);
  for (const c of csp) problems.push(`CSP violation: ${c}`);
  await context.close();
} catch (e) {
  failures.push(`error: ${e.stack || e}`);
} finally {
  await browser.close();
}
for (const p of problems) failures.push(p);
if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log("ok: overlay shown as text, cleared, page reloaded at its scroll position");
