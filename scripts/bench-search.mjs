// Measures cold and warm queries of gca's static search and of Pagefind on
// one built site, through headless Chromium and a local gzip server.
// Driven by scripts/bench-search; run on its own:
//   node scripts/bench-search.mjs --site DIR --node-modules DIR [--label NAME] [--engines gca,gca-typed,pagefind]
// DIR holds index.html pages, search/ (gca) and pagefind/ (Pagefind).
import http from 'node:http';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import zlib from 'node:zlib';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const site = args.site;
const require = createRequire(join(args['node-modules'], 'noop.js'));
const { chromium } = require('playwright-core');
const BASE = '/gca/';

export const QUERIES = [
  'password hashing', 'sql injection', 'incident response', 'ransomware', 'phishing email',
  'access control', 'encryption key', 'cross site scripting', 'session management', 'threat modeling',
  'vulnerability disclosure', 'firewall', 'authentication', 'logging', 'denial of service',
  'supply chain', 'zero trust', 'certificate', 'input validation', 'csrf token',
];

// Two bench pages. gca's reader and user interface come with the index, at
// the head of search/<lang>/meta.js, which the theme loads on focus.
await writeFile(join(site, 'bench-gca.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>gca</title>
<script src="bench.js"></script></head><body><input id="q"></body></html>`);
await writeFile(join(site, 'bench-pagefind.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pagefind</title>
<script src="bench.js"></script></head><body><input id="q"></body></html>`);
await writeFile(join(site, 'bench.js'), `
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src; s.onload = resolve; s.onerror = reject;
    document.head.appendChild(s);
  });
}
let pf = null;
window.focusGca = () => loadScript('search/en/meta.js').then(() => GcaSearch.preload());
window.focusPagefind = async () => { pf = await import('./pagefind/pagefind.js'); await pf.init(); };
window.gcaQuery = async (q) => {
  const r = await GcaSearch.search(q, { limit: 10, facets: false });
  return r.results.map((x) => x.title + ' | ' + x.excerpt.slice(0, 40));
};
window.gcaTyped = async (q) => {
  // One search per keystroke from the second character, 120 ms apart (a
  // brisk typist), as the search box does.
  let last;
  for (let k = 2; k <= q.length; k++) {
    last = GcaSearch.search(q.slice(0, k), { limit: 10, facets: false });
    last.catch(() => {});
    if (k < q.length) await new Promise((r) => setTimeout(r, 120));
  }
  const r = await last;
  return r.results.map((x) => x.title);
};
window.pagefindQuery = async (q) => {
  const s = await pf.search(q);
  const data = await Promise.all(s.results.slice(0, 10).map((r) => r.data()));
  return data.map((d) => d.meta.title + ' | ' + d.excerpt.slice(0, 40));
};
window.warm = async (fn, q, n) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await window[fn](q);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
};
`);

// A static server under BASE, gzip for text (Pagefind's files are gzip already).
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json', '.css': 'text/css', '.wasm': 'application/wasm' };
let log = [];
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  let path = decodeURIComponent(url.pathname);
  if (!path.startsWith(BASE)) { res.writeHead(404); res.end(); return; }
  path = normalize(path.slice(BASE.length));
  if (path.startsWith('..')) { res.writeHead(403); res.end(); return; }
  if (path === '' || path.endsWith('/')) path += 'index.html';
  try {
    let body = await readFile(join(site, path));
    const type = TYPES[extname(path)] || 'application/octet-stream';
    const headers = { 'content-type': type, 'cache-control': 'no-cache' };
    if (TYPES[extname(path)] && /gzip/.test(req.headers['accept-encoding'] || '')) {
      body = zlib.gzipSync(body, { level: 6 });
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(body);
    log.push({ path, bytes: body.length });
  } catch {
    res.writeHead(404);
    res.end();
    log.push({ path, bytes: 0, missing: true });
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; }

async function cold(engine, q, typed) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${origin}${BASE}bench-${engine}.html`);
  log = [];
  const t0 = Date.now();
  await page.evaluate(engine === 'gca' ? 'focusGca()' : 'focusPagefind()');
  const atFocus = log.length;
  const focusBytes = log.reduce((a, r) => a + r.bytes, 0);
  const fn = engine === 'gca' ? (typed ? 'gcaTyped' : 'gcaQuery') : 'pagefindQuery';
  const titles = await page.evaluate(([f, q]) => window[f](q), [fn, q]);
  const ms = Date.now() - t0;
  const requests = log.length;
  const bytes = log.reduce((a, r) => a + r.bytes, 0);
  const warmMs = await page.evaluate(([f, q]) => window.warm(f, q, 20), [engine === 'gca' ? 'gcaQuery' : 'pagefindQuery', q]);
  await context.close();
  if (errors.length) throw new Error(errors.join('\n'));
  return {
    q, requests, bytes, ms, warmMs, results: titles.length, top: titles[0] || '', files: log.map((r) => r.path),
    // From the first keystroke: what the focus (reader code, meta) did not already fetch.
    requestsAfterFocus: requests - atFocus, bytesAfterFocus: bytes - focusBytes,
  };
}

const out = { label: args.label || site, queries: QUERIES.length, engines: {} };
const only = args.engines ? args.engines.split(',') : null;
for (const [name, engine, typed] of [['gca', 'gca', false], ['gca-typed', 'gca', true], ['pagefind', 'pagefind', false]]) {
  if (only && !only.includes(name)) continue;
  const runs = [];
  for (const q of QUERIES) runs.push(await cold(engine, q, typed));
  out.engines[name] = {
    bytesMedian: median(runs.map((r) => r.bytes)),
    bytesWorst: Math.max(...runs.map((r) => r.bytes)),
    requestsMedian: median(runs.map((r) => r.requests)),
    requestsWorst: Math.max(...runs.map((r) => r.requests)),
    afterFocusRequestsMedian: median(runs.map((r) => r.requestsAfterFocus)),
    afterFocusRequestsWorst: Math.max(...runs.map((r) => r.requestsAfterFocus)),
    afterFocusBytesMedian: median(runs.map((r) => r.bytesAfterFocus)),
    warmMsMedian: median(runs.map((r) => r.warmMs)),
    warmMsWorst: Math.max(...runs.map((r) => r.warmMs)),
    runs,
  };
}
await browser.close();
server.close();
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
