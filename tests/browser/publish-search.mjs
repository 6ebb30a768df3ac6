// Search on a published site: Debian's chromium, driven by playwright-core,
// searches the GCA site as a real web server (nginx, started by
// `cargo test --test publish`) serves it under a sub-path.
//
//   node tests/browser/publish-search.mjs http://127.0.0.1:PORT/gca/
//
// Checks that the search page answers a query from the URL, that the
// header box leads there, that results and every request stay under the
// site's path and answer 200, that a result opens, in English and French,
// with no console error and no Content-Security-Policy violation.
// Exit code 0 when everything holds, 1 otherwise, 2 for a setup error.

import { existsSync } from "node:fs";

const site = process.argv[2];
if (!site || !/^http:\/\/127\.0\.0\.1:\d+\/.*\/$/.test(site)) {
  console.error("usage: node tests/browser/publish-search.mjs http://127.0.0.1:PORT/PATH/");
  process.exit(2);
}
const origin = new URL(site).origin;
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(chromiumPath)) {
  console.error(`no chromium at ${chromiumPath}; install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(2);
}
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  console.error(`cannot load playwright-core (${e.message}); run \`npm ci\` at the repository root`);
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

const failures = [];
function check(ok, message) {
  if (!ok) failures.push(message);
}

/** A fresh page recording problems and every response. */
async function open() {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const problems = [];
  const responses = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(site)) return route.continue();
    // The browser's own favicon guess is at the host's root; nothing else may leave.
    if (url === `${origin}/favicon.ico`) return route.abort("blockedbyclient");
    problems.push(`request outside the site's path: ${url}`);
    return route.abort("blockedbyclient");
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => responses.push(r));
  page.on("requestfailed", (r) => {
    const f = r.failure();
    if (f && (f.errorText.includes("BLOCKED_BY_CLIENT") || f.errorText.includes("ERR_ABORTED"))) return;
    problems.push(`request failed: ${r.url()} (${f ? f.errorText : "?"})`);
  });
  page.finish = async (name) => {
    const csp = await page.evaluate(() => window.__csp || []).catch(() => []);
    for (const p of [...problems, ...csp.map((c) => `CSP violation: ${c}`)]) failures.push(`${name}: ${p}`);
    for (const r of responses) {
      if (r.url().startsWith(site) && r.status() !== 200 && r.status() !== 304) {
        failures.push(`${name}: ${r.url()} answered ${r.status()}`);
      }
    }
    await context.close();
  };
  page.responses = responses;
  return page;
}

/** Results of the search page, once they are shown. */
async function results(page) {
  const list = page.locator('[data-gca-search="results"] li a[href]');
  await list.first().waitFor({ state: "visible", timeout: 15000 });
  return list.evaluateAll((links) => links.map((a) => a.href));
}

async function searchPage(name, path, query) {
  const page = await open();
  const url = `${site}${path}?q=${encodeURIComponent(query)}`;
  const resp = await page.goto(url, { waitUntil: "load" });
  check(resp && resp.status() === 200, `${name}: ${url} answered ${resp && resp.status()}`);
  let hrefs = [];
  try {
    hrefs = await results(page);
  } catch (e) {
    failures.push(`${name}: no results for \`${query}\` at ${url} (${e.message.split("\n")[0]})`);
  }
  check(hrefs.length > 0, `${name}: no result for \`${query}\``);
  for (const h of hrefs) check(h.startsWith(site), `${name}: result ${h} is outside ${site}`);
  const searchFiles = page.responses.filter((r) => r.url().startsWith(`${site}search/`) && r.url().endsWith(".js"));
  check(searchFiles.length >= 2, `${name}: the search export was not fetched (${searchFiles.length} files)`);
  if (hrefs.length > 0) {
    const target = await page.goto(hrefs[0], { waitUntil: "load" });
    check(target && target.status() === 200, `${name}: first result ${hrefs[0]} answered ${target && target.status()}`);
  }
  await page.finish(name);
  return hrefs;
}

try {
  const en = await searchPage("search page (en)", "search/", "cybercrime");
  check(en.length >= 3, `search page (en): only ${en.length} results`);
  await searchPage("search page (fr)", "fr/search/", "cybersécurité");

  // The header box on an inner page leads to the search page with results.
  const page = await open();
  await page.goto(`${site}work-areas/`, { waitUntil: "load" });
  await page.locator("#site-search-input").fill("capacity building");
  await Promise.all([
    page.waitForURL(/\/search\/\?/, { timeout: 15000 }),
    page.locator('#site-search button[type="submit"]').click(),
  ]);
  check(page.url().startsWith(`${site}search/?`), `header box: went to ${page.url()}`);
  const hrefs = await results(page).catch(() => []);
  check(hrefs.length > 0, "header box: no results on the search page");
  await page.finish("header box");
} catch (e) {
  failures.push(`unexpected: ${e.stack || e}`);
}

await browser.close();
if (failures.length) {
  console.log(`FAIL search on ${site}\n${failures.map((f) => `  ${f}`).join("\n")}`);
  process.exit(1);
}
console.log(`ok    search on ${site}`);
process.exit(0);
