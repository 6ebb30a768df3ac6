// Browser tests of the search on the built GCA site: the header box (search
// as you type, keys), the search page (filters, shared URLs), the words
// highlighted on a result's page, the same flow for a site published under
// /gca/ (`gcasub`) and opened from disk (`offline`, built with --offline).
// See run.mjs for how they are run.

import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** A word found on many pages of the GCA site, across several work areas. */
const WORD = "cybercrime";
const AREA = "Legal Measures";

/** Polls `fn` until it returns a truthy value or `ms` pass; returns its last value. */
async function eventually(fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Search-related requests a page made so far (paths under search/). */
function searchRequests(page) {
  return page.responses.map((r) => r.url()).filter((u) => /\/search\/[^?]*\.js(\?|$)/.test(u));
}

/** What the results of a container show, for comparisons. */
function results(page, container) {
  return page.$$eval(`${container} li.gca-result`, (items) =>
    items.map((li) => ({
      title: li.querySelector("a.gca-result-title")?.textContent || "",
      href: li.querySelector("a.gca-result-title")?.getAttribute("href") || "",
      marks: Array.from(li.querySelectorAll("mark")).map((m) => m.textContent.toLowerCase()),
      tags: Array.from(li.querySelectorAll(".gca-result-tags li")).map((t) => t.textContent),
      selected: li.getAttribute("aria-selected") === "true",
    })),
  );
}

const PAGE = '[data-gca-search="page"]';
const PAGE_INPUT = `${PAGE} input[name="q"]`;
const STATUS = '[data-gca-search="status"]';
const LIST = '[data-gca-search="results"]';
const DROPDOWN = "#gca-search-dropdown";

/** The number a status line such as "13 results" or "1 result" gives. */
async function statusCount(page) {
  const text = (await page.textContent(STATUS)) || "";
  if (/^No results/.test(text)) return 0;
  const m = text.match(/^([\d,]+) results?/);
  return m ? Number(m[1].replace(/,/g, "")) : null;
}

/** Opens a page of a site from disk, recording what run.mjs records over HTTP. */
async function openFile(browser, root, rel) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  const inside = pathToFileURL(root).href + "/";
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    requests.push(r.url());
    if (!r.url().startsWith(inside)) problems.push(`request outside the site folder: ${r.url()}`);
  });
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  await page.goto(inside + rel, { waitUntil: "load" });
  page.requests = requests;
  page.problems = async () => problems;
  page.done = () => context.close();
  return page;
}

/**
 * The header box on `page` (already open): "/" focuses it, which loads the
 * index; typing shows results with the words marked; arrows move the
 * selection; Enter opens the selected result, whose page highlights the
 * word. Returns the URL opened.
 */
async function headerBoxFlow(page, { loadedOnFocus }) {
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "site-search-input", "/ focuses the search box");
  if (loadedOnFocus) assert.ok(await eventually(() => loadedOnFocus().length > 0), "the index meta loads on focus");
  await page.keyboard.type(WORD, { delay: 40 });
  await page.waitForSelector(`${DROPDOWN} li.gca-result`, { state: "visible" });
  const shown = await results(page, DROPDOWN);
  assert.ok(shown.length >= 2, `results in the dropdown: ${JSON.stringify(shown)}`);
  assert.ok(shown.some((r) => r.marks.includes(WORD)), `"${WORD}" is marked in the results`);
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  let now = await results(page, DROPDOWN);
  assert.deepEqual(now.map((r) => r.selected), now.map((_, i) => i === 1), "two ArrowDown select the second result");
  await page.keyboard.press("ArrowUp");
  now = await results(page, DROPDOWN);
  assert.deepEqual(now.map((r) => r.selected), now.map((_, i) => i === 0), "ArrowUp goes back to the first");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "site-search-input", "focus stays in the box");
  const target = now[0].href;
  await Promise.all([page.waitForURL((u) => u.href.includes("highlight=")), page.keyboard.press("Enter")]);
  assert.equal(new URL(page.url()).searchParams.get("highlight").split(" ").includes(WORD), true, page.url());
  const marks = await page.$$eval("main mark.gca-highlight", (ms) => ms.map((m) => m.textContent.toLowerCase()));
  assert.ok(marks.includes(WORD), `the result page highlights "${WORD}": ${marks}`);
  return target;
}

/** Digits other than 0-9 (Arabic-Indic and Eastern Arabic-Indic). */
const NON_LATIN_DIGITS = /[\u0660-\u0669\u06F0-\u06F9]/;

/**
 * Serves the site's search/en/meta.js with every display record, facet
 * value and heading made hostile: markup and script in titles, excerpts and
 * taxonomy values. The reader and UI code in the file stay as they are.
 */
async function hostileIndex(page) {
  await page.route(/\/search\/en\/meta\.js$/, async (route) => {
    const response = await route.fetch();
    const text = await response.text();
    const start = text.lastIndexOf("__gcaSearchData(") + "__gcaSearchData(".length;
    const end = text.lastIndexOf(")");
    const meta = JSON.parse(text.slice(start, end));
    if (!Array.isArray(meta.table)) throw new Error("expected the GCA site's table in meta.js");
    for (const r of meta.table) {
      // [keep, rest, title, excerpt, facets]
      r[2] = `<img src=x onerror="window.__pwned=1">${r[2]}`;
      r[3] = `<script>window.__pwned=2</script>${r[3]} </p><b onmouseover="window.__pwned=3">bold</b>`;
    }
    for (const t of meta.facets) for (const v of t[1]) v[0] = `<i onclick="window.__pwned=4">${v[0]}</i>`;
    const body = text.slice(0, start) + JSON.stringify(meta) + text.slice(end);
    await route.fulfill({ response, body });
  });
}

export default function (t) {
  const { test, open, sites, browser } = t;

  test("a hostile index is shown as text: titles, excerpts and facet values with markup, under CSP", async () => {
    const page = await open("gca", `/search/?q=${WORD}`);
    try {
      await hostileIndex(page);
      await page.reload();
      await page.waitForSelector(`${LIST} li.gca-result`);
      const shown = await results(page, LIST);
      assert.ok(shown.length > 0);
      for (const r of shown) assert.ok(r.title.startsWith('<img src=x onerror="window.__pwned=1">'), r.title);
      const excerpt = await page.textContent(`${LIST} .gca-result-excerpt`);
      assert.ok(excerpt.startsWith("<script>window.__pwned=2</script>"), excerpt);
      assert.ok(excerpt.includes('<b onmouseover="window.__pwned=3">'), excerpt);
      assert.equal(await page.locator(`${LIST} img, ${LIST} script, ${LIST} b, #search-facets i, #search-facets img`).count(), 0, "no markup from the index");
      const legendValues = await page.$$eval('#search-facets label', (ls) => ls.map((l) => l.textContent));
      assert.ok(legendValues.some((v) => v.includes('<i onclick="window.__pwned=4">')), legendValues.join("|"));
      await page.hover(`${LIST} .gca-result-excerpt`);
      // Filtering by a hostile value works as text too.
      await page.locator('#search-facets input[name="work_areas"]').first().check();
      await page.waitForFunction(() => new URLSearchParams(location.search).getAll("work_areas").some((v) => v.startsWith("<i ")));
      assert.equal(await page.evaluate(() => window.__pwned), undefined, "no script from the index ran");
      assert.deepEqual(await page.problems(), [], "no CSP violation, no error");
    } finally {
      await page.done();
    }
    // The header box's dropdown too.
    const box = await open("gca", "/documents/");
    try {
      await hostileIndex(box);
      await box.focus("#site-search-input");
      await box.keyboard.type(WORD, { delay: 30 });
      await box.waitForSelector(`${DROPDOWN} li.gca-result`, { state: "visible" });
      assert.equal(await box.locator(`${DROPDOWN} img, ${DROPDOWN} script, ${DROPDOWN} b`).count(), 0);
      const titles = (await results(box, DROPDOWN)).map((r) => r.title);
      assert.ok(titles.every((x) => x.startsWith("<img src=x")), titles.join("|"));
      assert.equal(await box.evaluate(() => window.__pwned), undefined);
      assert.deepEqual(await box.problems(), []);
    } finally {
      await box.done();
    }
  });

  test("Arabic and Chinese search pages: results in the page's language, counts in Latin digits", async () => {
    const ar = await open("gca", `/ar/search/?q=${encodeURIComponent("القانونية")}`);
    try {
      await ar.waitForSelector(`${LIST} li.gca-result`);
      const shown = await results(ar, LIST);
      assert.ok(shown[0].href.includes("/ar/work-areas/legal-measures/"), JSON.stringify(shown[0]));
      for (const r of shown) assert.ok(r.href.includes("/ar/"), r.href);
      const status = await ar.textContent(STATUS);
      assert.match(status, /[0-9]/, status);
      assert.doesNotMatch(status, NON_LATIN_DIGITS, status);
      const counts = await ar.$$eval("#search-facets .gca-count", (cs) => cs.map((c) => c.textContent));
      assert.ok(counts.length > 0);
      for (const c of counts) assert.match(c, /^\([0-9\u066C]+\)$/, c);
      // Without diacritics and with them: the same first result.
      await ar.fill(PAGE_INPUT, "القانونِيَّة ");
      await eventually(async () => (await results(ar, LIST))[0]?.href === shown[0].href);
      assert.equal((await results(ar, LIST))[0].href, shown[0].href);
      assert.deepEqual(await ar.problems(), []);
    } finally {
      await ar.done();
    }
    const zh = await open("gca", `/zh/search/?q=${encodeURIComponent("法律")}`);
    try {
      await zh.waitForSelector(`${LIST} li.gca-result`);
      const shown = await results(zh, LIST);
      assert.ok(shown[0].href.includes("/zh/work-areas/legal-measures/"), JSON.stringify(shown[0]));
      assert.ok(shown[0].marks.includes("法律"), JSON.stringify(shown[0]));
      assert.ok(zh.responses.map((r) => r.url()).some((u) => u.endsWith("/search/zh/meta.js")), "the Chinese index");
      assert.deepEqual(await zh.problems(), []);
    } finally {
      await zh.done();
    }
  });

  test("French search page: facets and tags name the terms in French, filters keep their names", async () => {
    const page = await open("gca", "/fr/search/?q=juridiques");
    try {
      await page.waitForSelector(`${LIST} li.gca-result`);
      const box = page.locator('input[type="checkbox"][name="work_areas"][value="Legal Measures"]');
      assert.equal(await box.count(), 1, "the filter keeps the term's name");
      const label = await page.locator("label", { has: box }).textContent();
      assert.match(label, /Mesures juridiques/, label);
      const tags = (await results(page, LIST)).flatMap((r) => r.tags);
      assert.ok(tags.includes("Mesures juridiques"), tags.join("|"));
      assert.ok(!tags.includes("Legal Measures"), tags.join("|"));
      await box.check();
      await page.waitForFunction(() => new URLSearchParams(location.search).getAll("work_areas").includes("Legal Measures"));
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("all languages: the checkbox searches every language, marks other languages, and stays in the URL", async () => {
    const q = "القانونية 法律";
    const page = await open("gca", `/search/?q=${encodeURIComponent(q)}`);
    try {
      await page.waitForSelector(".gca-all-languages input");
      await eventually(async () => (await page.textContent(STATUS)).startsWith("No results"));
      assert.equal(await statusCount(page), 0, "the English index has neither word");
      await page.check(".gca-all-languages input");
      await page.waitForFunction(() => new URLSearchParams(location.search).get("lang") === "all");
      await page.waitForSelector(`${LIST} li.gca-result`);
      const shown = await results(page, LIST);
      const hrefs = shown.map((r) => r.href);
      assert.ok(hrefs.some((h) => h.includes("/ar/work-areas/legal-measures/")), hrefs.join("\n"));
      assert.ok(hrefs.some((h) => h.includes("/zh/work-areas/legal-measures/")), hrefs.join("\n"));
      const langs = await page.$$eval(`${LIST} li.gca-result`, (ls) => ls.map((l) => [l.lang, l.querySelector(".gca-result-lang")?.textContent || ""]));
      for (const [lang, label] of langs) {
        assert.ok(lang === "ar" || lang === "zh", `${lang}`);
        assert.ok(label.length > 1, "the language is named");
      }
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
    const again = await open("gca", `/search/?q=${encodeURIComponent(q)}&lang=all`);
    try {
      await again.waitForSelector(`${LIST} li.gca-result`);
      assert.equal(await again.isChecked(".gca-all-languages input"), true);
      assert.deepEqual(await again.problems(), []);
    } finally {
      await again.done();
    }
  });

  test("the index is fetched when the box gets focus, not on page load", async () => {
    const page = await open("gca", "/documents/");
    try {
      await page.waitForLoadState("networkidle");
      assert.deepEqual(searchRequests(page), [], "nothing of the index before focus");
      await page.focus("#site-search-input");
      assert.ok(await eventually(() => searchRequests(page).some((u) => u.endsWith("/search/en/meta.js"))), `meta.js on focus: ${searchRequests(page)}`);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("header box: / focuses, type, results marked, arrows, Enter opens the result highlighted", async () => {
    const page = await open("gca", "/documents/");
    try {
      await page.waitForLoadState("networkidle");
      const href = await headerBoxFlow(page, { loadedOnFocus: () => searchRequests(page) });
      assert.ok(href.startsWith("/") || href.startsWith(sites.gca.url), href);
      assert.ok(page.url().startsWith(sites.gca.url), page.url());
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("header box: Esc clears, a second Esc leaves the box; / does not fire inside a field", async () => {
    const page = await open("gca", "/hleg/");
    try {
      await page.click("#site-search-input");
      await page.keyboard.type("cyber/crime", { delay: 20 });
      assert.equal(await page.inputValue("#site-search-input"), "cyber/crime", "/ is typed inside the box");
      await page.waitForSelector(`${DROPDOWN} li.gca-result`, { state: "visible" });
      await page.keyboard.press("Escape");
      assert.equal(await page.inputValue("#site-search-input"), "");
      assert.equal(await page.isHidden(DROPDOWN), true, "the dropdown closes");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "site-search-input");
      await page.keyboard.press("Escape");
      assert.notEqual(await page.evaluate(() => document.activeElement?.id), "site-search-input", "the second Esc leaves the box");
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("search page: results, filter by work area with live counts, the URL shares the search", async () => {
    const page = await open("gca", `/search/?q=${WORD}`);
    let shared;
    let filtered;
    try {
      await page.waitForSelector(`${LIST} li.gca-result`);
      assert.equal(await page.inputValue(PAGE_INPUT), WORD, "the query comes from the URL");
      const total = await eventually(() => statusCount(page));
      const first = await results(page, LIST);
      assert.ok(total > 10, `"${WORD}" is on more than ten pages: ${total}`);
      assert.equal(first.length, 10, "ten results shown");
      assert.ok(first.some((r) => r.marks.includes(WORD)), `"${WORD}" is marked: ${JSON.stringify(first)}`);
      // The facet's count is the number of results once it is checked.
      const box = page.locator(`input[type="checkbox"][name="work_areas"][value="${AREA}"]`);
      const label = await page.locator("label", { has: box }).textContent();
      const count = Number((label.match(/\((\d+)\)/) || [])[1]);
      assert.ok(count > 0 && count < total, `the ${AREA} count (${label}) narrows ${total}`);
      await box.check();
      await page.waitForFunction((a) => new URLSearchParams(location.search).getAll("work_areas").includes(a), AREA);
      assert.equal(await eventually(async () => ((await statusCount(page)) === count ? count : 0)), count, "the count is what the facet said");
      filtered = await results(page, LIST);
      assert.equal(filtered.length, Math.min(10, count));
      for (const r of filtered) assert.ok(r.tags.includes(AREA), `a result outside ${AREA}: ${JSON.stringify(r)}`);
      shared = page.url();
      assert.match(shared, /\?q=cybercrime&work_areas=Legal\+Measures$/);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
    // The shared address restores the query, the filter and the results.
    const again = await open("gca", new URL(shared).pathname + new URL(shared).search);
    try {
      await again.waitForSelector(`${LIST} li.gca-result`);
      assert.equal(await again.inputValue(PAGE_INPUT), WORD);
      assert.equal(await again.isChecked(`input[type="checkbox"][name="work_areas"][value="${AREA}"]`), true);
      assert.deepEqual((await results(again, LIST)).map((r) => r.title), filtered.map((r) => r.title));
      // Opening a result highlights the words on its page.
      await Promise.all([again.waitForURL((u) => u.href.includes("highlight=")), again.click(`${LIST} a.gca-result-title >> nth=0`)]);
      const marks = await again.$$eval("main mark.gca-highlight", (ms) => ms.map((m) => m.textContent.toLowerCase()));
      assert.ok(marks.includes(WORD), `highlighted: ${marks}`);
      assert.deepEqual(await again.problems(), []);
    } finally {
      await again.done();
    }
  });

  test("search page: typo, fallback notice, hostile and huge input stay text, no errors", async () => {
    const page = await open("gca", "/search/?q=cybercrme");
    try {
      await page.waitForSelector(`${LIST} li.gca-result`);
      assert.ok((await results(page, LIST)).some((r) => r.marks.includes(WORD)), "a typo finds the word");
      await page.fill(PAGE_INPUT, `${WORD} zzqqxx`);
      await page.waitForFunction((s) => /any of them/.test(document.querySelector(s).textContent), STATUS);
      for (const q of ["", '"', "-", ".*(", "<img src=x onerror=alert(3)>", "the of and", "x".repeat(10000), `"${WORD} law"`]) {
        await page.fill(PAGE_INPUT, q);
        await page.waitForTimeout(200);
      }
      assert.equal(await page.locator(`${LIST} img, ${LIST} script`).count(), 0, "nothing from the query becomes markup");
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("search page: a typo in the first letter finds the word in another shard, through the key shards", async () => {
    const page = await open("gca", "/search/?q=x" + WORD.slice(1));
    try {
      await page.waitForSelector(`${LIST} li.gca-result`);
      const shown = await results(page, LIST);
      assert.ok(shown.some((r) => r.marks.includes(WORD)), `the typo finds "${WORD}": ${JSON.stringify(shown)}`);
      const loaded = searchRequests(page);
      assert.ok(loaded.some((u) => /\/search\/en\/k-[0-9a-f]{10}-\d+\.js$/.test(u)), `a key shard: ${loaded}`);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("published under /gca/: the header box and the search page work, links stay under /gca/", async () => {
    const site = sites.gcasub;
    if (!site) throw new Error("site `gcasub` not given");
    assert.ok(site.url.endsWith("/gca/"), site.url);
    const page = await open("gcasub", "/work-areas/");
    try {
      await page.waitForLoadState("networkidle");
      assert.deepEqual(searchRequests(page), []);
      const href = await headerBoxFlow(page, { loadedOnFocus: () => searchRequests(page) });
      assert.ok(new URL(href, site.url).pathname.startsWith("/gca/"), href);
      assert.ok(new URL(page.url()).pathname.startsWith("/gca/"), page.url());
      assert.ok(searchRequests(page).every((u) => new URL(u).pathname.startsWith("/gca/search/")), `${searchRequests(page)}`);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
    const search = await open("gcasub", `/search/?q=${WORD}&work_areas=${encodeURIComponent(AREA)}`);
    try {
      await search.waitForSelector(`${LIST} li.gca-result`);
      for (const r of await results(search, LIST)) {
        assert.ok(new URL(r.href, site.url).pathname.startsWith("/gca/"), r.href);
        assert.ok(r.tags.includes(AREA), JSON.stringify(r));
      }
      assert.deepEqual(await search.problems(), []);
    } finally {
      await search.done();
    }
  });

  test("from disk (file://): the search page, a filter, the header box and highlighting", async () => {
    const site = sites.offline;
    if (!site) throw new Error("site `offline` not given");
    const page = await openFile(browser, site.root, `search/index.html?q=${WORD}`);
    try {
      await page.waitForSelector(`${LIST} li.gca-result`);
      const shown = await results(page, LIST);
      assert.equal(shown.length, 10);
      for (const r of shown) assert.match(r.href, /^file:\/\/.*\/index\.html\?highlight=/, "links open the page file");
      await page.check(`input[type="checkbox"][name="work_areas"][value="${AREA}"]`);
      await page.waitForFunction((a) => new URLSearchParams(location.search).getAll("work_areas").includes(a), AREA);
      await eventually(async () => (await results(page, LIST)).every((r) => r.tags.includes(AREA)));
      for (const r of await results(page, LIST)) assert.ok(r.tags.includes(AREA), JSON.stringify(r));
      await Promise.all([page.waitForURL((u) => u.href.includes("highlight=")), page.click(`${LIST} a.gca-result-title >> nth=0`)]);
      assert.ok(page.url().startsWith(pathToFileURL(site.root).href), page.url());
      const marks = await page.$$eval("main mark.gca-highlight", (ms) => ms.map((m) => m.textContent.toLowerCase()));
      assert.ok(marks.includes(WORD), `highlighted: ${marks}`);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
    const doc = await openFile(browser, site.root, "documents/index.html");
    try {
      await doc.waitForLoadState("networkidle");
      assert.deepEqual(doc.requests.filter((u) => u.includes("/search/")), [], "nothing of the index before focus");
      const href = await headerBoxFlow(doc, { loadedOnFocus: () => doc.requests.filter((u) => u.endsWith("/search/en/meta.js")) });
      assert.match(href, /^file:\/\/.*\/index\.html\?highlight=/);
      assert.ok(doc.requests.every((u) => u.startsWith(pathToFileURL(join(site.root)).href)), doc.requests.join("\n"));
      assert.deepEqual(await doc.problems(), []);
    } finally {
      await doc.done();
    }
  });
}
