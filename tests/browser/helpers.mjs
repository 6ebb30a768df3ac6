// Helpers shared by the browser test files: axe-core, element geometry,
// focus state, polling.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** axe-core violations of WCAG 2.2 A and AA on the page, one line each. */
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    WCAG_TAGS,
  );
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n        ${v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")} — ${n.failureSummary.replace(/\s+/g, " ")}`).join("\n        ")}`,
  );
}

/** Geometry of an element: its box, or null when it is not rendered. */
export function box(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) return null;
    return { x: r.left, y: r.top, w: r.width, h: r.height, right: r.right, bottom: r.bottom };
  }, selector);
}

/** What has focus, and whether it shows a focus indicator inside the viewport. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && !/rgba\(.*, 0\)|transparent/.test(s.outlineColor);
    const shadow = s.boxShadow && s.boxShadow !== "none";
    const inView = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth && r.width > 0 && r.height > 0;
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: (el.textContent || el.value || "").trim().replace(/\s+/g, " ").slice(0, 60),
      href: el.getAttribute("href"),
      rel: el.getAttribute("rel"),
      inside: [".lang-switch", "#site-nav", ".sidebar", ".toc", ".prev-next", ".pagination", ".breadcrumbs", ".site-footer", ".filters", "#site-search"]
        .filter((sel) => el.closest(sel)),
      indicator: outline || shadow,
      inView,
    };
  });
}

/** Polls `fn` until it returns true or `ms` pass; returns its last value. */
export async function eventually(fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
