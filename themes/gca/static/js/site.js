// Enhancements of the gca theme. Every page works without this script; it
// adds the colour-scheme toggle, the collapsible menu on small screens, the
// current heading in the table of contents, and filters on browse lists.
//
// A classic script (not a module) so that it also runs on pages opened from
// disk, where browsers refuse module scripts; everything stays inside one
// function scope.
(() => {
  const STORAGE_KEY = "gca-theme";
  const root = document.documentElement;

  // Colour scheme: follows the system until the reader chooses.
  function themeToggle() {
    const button = document.getElementById("theme-toggle");
    if (!button) return;
    const system = window.matchMedia("(prefers-color-scheme: dark)");
    const isDark = () => {
      const chosen = root.getAttribute("data-theme");
      return chosen ? chosen === "dark" : system.matches;
    };
    const show = () => button.setAttribute("aria-pressed", String(isDark()));
    button.hidden = false;
    show();
    button.addEventListener("click", () => {
      const next = isDark() ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try {
        localStorage.setItem(STORAGE_KEY, next);
      } catch {
        // Storage blocked: the choice lasts for this page only.
      }
      show();
    });
    system.addEventListener("change", show);
  }

  // Menu: on small screens the work-area links fold behind a button.
  function menu() {
    const button = document.getElementById("menu-toggle");
    const nav = document.getElementById("site-nav");
    if (!button || !nav) return;
    button.hidden = false;
    const set = (open) => {
      nav.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", String(open));
    };
    button.addEventListener("click", () => set(!nav.classList.contains("is-open")));
    nav.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && nav.classList.contains("is-open") && getComputedStyle(button).display !== "none") {
        set(false);
        button.focus();
      }
    });
  }

  // Table of contents: marks the heading being read.
  function toc() {
    const nav = document.querySelector("[data-toc]");
    if (!nav) return;
    const links = [...nav.querySelectorAll('a[href^="#"]')];
    const targets = links
      .map((a) => [a, document.getElementById(decodeURIComponent(a.hash.slice(1)))])
      .filter(([, h]) => h);
    if (!targets.length) return;
    let current = null;
    let queued = false;
    const update = () => {
      queued = false;
      const line = window.innerHeight * 0.25;
      let found = targets[0];
      for (const t of targets) {
        if (t[1].getBoundingClientRect().top <= line) found = t;
        else break;
      }
      const atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      if (atEnd && targets[targets.length - 1][1].getBoundingClientRect().top < window.innerHeight) {
        found = targets[targets.length - 1];
      }
      if (found[0] === current) return;
      if (current) current.removeAttribute("aria-current");
      current = found[0];
      current.setAttribute("aria-current", "location");
    };
    const queue = () => {
      if (!queued) {
        queued = true;
        requestAnimationFrame(update);
      }
    };
    window.addEventListener("scroll", queue, { passive: true });
    window.addEventListener("resize", queue, { passive: true });
    update();
  }

  // Browse lists: the facet links become checkboxes that narrow the list in
  // place (any value within a taxonomy, every taxonomy chosen). The choice is
  // kept in the address so it can be shared.
  function filters() {
    for (const box of document.querySelectorAll("[data-browse]")) {
      const panel = box.querySelector(".filters");
      const list = box.querySelector(".doc-list");
      const status = box.querySelector(".browse__status");
      if (!panel || !list) continue;
      const items = [...list.children].map((li) => ({
        li,
        terms: new Set((li.dataset.terms || "").split(" ").filter(Boolean)),
      }));
      const params = new URLSearchParams(location.search);
      const boxes = [];
      for (const group of panel.querySelectorAll(".filters__group")) {
        const taxonomy = group.dataset.taxonomy;
        const title = group.querySelector(".filters__group-title");
        const fieldset = document.createElement("fieldset");
        const legend = document.createElement("legend");
        legend.textContent = title ? title.textContent : taxonomy;
        fieldset.append(legend);
        const ul = document.createElement("ul");
        const wanted = new Set(params.getAll(taxonomy));
        for (const a of group.querySelectorAll("a[data-term]")) {
          const key = a.dataset.term;
          const value = key.slice(key.indexOf(":") + 1);
          const li = document.createElement("li");
          const label = document.createElement("label");
          const input = document.createElement("input");
          input.type = "checkbox";
          input.value = value;
          input.checked = wanted.has(value);
          const count = a.querySelector(".count");
          const name = document.createElement("span");
          name.textContent = (count ? a.firstChild.textContent : a.textContent).trim();
          const countSpan = document.createElement("span");
          countSpan.className = "count";
          label.append(input, name, " ", countSpan);
          li.append(label);
          ul.append(li);
          boxes.push({ input, taxonomy, key, countSpan });
        }
        fieldset.append(ul);
        group.replaceChildren(fieldset);
      }
      // On a small screen the choices fold away until asked for.
      if (panel.tagName === "DETAILS" && window.matchMedia("(max-width: 47.99rem)").matches && !params.toString()) {
        panel.open = false;
      }
      const hint = panel.querySelector(".filters__hint");
      if (hint && panel.dataset.labelHint) hint.textContent = panel.dataset.labelHint;
      const actions = document.createElement("p");
      actions.className = "filters__actions";
      const clear = document.createElement("button");
      clear.type = "button";
      clear.textContent = panel.dataset.labelClear || "Clear";
      actions.append(clear);
      panel.append(actions);

      const chosen = () => {
        const by = new Map();
        for (const b of boxes) {
          if (!b.input.checked) continue;
          if (!by.has(b.taxonomy)) by.set(b.taxonomy, []);
          by.get(b.taxonomy).push(b.key);
        }
        return by;
      };
      const matches = (item, by, skip) => {
        for (const [taxonomy, keys] of by) {
          if (taxonomy === skip) continue;
          if (!keys.some((k) => item.terms.has(k))) return false;
        }
        return true;
      };
      const apply = (announce) => {
        const by = chosen();
        let shown = 0;
        for (const item of items) {
          const ok = matches(item, by, null);
          item.li.hidden = !ok;
          if (ok) shown++;
        }
        // Counts: what each box would show, given the other taxonomies' choices.
        for (const b of boxes) {
          let n = 0;
          for (const item of items) if (item.terms.has(b.key) && matches(item, by, b.taxonomy)) n++;
          b.countSpan.textContent = `(${n})`;
        }
        clear.hidden = by.size === 0;
        if (status) {
          let text = "";
          if (by.size) {
            // The strings come in the page's language: no punctuation is
            // added here, so "none" replaces the count rather than follows it.
            text = shown === 0 && panel.dataset.labelNone
              ? panel.dataset.labelNone
              : (panel.dataset.labelStatus || "{shown} / {total}")
                  .replace("{shown}", String(shown))
                  .replace("{total}", String(items.length));
          }
          if (announce || text) status.textContent = text;
        }
        const url = new URL(location.href);
        for (const g of panel.querySelectorAll(".filters__group")) url.searchParams.delete(g.dataset.taxonomy);
        for (const [taxonomy, keys] of by) {
          for (const k of keys) url.searchParams.append(taxonomy, k.slice(k.indexOf(":") + 1));
        }
        if (url.href !== location.href) history.replaceState(history.state, "", url);
      };
      panel.addEventListener("change", () => apply(true));
      clear.addEventListener("click", () => {
        for (const b of boxes) b.input.checked = false;
        apply(true);
        const first = boxes[0];
        if (first) first.input.focus();
      });
      apply(false);
    }
  }

  themeToggle();
  menu();
  toc();
  filters();
})();
