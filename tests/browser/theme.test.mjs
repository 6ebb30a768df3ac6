// Browser tests of the gca theme over the built GCA site (`gca`) and the
// theme's fixture site (`fixture`: a paginated work area and an Arabic,
// right-to-left translation). See run.mjs for how they are run.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import assert from "node:assert/strict";
import { axe, box, eventually, focused } from "./helpers.mjs";

/** One page of each template, on the GCA site. */
const TEMPLATES = [
  ["home", "/"],
  ["section", "/hleg/"],
  ["work-areas", "/work-areas/"],
  ["work-area", "/work-areas/legal-measures/"],
  ["page", "/work-areas/legal-measures/cybercrime-legislation/"],
  ["document", "/documents/address-2008/"],
  ["taxonomy-list", "/browse/work-areas/"],
  ["taxonomy-term", "/browse/stakeholders/governments/"],
  ["search", "/search/"],
  ["timeline", "/timeline/"],
  ["glossary", "/glossary/"],
  ["not-found", "/no-such-page/"],
  ["arabic-home", "/ar/"],
  ["arabic-work-area", "/ar/work-areas/legal-measures/"],
];

/** Pages of the fixture site: pagination and right to left. */
const FIXTURE_PAGES = [
  ["paginated", "/work-areas/alpha/page/2/"],
  ["arabic-page", "/ar/work-areas/alpha/guide-1/"],
  ["arabic-fixture-home", "/ar/"],
];

const PAGE_BUDGET = 40 * 1024;

/**
 * True for the search itself: what js/search-ui.js fetches once a search box
 * gets focus (at once on the search page), under search/: languages.js and
 * each language's meta.js and shards. The page-weight budget leaves these
 * out, and nothing else.
 */
function isSearchCode(pathname) {
  return /\/search\/(?:[a-z]{2,3}(?:-[a-z0-9]+)*\/)?[^/]+\.js$/.test(pathname);
}

/** Tabs through the page from the top; returns what got focus, in order. */
async function tabAll(page, max = 250) {
  const seen = [];
  // A fresh load puts the start of the Tab order at the top of the page.
  await page.reload();
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (!f) break;
    if (seen.length && f.href === seen[0].href && f.text === seen[0].text && f.id === seen[0].id) break;
    seen.push(f);
  }
  return seen;
}

function assertVisible(list) {
  const bad = list.filter((f) => !f.indicator || !f.inView);
  assert.deepEqual(bad, [], "every focused element shows a focus indicator inside the viewport");
}

export default function (t) {
  const { test, open, sites, artifacts } = t;

  // Accessibility, console, requests and CSP on every template, light and
  // dark, desktop and mobile.
  for (const [site, pages] of [["gca", TEMPLATES], ["fixture", FIXTURE_PAGES]]) {
    for (const [name, path] of pages) {
      test(`${name} (${path}): WCAG 2.2 AA, no console error, no outside request, CSP holds`, async () => {
        if (!sites[site]) throw new Error(`site \`${site}\` not given`);
        const failures = [];
        for (const width of [1280, 375]) {
          for (const scheme of ["light", "dark"]) {
            const page = await open(site, path, { width, scheme });
            try {
              const expected = name === "not-found" ? 404 : 200;
              assert.equal(page.mainResponse.status(), expected, `${path} status`);
              assert.equal(page.mainResponse.headers()["content-security-policy"], "default-src 'self'");
              // The scripts ran under the policy: the toggle is shown.
              assert.ok(await page.evaluate(() => document.documentElement.classList.contains("js")), "theme-init.js ran");
              assert.ok(await box(page, "#theme-toggle"), "site.js ran: the colour toggle is visible");
              const label = `${width}px ${scheme}`;
              for (const v of await axe(page)) failures.push(`${label}: ${v}`);
              for (const p of await page.problems()) {
                // Chrome reports the 404 status of the not-found page itself.
                if (name === "not-found" && p.includes("status of 404") && p.includes(page.url())) continue;
                failures.push(`${label}: ${p}`);
              }
              const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
              if (overflow > 0) failures.push(`${label}: scrolls sideways by ${overflow}px`);
            } finally {
              await page.done();
            }
          }
        }
        assert.deepEqual(failures, [], `problems on ${path}`);
      });
    }
  }

  test("the checks themselves catch a contrast failure, a console error and an outside request", async () => {
    const page = await open("gca", "/hleg/");
    try {
      await page.evaluate(() => {
        const p = document.createElement("p");
        p.textContent = "Pale text that nobody can read";
        p.className = "x";
        p.setAttribute("aria-hidden", "false");
        document.querySelector("main").append(p);
        p.animate([{ color: "#eeeeee" }, { color: "#eeeeee" }], { duration: 1e9, fill: "both" });
        const img = document.createElement("img");
        img.src = "https://example.com/x.png";
        document.body.append(img);
      });
      const violations = await axe(page);
      assert.ok(violations.some((v) => v.startsWith("color-contrast")), `axe reports low contrast: ${violations}`);
      await page.evaluate(() => console.error("deliberate"));
      await eventually(async () => (await page.problems()).some((p) => p.includes("deliberate")));
      const problems = await page.problems();
      assert.ok(problems.some((p) => p.includes("deliberate")), `console errors are caught: ${problems}`);
      assert.ok(problems.some((p) => p.includes("CSP violation: img-src blocked https://example.com/x.png")), `CSP violations are caught: ${problems}`);
      // A navigation is not subject to the policy: the route records it.
      await page.evaluate(() => {
        location.href = "https://example.com/elsewhere";
      });
      await eventually(async () => (await page.problems()).some((p) => p.includes("example.com/elsewhere")));
      const after = await page.problems();
      assert.ok(after.some((p) => p.includes("request outside the site: https://example.com/elsewhere")), `outside requests are caught: ${after}`);
    } finally {
      await page.done();
    }
  });

  test("metadata: lang, dir, canonical, OpenGraph, feeds and JSON-LD", async () => {
    const page = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/");
    try {
      const m = await page.evaluate(() => {
        const meta = (p) => document.querySelector(`meta[property="${p}"]`)?.content;
        return {
          lang: document.documentElement.lang,
          dir: document.documentElement.dir,
          title: document.title,
          description: document.querySelector('meta[name="description"]')?.content,
          canonical: document.querySelector('link[rel="canonical"]')?.href,
          ogTitle: meta("og:title"),
          ogType: meta("og:type"),
          ogUrl: meta("og:url"),
          feeds: [...document.querySelectorAll('link[rel="alternate"][type="application/atom+xml"]')].map((l) => l.getAttribute("href")),
          ld: [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => JSON.parse(s.textContent)),
          inlineStyles: document.querySelectorAll("[style], style").length,
          inlineScripts: [...document.scripts].filter((s) => !s.src && s.type !== "application/ld+json" && s.type !== "application/json").length,
        };
      });
      assert.equal(m.lang, "en");
      assert.equal(m.dir, "ltr");
      assert.match(m.title, /^What cybercrime laws usually cover – /);
      assert.ok(m.description && m.description.length > 20);
      assert.equal(m.canonical, "https://gca.example.org/work-areas/legal-measures/cybercrime-legislation/");
      assert.equal(m.ogTitle, "What cybercrime laws usually cover");
      assert.equal(m.ogType, "article");
      assert.equal(m.ogUrl, m.canonical);
      assert.ok(m.feeds.includes("/atom.xml"), `site feed linked: ${m.feeds}`);
      const types = m.ld.map((x) => x["@type"]);
      assert.deepEqual(types.sort(), ["Article", "BreadcrumbList"]);
      const crumbs = m.ld.find((x) => x["@type"] === "BreadcrumbList").itemListElement;
      assert.deepEqual(crumbs.map((c) => c.position), [1, 2, 3, 4]);
      assert.equal(crumbs[3].item, m.canonical);
      const article = m.ld.find((x) => x["@type"] === "Article");
      assert.equal(article.headline, "What cybercrime laws usually cover");
      assert.deepEqual(article.about, ["Legal Measures"]);
      assert.equal(m.inlineStyles, 0, "no style attribute or element");
      assert.equal(m.inlineScripts, 0, "no inline script");
    } finally {
      await page.done();
    }
    const home = await open("gca", "/");
    try {
      const ld = await home.evaluate(() => [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => JSON.parse(s.textContent)));
      const site = ld.find((x) => x["@type"] === "WebSite");
      assert.ok(site, "home has WebSite");
      assert.equal(site.potentialAction["@type"], "SearchAction");
      assert.equal(site.potentialAction.target.urlTemplate, "https://gca.example.org/search/?q={search_term_string}");
    } finally {
      await home.done();
    }
  });

  test("keyboard: skip link first, then header, search, nav, sidebar, ToC, previous/next, all visibly focused", async () => {
    const page = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/");
    try {
      await page.keyboard.press("Tab");
      const first = await focused(page);
      assert.equal(first.href, "#main", "the first Tab reaches the skip link");
      assert.ok(first.indicator && first.inView, "the skip link shows when focused");
      const skip = await box(page, ".skip-link");
      assert.ok(skip && skip.h >= 20 && skip.w >= 100, `skip link is visible when focused: ${JSON.stringify(skip)}`);
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement.id), "main", "Enter moves focus to the main content");
      await page.keyboard.press("Tab");
      const afterSkip = await focused(page);
      assert.ok(!afterSkip.inside.includes("#site-nav") && !afterSkip.inside.includes("#site-search"), `after the skip link, Tab stays in the content: ${JSON.stringify(afterSkip)}`);

      const order = await tabAll(page);
      assertVisible(order);
      const has = (pred, what) => assert.ok(order.some(pred), `${what} is reachable by Tab`);
      has((f) => f.id === "site-search-input", "the search box");
      has((f) => f.inside.includes("#site-search") && f.tag === "button", "the search button");
      has((f) => f.id === "theme-toggle", "the colour toggle");
      has((f) => f.inside.includes("#site-nav"), "the work-area menu");
      has((f) => f.inside.includes(".breadcrumbs"), "the breadcrumbs");
      has((f) => f.inside.includes(".sidebar"), "the section sidebar");
      has((f) => f.inside.includes(".toc"), "the table of contents");
      has((f) => f.rel === "next" || f.rel === "prev", "previous/next");
      has((f) => f.inside.includes(".site-footer"), "the footer");
      // Reading order: header, then breadcrumbs, then the content, then the sidebar.
      const idx = (pred) => order.findIndex(pred);
      assert.ok(idx((f) => f.id === "site-search-input") < idx((f) => f.inside.includes(".breadcrumbs")));
      assert.ok(idx((f) => f.inside.includes(".toc")) < idx((f) => f.rel === "next" || f.rel === "prev"));
    } finally {
      await page.done();
    }
  });

  test("keyboard: the table of contents jumps to a heading and marks it current", async () => {
    const page = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/");
    try {
      const links = await page.$$eval(".toc a", (as) => as.map((a) => a.getAttribute("href")));
      assert.ok(links.length >= 3, "a long page has a table of contents");
      const target = links[links.length - 2];
      let f;
      for (let i = 0; i < 120; i++) {
        await page.keyboard.press("Tab");
        f = await focused(page);
        if (f && f.href === target) break;
      }
      assert.equal(f.href, target, "ToC link reached by Tab");
      assert.ok(f.indicator && f.inView);
      await page.keyboard.press("Enter");
      await page.waitForFunction((h) => location.hash === h, target);
      const heading = await box(page, target);
      assert.ok(heading && heading.y >= 0 && heading.y < 450, `the heading is near the top: ${JSON.stringify(heading)}`);
      await page.waitForFunction(
        (h) => document.querySelector(`.toc a[href="${h}"]`)?.getAttribute("aria-current") === "location",
        target,
        { timeout: 3000 },
      );
      const current = await page.$$eval('.toc a[aria-current]', (as) => as.length);
      assert.equal(current, 1, "exactly one ToC entry is current");
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("keyboard: the search box submits to the search page", async () => {
    const page = await open("gca", "/glossary/");
    try {
      let f;
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Tab");
        f = await focused(page);
        if (f && f.id === "site-search-input") break;
      }
      assert.equal(f.id, "site-search-input");
      assert.ok(f.indicator);
      await page.keyboard.type("incident response");
      await Promise.all([page.waitForURL(/\/search\/\?q=incident\+response$/), page.keyboard.press("Enter")]);
      assert.equal(await page.$eval("#search-status", (e) => e.getAttribute("role")), "status");
      assert.ok(await page.$("#search-results"), "results container");
      assert.ok(await page.$("#search-facets"), "facets container");
      assert.ok(await page.$("#site-search-input"), "the search page has the search box");
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("keyboard: the menu opens and closes on a phone", async () => {
    const page = await open("gca", "/hleg/", { width: 375 });
    try {
      assert.equal(await box(page, "#site-nav"), null, "the menu starts folded");
      let f;
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Tab");
        f = await focused(page);
        if (f && f.id === "menu-toggle") break;
      }
      assert.equal(f.id, "menu-toggle", "the menu button is reachable");
      assert.ok(f.indicator && f.inView);
      await page.keyboard.press("Enter");
      assert.equal(await page.getAttribute("#menu-toggle", "aria-expanded"), "true");
      assert.ok(await box(page, "#site-nav"), "the menu is open");
      // Work-area links are next in the Tab order.
      let inNav = false;
      for (let i = 0; i < 6 && !inNav; i++) {
        await page.keyboard.press("Tab");
        f = await focused(page);
        inNav = f.inside.includes("#site-nav");
      }
      assert.ok(inNav, "Tab reaches the menu's links");
      assert.ok(f.indicator && f.inView);
      await page.keyboard.press("Escape");
      assert.equal(await page.getAttribute("#menu-toggle", "aria-expanded"), "false");
      assert.equal(await box(page, "#site-nav"), null, "Escape folds the menu");
      assert.equal(await page.evaluate(() => document.activeElement.id), "menu-toggle", "focus returns to the button");
    } finally {
      await page.done();
    }
  });

  test("keyboard: pagination links are reachable, focused visibly and work", async () => {
    const page = await open("fixture", "/work-areas/alpha/");
    try {
      const order = await tabAll(page);
      assertVisible(order);
      const next = order.find((f) => f.inside.includes(".pagination") && f.rel === "next");
      assert.ok(next, "Next page is reachable");
      await page.reload();
      for (let i = 0; i < 120; i++) {
        await page.keyboard.press("Tab");
        const f = await focused(page);
        if (f && f.inside.includes(".pagination") && f.rel === "next") break;
      }
      await Promise.all([page.waitForURL(/\/work-areas\/alpha\/page\/2\/$/), page.keyboard.press("Enter")]);
      const prev = (await tabAll(page)).find((f) => f.inside.includes(".pagination") && f.rel === "prev");
      assert.ok(prev, "Previous page is reachable on page 2");
      assert.match(await page.textContent(".pagination"), /Page 2 of 2/);
    } finally {
      await page.done();
    }
  });

  test("colour toggle: switches, is remembered, and follows the system until used", async () => {
    const page = await open("gca", "/hleg/", { scheme: "dark" });
    try {
      const bg = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const dark = await bg();
      assert.equal(await page.getAttribute("#theme-toggle", "aria-pressed"), "true", "system dark: the toggle shows dark");
      await page.focus("#theme-toggle");
      await page.keyboard.press("Space");
      assert.equal(await page.getAttribute("html", "data-theme"), "light");
      assert.equal(await page.getAttribute("#theme-toggle", "aria-pressed"), "false");
      const light = await bg();
      assert.notEqual(light, dark, `the colours change: ${dark} -> ${light}`);
      await page.reload();
      assert.equal(await page.getAttribute("html", "data-theme"), "light", "the choice is remembered");
      assert.equal(await bg(), light);
      await page.click("#theme-toggle");
      assert.equal(await page.getAttribute("html", "data-theme"), "dark");
      assert.equal(await bg(), dark);
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("browse filters narrow the list, keep the choice in the address, and clear", async () => {
    const page = await open("gca", "/browse/work-areas/legal-measures/");
    try {
      const total = await page.$$eval("#browse-list > li", (l) => l.length);
      assert.ok(total > 5, "a work area lists many pages");
      const boxes = await page.$$eval("#browse-filters input[type=checkbox]", (l) => l.length);
      assert.ok(boxes > 3, "facet links became checkboxes");
      // Tab to the first checkbox and tick it with the keyboard.
      let f;
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press("Tab");
        f = await focused(page);
        if (f && f.tag === "input" && f.inside.includes(".filters")) break;
      }
      assert.equal(f.tag, "input", "a filter is reachable by Tab");
      assert.ok(f.indicator && f.inView);
      await page.keyboard.press("Space");
      const state = await page.evaluate(() => {
        const input = document.querySelector(".filters input:checked");
        const group = input.closest("[data-taxonomy]").dataset.taxonomy;
        const key = `${group}:${input.value}`;
        const items = [...document.querySelectorAll("#browse-list > li")];
        const visible = items.filter((li) => !li.hidden);
        return {
          key,
          count: input.closest("label").querySelector(".count").textContent,
          visible: visible.length,
          allMatch: visible.every((li) => li.dataset.terms.split(" ").includes(key)),
          hiddenMatch: items.filter((li) => li.hidden && li.dataset.terms.split(" ").includes(key)).length,
          status: document.querySelector("#browse-status").textContent,
          url: location.search,
        };
      });
      assert.ok(state.visible > 0 && state.visible < total, `the list is narrowed: ${JSON.stringify(state)}`);
      assert.ok(state.allMatch && state.hiddenMatch === 0, "exactly the matching pages show");
      assert.equal(state.count, `(${state.visible})`);
      assert.equal(state.status, `Showing ${state.visible} of ${total} pages`);
      const [tax, value] = state.key.split(":");
      assert.equal(state.url, `?${tax}=${value}`);
      await page.reload();
      assert.equal(await page.$$eval("#browse-list > li:not([hidden])", (l) => l.length), state.visible, "the address restores the filter");
      await page.click(".filters__actions button");
      assert.equal(await page.$$eval("#browse-list > li:not([hidden])", (l) => l.length), total, "Clear shows every page");
      assert.equal(await page.evaluate(() => location.search), "");
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
  });

  test("without JavaScript: menu open, facets are links to term pages, ToC readable", async () => {
    const page = await open("gca", "/work-areas/legal-measures/", { width: 375, javaScript: false });
    try {
      assert.ok(await box(page, "#site-nav"), "the work-area menu is shown");
      assert.equal(await box(page, "#menu-toggle"), null, "no dead menu button");
      assert.equal(await box(page, "#theme-toggle"), null, "no dead colour toggle");
      const links = await page.$$eval(".filters a[data-term]", (as) => as.map((a) => a.getAttribute("href")));
      assert.ok(links.length > 3, "facets are links");
      assert.ok(links.every((h) => h.startsWith("/browse/")), `they lead to term pages: ${links}`);
      const res = await page.goto(page.site.url + links[0].slice(1));
      assert.equal(res.status(), 200, "a facet link opens");
    } finally {
      await page.done();
    }
    const article = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/", { javaScript: false });
    try {
      assert.ok(await box(article, ".toc"), "the table of contents shows");
      assert.ok((await article.$$(".toc a")).length >= 3);
    } finally {
      await article.done();
    }
  });

  test("right to left: sidebar and table of contents swap sides, nothing overflows", async () => {
    const check = async (page, label) => {
      const main = await box(page, "main .prose");
      const sidebar = await box(page, ".sidebar");
      const toc = await box(page, ".toc");
      assert.ok(main && sidebar && toc, `${label}: prose, sidebar and ToC are shown`);
      return { sidebarStart: sidebar.x < main.x, tocEnd: toc.x > main.x, main, sidebar, toc };
    };
    // The GCA page, left to right, then set to right to left in place.
    const page = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/");
    try {
      const ltr = await check(page, "ltr");
      assert.ok(ltr.sidebarStart && ltr.tocEnd, `ltr: sidebar left, ToC right: ${JSON.stringify(ltr)}`);
      await page.evaluate(() => document.documentElement.setAttribute("dir", "rtl"));
      const rtl = await check(page, "rtl");
      assert.ok(!rtl.sidebarStart && !rtl.tocEnd, `rtl: sidebar right, ToC left: ${JSON.stringify(rtl)}`);
      const crumbs = await page.$$eval(".breadcrumbs li", (ls) => ls.map((l) => l.getBoundingClientRect().left));
      assert.ok(crumbs[0] > crumbs[1], "breadcrumbs run from the right");
      assert.deepEqual(await axe(page), [], "axe on the right-to-left page");
    } finally {
      await page.done();
    }
    // A real Arabic page of the fixture site.
    const ar = await open("fixture", "/ar/work-areas/alpha/guide-1/");
    try {
      assert.equal(await ar.getAttribute("html", "dir"), "rtl");
      assert.equal(await ar.getAttribute("html", "lang"), "ar");
      const r = await check(ar, "arabic");
      assert.ok(!r.sidebarStart && !r.tocEnd, `arabic: sidebar right, ToC left: ${JSON.stringify(r)}`);
      const align = await ar.$eval("main h1", (h) => getComputedStyle(h).textAlign);
      assert.ok(align === "start" || align === "right", `headings start on the right: ${align}`);
    } finally {
      await ar.done();
    }
    for (const [site, path] of [["fixture", "/ar/work-areas/alpha/guide-1/"], ["gca", "/work-areas/legal-measures/"]]) {
      const phone = await open(site, path, { width: 375 });
      try {
        await phone.evaluate(() => document.documentElement.setAttribute("dir", "rtl"));
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.equal(overflow, 0, `${path} at 375px right to left: no sideways scroll`);
      } finally {
        await phone.done();
      }
    }
  });

  test("print: no navigation, addresses after links, light colours", async () => {
    const page = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/", { scheme: "dark" });
    try {
      await page.emulateMedia({ media: "print", colorScheme: "dark" });
      for (const sel of [".site-header", ".breadcrumbs", ".sidebar", ".toc", ".prev-next"]) {
        assert.equal(await box(page, sel), null, `${sel} is not printed`);
      }
      const after = await page.$eval(".prose a[href^='/']", (a) => getComputedStyle(a, "::after").content);
      assert.match(after, /\(.*\/.*\)/, "the address follows the link");
      const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      assert.equal(bg, "rgb(255, 255, 255)", "printed on white even in dark mode");
      const breaks = await page.$eval(".sources", (s) => getComputedStyle(s).breakBefore);
      assert.equal(breaks, "page", "the sources start a new page");
    } finally {
      await page.done();
    }
  });

  test("reduced motion: no smooth scrolling, transitions or animations when the reader asks for less motion", async () => {
    // Motion given to an element from script (allowed under the CSP), as a
    // stylesheet rule would: the theme's reduced-motion rule must override
    // it, and only when the reader asks.
    const motion = (page) =>
      page.evaluate(() => {
        const el = document.querySelector("main a") || document.querySelector("a");
        el.style.transition = "opacity 300ms ease";
        el.style.animation = "gca-test-spin 2s infinite";
        const s = getComputedStyle(el);
        return {
          scroll: getComputedStyle(document.documentElement).scrollBehavior,
          transition: s.transitionDuration,
          animation: s.animationName,
          animationDuration: s.animationDuration,
        };
      });
    for (const [site, path] of [["gca", "/"], ["gca", "/work-areas/legal-measures/cybercrime-legislation/"], ["gca", "/ar/"]]) {
      const reduced = await open(site, path, { reducedMotion: "reduce" });
      try {
        const m = await motion(reduced);
        assert.equal(m.scroll, "auto", `${path}: no smooth scrolling`);
        assert.equal(m.transition, "0s", `${path}: transitions are off`);
        assert.ok(m.animation === "none" || m.animationDuration === "0s", `${path}: animations are off (${m.animation} ${m.animationDuration})`);
      } finally {
        await reduced.done();
      }
      const moving = await open(site, path, { reducedMotion: "no-preference" });
      try {
        const m = await motion(moving);
        assert.equal(m.scroll, "smooth", `${path}: smooth scrolling as styled`);
        assert.equal(m.transition, "0.3s", `${path}: transitions as styled`);
        assert.equal(m.animation, "gca-test-spin", `${path}: animations as styled`);
        assert.equal(m.animationDuration, "2s", `${path}: animations as styled`);
      } finally {
        await moving.done();
      }
    }
  });

  test("page weight: HTML+CSS+JS with gzip within 40 KB on every template", async () => {
    const rows = [];
    const over = [];
    const all = [...TEMPLATES.map((x) => ["gca", ...x]), ...FIXTURE_PAGES.map((x) => ["fixture", ...x])];
    for (const [site, name, path] of all) {
      if (!sites[site]) continue;
      const page = await open(site, path);
      try {
        await page.waitForLoadState("networkidle");
        let bytes = 0;
        const files = [];
        for (const r of page.responses) {
          const url = new URL(r.url());
          const type = (r.headers()["content-type"] || "").split(";")[0];
          if (!/html|css|javascript/.test(type)) continue;
          if (isSearchCode(url.pathname)) continue;
          const sizes = await r.request().sizes();
          const n = sizes.responseBodySize + sizes.responseHeadersSize;
          bytes += n;
          files.push(`${url.pathname} ${n}`);
        }
        // The search box's own script comes with every page that has one,
        // before the box is used: it is counted.
        const ui = await page.evaluate(() => [...document.scripts].map((s) => s.src).find((src) => /\/js\/search-ui\.[0-9a-f]+\.js$/.test(src)));
        if (ui) {
          assert.ok(
            files.some((f) => f.startsWith(`${new URL(ui).pathname} `)),
            `${path}: ${new URL(ui).pathname} is loaded but not counted (${files.join(", ")})`,
          );
        }
        rows.push({ site, template: name, path, bytes, files });
        if (bytes > PAGE_BUDGET) over.push(`${path}: ${bytes} bytes (${files.join(", ")})`);
      } finally {
        await page.done();
      }
    }
    await writeFile(join(artifacts, "page-weight.json"), JSON.stringify(rows, null, 2) + "\n");
    console.log(rows.map((r) => `      ${(r.bytes / 1024).toFixed(1).padStart(5)} KB  ${r.site} ${r.template} ${r.path}`).join("\n"));
    assert.deepEqual(over, [], `pages over ${PAGE_BUDGET} bytes`);
  });

  test("page weight: only what the search fetches after focus is left out", async () => {
    for (const counted of ["/js/search-ui.3d32adc7f7.js", "/js/site.c33a558718.js", "/search/", "/search/index.html", "/css/search.1234abcd.css", "/gca/js/search-ui.0a1b2c3d4e.js"]) {
      assert.equal(isSearchCode(counted), false, `${counted} is counted`);
    }
    for (const left of ["/search/languages.js", "/search/en/meta.js", "/search/fr/t-6a92832d3f-0.js", "/gca/search/zh/p-45751e7217-3.js"]) {
      assert.equal(isSearchCode(left), true, `${left} is search code fetched on use`);
    }
  });

  test("screenshots of home, a work area, a page and search at 375 and 1280 px", async () => {
    const shots = [
      ["home", "/"],
      ["work-area", "/work-areas/legal-measures/"],
      ["page", "/work-areas/legal-measures/cybercrime-legislation/"],
      ["search", "/search/"],
    ];
    for (const [name, path] of shots) {
      for (const width of [375, 1280]) {
        for (const scheme of ["light", "dark"]) {
          const page = await open("gca", path, { width, scheme });
          try {
            const file = join(artifacts, `${name}-${width}${scheme === "dark" ? "-dark" : ""}.png`);
            await page.screenshot({ path: file, fullPage: true });
          } finally {
            await page.done();
          }
        }
      }
    }
    if (sites.fixture) {
      const page = await open("fixture", "/ar/work-areas/alpha/guide-1/");
      try {
        await page.screenshot({ path: join(artifacts, "arabic-page-1280.png"), fullPage: true });
      } finally {
        await page.done();
      }
    }
  });
}
