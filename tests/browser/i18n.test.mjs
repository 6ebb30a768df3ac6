// Browser tests of the theme's language features, over the built GCA site
// (`gca`: French, Spanish, Russian, Arabic and Chinese translations of the
// core pages) and the theme's fixture site (`fixture`: an Arabic page older
// than its original, with a code block, and untranslated pages falling back
// to English). See run.mjs for how they are run.

import { join } from "node:path";
import assert from "node:assert/strict";
import { axe, box, focused } from "./helpers.mjs";

/** The GCA site's base URL, as the built pages write absolute URLs. */
const BASE = "https://gca.example.org/";

/** Arabic and Chinese pages checked with axe-core. */
const AXE_PAGES = [
  ["gca", "/ar/work-areas/"],
  ["gca", "/ar/hleg/"],
  ["gca", "/zh/"],
  ["gca", "/zh/work-areas/"],
  ["gca", "/zh/work-areas/legal-measures/"],
  ["gca", "/zh/browse/work-areas/legal-measures/"],
  ["fixture", "/ar/work-areas/alpha/guide-1/"],
  ["fixture", "/ar/work-areas/alpha/"],
  ["fixture", "/ar/work-areas/"],
];

/** The language versions a page's head lists: hreflang to absolute URL. */
function alternates(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('link[rel="alternate"][hreflang]:not([type])')].map((l) => [l.getAttribute("hreflang"), l.getAttribute("href")]),
  );
}

/** Horizontal overflow of the page in pixels, and the widest offender. */
function overflow(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const px = doc.scrollWidth - doc.clientWidth;
    let worst = null;
    if (px > 0) {
      for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.right > doc.clientWidth + 1 || r.left < -1) {
          worst = `${el.tagName.toLowerCase()}.${el.className} (${Math.round(r.left)}..${Math.round(r.right)})`;
          break;
        }
      }
    }
    return { px, worst };
  });
}

/** Tabs from the top of the page until `pred(focused)` holds; returns it. */
async function tabTo(page, pred, max = 60) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (f && pred(f)) return f;
  }
  return null;
}

export default function (t) {
  const { test, open, sites, artifacts } = t;

  test("an Arabic page reads right to left: sidebar and ToC mirrored, code and digits left to right", async () => {
    const page = await open("fixture", "/ar/work-areas/alpha/guide-1/");
    try {
      assert.equal(await page.getAttribute("html", "dir"), "rtl");
      assert.equal(await page.getAttribute("html", "lang"), "ar");
      const main = await box(page, "main .prose");
      const sidebar = await box(page, ".sidebar");
      const toc = await box(page, ".toc");
      assert.ok(main && sidebar && toc, "prose, sidebar and ToC are shown");
      assert.ok(sidebar.x > main.right, `the sidebar is on the right: ${JSON.stringify({ main, sidebar })}`);
      assert.ok(toc.right < main.x, `the ToC is on the left: ${JSON.stringify({ main, toc })}`);
      // The header: site name on the right, the tools on the left.
      const name = await box(page, ".site-name");
      const tools = await box(page, ".site-header__tools");
      assert.ok(name.x > tools.x, "the site name starts on the right");
      // Breadcrumbs run from the right.
      const crumbs = await page.$$eval(".breadcrumbs li", (ls) => ls.map((l) => l.getBoundingClientRect().left));
      assert.ok(crumbs.length >= 2 && crumbs[0] > crumbs[1], `breadcrumbs run from the right: ${crumbs}`);
      // Code stays left to right, from the left edge of its block.
      const code = await page.$eval("main pre", (pre) => {
        const range = document.createRange();
        range.selectNodeContents(pre.querySelector("code"));
        const text = range.getBoundingClientRect();
        const r = pre.getBoundingClientRect();
        return {
          dir: pre.getAttribute("dir"),
          direction: getComputedStyle(pre).direction,
          fromLeft: text.left - r.left,
          fromRight: r.right - text.right,
          text: pre.textContent.trim(),
        };
      });
      assert.equal(code.dir, "ltr", "the code block is marked dir=ltr");
      assert.equal(code.direction, "ltr");
      assert.equal(code.text, "gca build --root site --output public");
      assert.ok(code.fromLeft < code.fromRight, `the code starts at the left: ${JSON.stringify(code)}`);
      // Dates keep Western digits and the Arabic month names ITU uses.
      const updated = await page.$eval(".article__meta time", (e) => e.textContent);
      assert.equal(updated, "15 يناير 2023");
      // The chip of an English item keeps Arabic letters joined: no letter spacing.
      const spacing = await page.$$eval("main .tag, main .lang-note", (els) => els.map((e) => getComputedStyle(e).letterSpacing));
      assert.ok(spacing.every((s) => s === "normal" || s === "0px"), `no letter spacing on Arabic text: ${spacing}`);
    } finally {
      await page.done();
    }
    // The GCA site: a work area with its sidebar on the right.
    const wa = await open("gca", "/ar/work-areas/legal-measures/");
    try {
      const main = await box(wa, "main");
      const sidebar = await box(wa, ".sidebar");
      assert.ok(sidebar && sidebar.x > main.right, "the work-area sidebar is on the right");
      const langs = await wa.$$eval(".lang-switch li", (ls) => ls.map((l) => l.getBoundingClientRect().left));
      assert.ok(langs[0] > langs[1], "the language list runs from the right");
    } finally {
      await wa.done();
    }
    // No sideways scrolling on a phone.
    const failures = [];
    for (const [site, path] of [
      ["gca", "/ar/"],
      ["gca", "/ar/work-areas/"],
      ["gca", "/ar/work-areas/legal-measures/"],
      ["gca", "/ar/hleg/"],
      ["gca", "/ar/browse/work-areas/legal-measures/"],
      ["gca", "/ar/search/"],
      ["fixture", "/ar/work-areas/alpha/guide-1/"],
    ]) {
      const phone = await open(site, path, { width: 375 });
      try {
        const o = await overflow(phone);
        if (o.px > 0) failures.push(`${path}: scrolls sideways by ${o.px}px (${o.worst})`);
      } finally {
        await phone.done();
      }
    }
    assert.deepEqual(failures, [], "Arabic pages at 375 px");
  });

  test("the language switcher keeps the page, and says when it cannot", async () => {
    // From the French work area to the Arabic one, with the keyboard.
    const page = await open("gca", "/fr/work-areas/legal-measures/");
    try {
      const links = await page.$$eval(".lang-switch a", (as) =>
        as.map((a) => ({ lang: a.getAttribute("lang"), hreflang: a.getAttribute("hreflang"), href: a.getAttribute("href"), text: a.textContent })),
      );
      assert.deepEqual(links.map((l) => l.hreflang), ["en", "ar", "es", "ru", "zh"], "every other language, in the site's order");
      assert.ok(links.every((l) => l.lang === l.hreflang), `each link is marked with its language: ${JSON.stringify(links)}`);
      assert.deepEqual(
        links.map((l) => l.href),
        ["/", "/ar/", "/es/", "/ru/", "/zh/"].map((p) => `${p}work-areas/legal-measures/`),
      );
      const current = await page.$eval(".lang-switch [aria-current]", (e) => ({ tag: e.tagName, text: e.textContent }));
      assert.deepEqual(current, { tag: "SPAN", text: "Français" }, "the current language is marked, not linked");
      assert.equal(await page.getAttribute(".lang-switch", "aria-label"), "Langues");
      const f = await tabTo(page, (x) => x.inside.includes(".lang-switch") && x.href === "/ar/work-areas/legal-measures/");
      assert.ok(f, "the Arabic link is reachable by Tab");
      assert.ok(f.indicator && f.inView, "and visibly focused");
      await Promise.all([page.waitForURL(/\/ar\/work-areas\/legal-measures\/$/), page.keyboard.press("Enter")]);
      assert.equal(await page.getAttribute("html", "lang"), "ar");
      assert.equal(await page.textContent("h1"), "التدابير القانونية");
      assert.deepEqual(await page.problems(), []);
    } finally {
      await page.done();
    }
    // From a page that exists only in English: to each language's home page, saying so.
    const en = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/");
    try {
      const zh = await en.$eval('.lang-switch a[hreflang="zh"]', (a) => ({
        href: a.getAttribute("href"),
        lang: a.getAttribute("lang"),
        name: a.textContent,
        hidden: a.querySelector(".visually-hidden")?.textContent,
        title: a.closest("[title]")?.getAttribute("title"),
        dotted: getComputedStyle(a).textDecorationStyle,
      }));
      assert.equal(zh.href, "/zh/");
      assert.equal(zh.lang, "zh");
      assert.equal(zh.name, "中文 – 首页：本页面没有中文版本", "the link says, in Chinese, that it leads to the home page");
      assert.equal(zh.title, "首页：本页面没有中文版本", "and shows it on hover");
      assert.equal(zh.dotted, "dotted");
      const fr = await en.$eval('.lang-switch a[hreflang="fr"]', (a) => a.closest("[title]")?.getAttribute("title"));
      assert.equal(fr, "page d'accueil\u00a0: cette page n'existe pas en français");
      await Promise.all([en.waitForURL(/\/zh\/$/), en.click('.lang-switch a[hreflang="zh"]')]);
      assert.equal(await en.getAttribute("html", "lang"), "zh");
    } finally {
      await en.done();
    }
    // Taxonomy and search pages exist in every language: the switcher keeps them.
    for (const [from, to, lang] of [
      ["/fr/browse/stakeholders/governments/", "/es/browse/stakeholders/governments/", "es"],
      ["/ru/search/", "/ar/search/", "ar"],
    ]) {
      const p = await open("gca", from);
      try {
        assert.equal(await p.getAttribute(`.lang-switch a[hreflang="${lang}"]`, "href"), to);
        const res = await p.goto(p.site.url + to.slice(1));
        assert.equal(res.status(), 200, `${to} exists`);
      } finally {
        await p.done();
      }
    }
  });

  test("hreflang: every version lists all versions, itself included, with absolute URLs and x-default", async () => {
    const seen = new Map();
    const queue = ["/fr/work-areas/legal-measures/", "/zh/", "/ar/work-areas/", "/es/hleg/"];
    let checked = 0;
    while (queue.length) {
      const path = queue.shift();
      if (seen.has(path)) continue;
      const page = await open("gca", path);
      try {
        const alts = await alternates(page);
        const canonical = await page.getAttribute('link[rel="canonical"]', "href");
        const lang = await page.getAttribute("html", "lang");
        const map = new Map(alts);
        assert.equal(map.size, alts.length, `${path}: one link per language`);
        assert.deepEqual([...map.keys()], ["en", "ar", "es", "fr", "ru", "zh", "x-default"], `${path}: all six languages and x-default`);
        for (const [, href] of alts) assert.ok(href.startsWith(BASE), `${path}: absolute URL ${href}`);
        assert.equal(map.get(lang), canonical, `${path}: lists itself`);
        assert.equal(map.get("x-default"), map.get("en"), `${path}: x-default is the English version`);
        seen.set(path, JSON.stringify(alts));
        for (const [, href] of alts) {
          const p = "/" + href.slice(BASE.length);
          if (!seen.has(p)) queue.push(p);
        }
        checked++;
      } finally {
        await page.done();
      }
    }
    const lists = new Set(seen.values());
    assert.ok(checked >= 20, `${checked} pages checked`);
    assert.equal(lists.size, 4, "the versions of each page list the same alternates");
    // A page with no translation lists none; a language's feed is linked.
    const page = await open("gca", "/work-areas/legal-measures/cybercrime-legislation/");
    try {
      assert.deepEqual(await alternates(page), []);
    } finally {
      await page.done();
    }
    const fr = await open("gca", "/fr/");
    try {
      const feed = await fr.$eval('link[rel="alternate"][type="application/atom+xml"]', (l) => ({ href: l.getAttribute("href"), hreflang: l.getAttribute("hreflang") }));
      assert.deepEqual(feed, { href: "/fr/atom.xml", hreflang: "fr" });
      const res = await fr.goto(fr.site.url + "fr/atom.xml");
      assert.equal(res.status(), 200);
      assert.match(await res.text(), /<feed[^>]* xml:lang="fr"/);
    } finally {
      await fr.done();
    }
  });

  test("a translation older than its original says so in the reader's language and links to the original", async () => {
    const page = await open("fixture", "/ar/work-areas/alpha/guide-1/");
    try {
      const notice = await page.$eval(".notice--outdated", (n) => ({
        text: n.textContent.replace(/\s+/g, " ").trim(),
        lang: n.closest("[lang]").getAttribute("lang"),
        href: n.querySelector("a").getAttribute("href"),
        hreflang: n.querySelector("a").getAttribute("hreflang"),
        role: n.getAttribute("role"),
      }));
      assert.equal(notice.lang, "ar");
      assert.equal(notice.role, "note");
      assert.equal(notice.href, "/work-areas/alpha/guide-1/");
      assert.equal(notice.hreflang, "en");
      assert.ok(notice.text.includes("10 مايو 2024"), `the original's date, in Arabic: ${notice.text}`);
      assert.ok(notice.text.includes("اقرأ النص الأصلي بالإنكليزية"), notice.text);
      const shown = await box(page, ".notice--outdated");
      const h1 = await box(page, "main h1");
      const prose = await box(page, "main .prose");
      assert.ok(shown && shown.y > h1.y && shown.y < prose.y, "the notice sits between the title and the text");
      await Promise.all([page.waitForURL(/\/work-areas\/alpha\/guide-1\/$/), page.click(".notice--outdated a")]);
      assert.equal(await page.getAttribute("html", "lang"), "en");
      assert.equal(await page.$(".notice--outdated"), null, "the original has no notice");
    } finally {
      await page.done();
    }
    for (const path of ["/ar/work-areas/alpha/", "/ar/"]) {
      const p = await open("fixture", path);
      try {
        assert.equal(await p.$(".notice--outdated"), null, `${path} is up to date: no notice`);
      } finally {
        await p.done();
      }
    }
  });

  test("items in another language than the page are marked, in the reader's language", async () => {
    const page = await open("fixture", "/ar/work-areas/alpha/");
    try {
      const items = await page.$$eval("main .section-pages .doc-item", (lis) =>
        lis.map((li) => ({
          title: li.querySelector(".doc-item__title a").textContent,
          lang: li.querySelector(".doc-item__title a").getAttribute("lang"),
          note: li.querySelector(".lang-note")?.textContent ?? null,
          noteLang: li.querySelector(".lang-note")?.closest("[lang]").getAttribute("lang") ?? null,
        })),
      );
      assert.deepEqual(items, [
        { title: "دليل ألفا الأول", lang: null, note: null, noteLang: null },
        { title: "Alpha guide 2", lang: "en", note: "بالإنكليزية", noteLang: "ar" },
      ]);
      assert.ok(await box(page, "main .doc-item .lang-note"), "the note is visible");
      const side = await page.$$eval(".sidebar a[hreflang]", (as) => as.map((a) => [a.querySelector("[lang]")?.getAttribute("lang"), a.querySelector(".lang-note")?.textContent]));
      assert.ok(side.length >= 2 && side.every(([l, n]) => l === "en" && n === "بالإنكليزية"), `sidebar: ${JSON.stringify(side)}`);
    } finally {
      await page.done();
    }
    const cards = await open("fixture", "/ar/work-areas/");
    try {
      const list = await cards.$$eval("main .card", (cs) =>
        cs.map((c) => ({ lang: c.querySelector("h3 a").getAttribute("lang"), note: c.querySelector(".lang-note")?.textContent ?? null, cardLang: c.getAttribute("lang") })),
      );
      assert.deepEqual(list, [
        { lang: null, note: null, cardLang: null },
        { lang: "en", note: "بالإنكليزية", cardLang: null },
      ]);
    } finally {
      await cards.done();
    }
    // French: the guides of a work area are English pages.
    const fr = await open("gca", "/fr/work-areas/legal-measures/");
    try {
      const notes = await fr.$$eval(".section-pages .doc-item", (lis) =>
        lis.map((li) => [li.querySelector("h3 a").getAttribute("lang"), li.querySelector(".lang-note")?.textContent]),
      );
      assert.ok(notes.length >= 3, "the work area lists its guides");
      assert.ok(notes.every(([l, n]) => l === "en" && n === "en anglais"), JSON.stringify(notes));
      // Capitalised for display only.
      const shown = await fr.$eval(".section-pages .lang-note", (n) => getComputedStyle(n, "::first-letter").textTransform);
      assert.equal(shown, "uppercase");
    } finally {
      await fr.done();
    }
  });

  test("Chinese pages: system CJK fonts, no web font, lines wrap inside a phone screen", async () => {
    const page = await open("gca", "/zh/work-areas/", { width: 375 });
    try {
      await page.waitForLoadState("networkidle");
      const fonts = await page.evaluate(() => getComputedStyle(document.documentElement).fontFamily);
      for (const f of ["PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC"]) assert.ok(fonts.includes(f), `${f} in ${fonts}`);
      const fontRequests = page.responses.filter((r) => /font|woff|ttf|otf/.test(r.headers()["content-type"] || "") || /\.(woff2?|ttf|otf)$/.test(r.url()));
      assert.deepEqual(fontRequests.map((r) => r.url()), [], "no font is downloaded");
      assert.equal(await page.evaluate(() => document.fonts.size), 0, "no @font-face");
      const o = await overflow(page);
      assert.equal(o.px, 0, `no sideways scroll: ${o.worst}`);
      // The description wraps on several lines, each inside the screen.
      const lede = await page.$eval(".lede", (p) => {
        const range = document.createRange();
        range.selectNodeContents(p);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        return { lines: lines.size, right: p.getBoundingClientRect().right };
      });
      assert.ok(lede.lines >= 3 && lede.right <= 375, `the lede wraps: ${JSON.stringify(lede)}`);
      // Han text and Latin letters are spaced apart by the browser, not by the text.
      assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).textAutospace), "normal");
    } finally {
      await page.done();
    }
    const failures = [];
    for (const path of ["/zh/", "/zh/work-areas/legal-measures/", "/zh/hleg/", "/zh/about/", "/zh/browse/work-areas/legal-measures/"]) {
      const phone = await open("gca", path, { width: 375 });
      try {
        const o = await overflow(phone);
        if (o.px > 0) failures.push(`${path}: scrolls sideways by ${o.px}px (${o.worst})`);
      } finally {
        await phone.done();
      }
    }
    assert.deepEqual(failures, [], "Chinese pages at 375 px");
  });

  for (const [site, path] of AXE_PAGES) {
    test(`${site} ${path}: WCAG 2.2 AA, light and dark, 1280 and 375 px`, async () => {
      if (!sites[site]) throw new Error(`site \`${site}\` not given`);
      const failures = [];
      for (const width of [1280, 375]) {
        for (const scheme of ["light", "dark"]) {
          const page = await open(site, path, { width, scheme });
          try {
            assert.equal(page.mainResponse.status(), 200, path);
            for (const v of await axe(page)) failures.push(`${width}px ${scheme}: ${v}`);
            for (const p of await page.problems()) failures.push(`${width}px ${scheme}: ${p}`);
          } finally {
            await page.done();
          }
        }
      }
      assert.deepEqual(failures, [], `problems on ${path}`);
    });
  }

  test("screenshots of Arabic and Chinese pages at 375 and 1280 px", async () => {
    const shots = [
      ["gca", "arabic-work-area", "/ar/work-areas/legal-measures/"],
      ["gca", "arabic-work-areas", "/ar/work-areas/"],
      ["gca", "chinese-home", "/zh/"],
      ["gca", "chinese-work-area", "/zh/work-areas/legal-measures/"],
      ["fixture", "arabic-outdated-page", "/ar/work-areas/alpha/guide-1/"],
    ];
    for (const [site, name, path] of shots) {
      for (const width of [375, 1280]) {
        const page = await open(site, path, { width });
        try {
          await page.screenshot({ path: join(artifacts, `${name}-${width}.png`), fullPage: true });
        } finally {
          await page.done();
        }
      }
    }
  });
}
