// Runs the browser tests: every `tests/browser/*.test.mjs` file, against
// built sites served on loopback ports with `Content-Security-Policy:
// default-src 'self'`, in Debian's chromium driven by playwright-core.
//
//   node tests/browser/run.mjs --site gca=public --site fixture=/tmp/fixture-public \
//       [--site sub=DIR@http://127.0.0.1:PORT/gca/] [--artifacts tests/browser/artifacts] [--only pattern]
//
// A site given as `NAME=DIR@URL` (a site built with `--base-url URL`) is
// served at that loopback port and path.
// `cargo test --test browser` builds both sites and runs this. A test file
// exports `default async function (t)`; `t.test(name, fn)` registers a
// test, `t.sites` maps names to `{ url, root }`, `t.open(site, path, opts)`
// opens a page (close its context with `page.done()`) that records console errors, failed requests, requests
// leaving the site and CSP violations (`page.problems()`).
//
// Exit code: 0 when every test passed, 1 otherwise, 2 for a usage or setup
// error (missing chromium or node_modules).

import { readdir, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serve } from "./server.mjs";

const here = dirname(fileURLToPath(import.meta.url));

function usage(message) {
  console.error(`browser tests: ${message}`);
  console.error("usage: node tests/browser/run.mjs --site gca=DIR [--site NAME=DIR[@URL]]... [--artifacts DIR] [--only PATTERN]");
  process.exit(2);
}

const args = process.argv.slice(2);
const siteDirs = {};
const siteBases = {};
let artifacts = join(here, "artifacts");
let only = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--site") {
    const v = args[++i] || "";
    const eq = v.indexOf("=");
    if (eq < 1) usage(`--site wants NAME=DIR, got \`${v}\``);
    const at = v.indexOf("@", eq);
    let base = null;
    if (at > 0) {
      try {
        base = new URL(v.slice(at + 1));
      } catch {
        usage(`--site ${v}: \`${v.slice(at + 1)}\` is not a URL`);
      }
      if (base.hostname !== "127.0.0.1" || !base.port) usage(`--site ${v}: serve at http://127.0.0.1:PORT/...`);
    }
    siteDirs[v.slice(0, eq)] = resolve(v.slice(eq + 1, at > 0 ? at : undefined));
    if (base) siteBases[v.slice(0, eq)] = base;
  } else if (a === "--artifacts") {
    artifacts = resolve(args[++i] || usage("--artifacts wants a folder"));
  } else if (a === "--only") {
    only = args[++i] || usage("--only wants a pattern");
  } else {
    usage(`unknown argument \`${a}\``);
  }
}
if (!siteDirs.gca) usage("give the built GCA site with --site gca=DIR");
for (const [name, dir] of Object.entries(siteDirs)) {
  if (!existsSync(join(dir, "index.html"))) usage(`site \`${name}\`: ${dir} has no index.html; build it first`);
}

const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
if (!existsSync(chromiumPath)) {
  usage(`no chromium at ${chromiumPath}; install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
}
let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  usage(`cannot load playwright-core (${e.message}); run \`npm ci\` at the repository root`);
}

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

await mkdir(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath: chromiumPath, args: FLAGS, headless: true });
const sites = {};
const servers = [];
for (const [name, root] of Object.entries(siteDirs)) {
  const base = siteBases[name];
  const s = await serve(root, base ? { port: Number(base.port), prefix: base.pathname.replace(/\/?$/, "/") } : {});
  servers.push(s);
  sites[name] = { name, root, url: s.url, origin: new URL(s.url).origin };
}

/** Opens `path` of `site` in a fresh context; see the header comment. */
async function open(site, path, opts = {}) {
  const s = typeof site === "string" ? sites[site] : site;
  if (!s) throw new Error(`no site \`${site}\` (give it with --site)`);
  const context = await browser.newContext({
    viewport: { width: opts.width || 1280, height: opts.height || 900 },
    colorScheme: opts.scheme || "light",
    reducedMotion: opts.reducedMotion || "reduce",
    javaScriptEnabled: opts.javaScript !== false,
    serviceWorkers: "block",
  });
  const problems = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(s.origin + "/") || url === s.origin) return route.continue();
    problems.push(`request outside the site: ${url}`);
    return route.abort("blockedbyclient");
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()} at ${m.location().url || "?"}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    const f = r.failure();
    // Blocked above (already recorded), or cancelled by a navigation or reload.
    if (f && (f.errorText.includes("BLOCKED_BY_CLIENT") || f.errorText.includes("ERR_ABORTED"))) return;
    problems.push(`request failed: ${r.url()} (${f ? f.errorText : "?"})`);
  });
  const responses = [];
  page.on("response", (r) => responses.push(r));
  let mainResponse = null;
  if (path !== null) {
    mainResponse = await page.goto(s.url + path.replace(/^\//, ""), { waitUntil: "load" });
  }
  page.site = s;
  page.mainResponse = mainResponse;
  page.responses = responses;
  page.problems = async () => {
    let csp = [];
    try {
      csp = await page.evaluate(() => window.__csp || []);
    } catch {
      // The page is gone; nothing to read.
    }
    return [...problems, ...csp.map((c) => `CSP violation: ${c}`)];
  };
  page.done = () => context.close();
  return page;
}

const tests = [];
const t = {
  sites,
  artifacts,
  browser,
  open,
  test(name, fn) {
    tests.push({ name, fn });
  },
};

const files = (await readdir(here)).filter((f) => f.endsWith(".test.mjs")).sort();
for (const f of files) {
  const mod = await import(pathToFileURL(join(here, f)).href);
  if (typeof mod.default !== "function") usage(`${f} has no default export function`);
  const before = tests.length;
  await mod.default(t);
  for (const x of tests.slice(before)) x.name = `${f.replace(/\.test\.mjs$/, "")}: ${x.name}`;
}

let failed = 0;
let ran = 0;
const started = Date.now();
for (const { name, fn } of tests) {
  if (only && !name.includes(only)) continue;
  ran++;
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok    ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed++;
    console.log(`FAIL  ${name}\n${String(e && e.stack ? e.stack : e).replace(/^/gm, "      ")}`);
  }
}
await browser.close();
for (const s of servers) await s.close();
console.log(`\n${ran - failed} passed, ${failed} failed, of ${ran} browser tests in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (ran === 0) {
  console.log("no test matched");
  process.exit(1);
}
process.exit(failed ? 1 : 0);
