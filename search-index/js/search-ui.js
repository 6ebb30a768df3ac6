/*
 * gca search: the user interface (header box, search page, highlighting).
 *
 * It follows the reader (search-core.js) in every <root>/search/<lang>/meta.js,
 * a classic script (so that it also runs on pages opened from disk), which a
 * small script of the theme loads when it is needed: when a search box gets
 * focus or "/" is pressed, at once on the search page and on a page opened
 * from a result (?highlight=). It starts once the whole file has run.
 *
 *   <meta name="gca-search-root" content="{{ root-relative or absolute site root }}">  (optional)
 *
 * Markup the theme provides (all optional; the script uses what it finds):
 *
 * 1. Header box, on every page:
 *      <form role="search" action="{root}search/" data-gca-search="box">
 *        <label for="gca-q">Search</label>
 *        <input id="gca-q" type="search" name="q" autocomplete="off"
 *               aria-controls="gca-search-dropdown">
 *        <div id="gca-search-dropdown" data-gca-search="dropdown" hidden></div>
 *      </form>
 *    Typing shows the first results in the dropdown (search as you type);
 *    Enter on the input submits the form to the search page.
 *
 * 2. Search page (the page at {root}search/):
 *      <div data-gca-search="page">
 *        <input type="search" name="q" aria-label="Search">
 *        <p data-gca-search="status" aria-live="polite"></p>
 *        <div data-gca-search="facets"></div>
 *        <ol data-gca-search="results"></ol>
 *        <button type="button" data-gca-search="more" hidden>More results</button>
 *      </div>
 *    The query and the filters live in the URL: ?q=words&work_areas=Legal+Measures
 *    (one parameter per taxonomy value), so a search can be shared. When the
 *    site has several languages, a checkbox searches all of them (?lang=all).
 *
 * 3. Optional strings for other languages, as a JSON data block (not a
 *    script, so it passes `Content-Security-Policy: default-src 'self'`):
 *      <script type="application/json" id="gca-search-strings">
 *        {"results": "{n} results", "one": "1 result", "none": "No results",
 *         "fallback": "No page has all the words; showing pages with any of them.",
 *         "more": "More results", "error": "Search is unavailable.",
 *         "all_languages": "Search all languages",
 *         "taxonomies": {"work_areas": "Work areas"},
 *         "term_list": [{"taxonomy": "regions", "name": "Africa", "label": "Afrique"}]}
 *    (or "taxonomy_list": [{"name": "work_areas", "title": "Work areas"}, ...])
 *      </script>
 *
 * What the script renders, for the theme's CSS:
 *   results list items: li.gca-result > a.gca-result-title, p.gca-result-excerpt
 *     (matches in <mark>), ul.gca-result-anchors > li > a, ul.gca-result-tags > li;
 *     the item under the arrow keys has aria-selected="true";
 *   facets: fieldset.gca-facet > legend, label > input[type=checkbox] + span.gca-count;
 *   highlighted words on a result's target page: mark.gca-highlight;
 *   the dropdown's data-query is the query its results answer.
 * Everything from the index is inserted as text nodes, never as HTML.
 *
 * Keys: "/" focuses the search box (unless the theme's script did), Esc
 * clears it (and again leaves it), Up/Down move through the results, Enter
 * opens the selected one.
 * Result links carry ?highlight=word+word; the target page marks those words
 * inside <main> (or the element with data-gca-search="content").
 */
(function () {
  'use strict';
  if (typeof document === 'undefined' || globalThis.GcaSearchUI) return;
  globalThis.GcaSearchUI = { started: false };

  var G = globalThis.GcaSearch;
  var DEFAULT_STRINGS = {
    results: '{n} results', one: '1 result', none: 'No results',
    fallback: 'No page has all the words; showing pages with any of them.',
    more: 'More results', error: 'Search is unavailable.',
    all_languages: 'Search all languages', taxonomies: {}
  };
  var strings = Object.assign({}, DEFAULT_STRINGS);
  var PAGE_SIZE = 10;
  var DROPDOWN_SIZE = 6;
  /** Shorter queries are not searched while typing (they would match too much). */
  var MIN_CHARS = 2;
  /** Keystrokes closer together than this make one search. */
  var DEBOUNCE_MS = 100;

  function loadStrings() {
    var el = document.getElementById('gca-search-strings');
    if (!el) return;
    try { Object.assign(strings, JSON.parse(el.textContent)); } catch (e) { /* keep defaults */ }
    // Term names in the page's language: [{taxonomy, name, label}, ...].
    if (Array.isArray(strings.term_list)) {
      strings.term_list.forEach(function (x) {
        if (x && typeof x.label === 'string') termLabels.set(x.taxonomy + '\u0000' + x.name, x.label);
      });
    }
    // Taxonomy titles may come as the list gca's templates have at hand.
    if (Array.isArray(strings.taxonomy_list)) {
      strings.taxonomies = Object.assign({}, strings.taxonomies);
      strings.taxonomy_list.forEach(function (t) {
        if (t && t.name && t.title) strings.taxonomies[t.name] = t.title;
      });
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  /** Appends text with the [from, to) ranges wrapped in <mark>, as text nodes. */
  function appendMarked(parent, text, ranges) {
    var at = 0;
    (ranges || []).forEach(function (r) {
      if (r[0] < at || r[1] > text.length) return;
      parent.appendChild(document.createTextNode(text.slice(at, r[0])));
      parent.appendChild(el('mark', null, text.slice(r[0], r[1])));
      at = r[1];
    });
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function withHighlight(url, words) {
    if (!words || words.length === 0) return url;
    var u = new URL(url);
    u.searchParams.set('highlight', words.join(' '));
    return u.href;
  }

  /** A term as readers of the page's language name it (filters and URLs keep its name). */
  var termLabels = new Map();
  function termLabel(taxonomy, value) {
    var label = termLabels.get(taxonomy + '\u0000' + value);
    return label === undefined ? value : label;
  }

  function taxonomyLabel(name) {
    if (strings.taxonomies && strings.taxonomies[name]) return strings.taxonomies[name];
    var s = name.replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  var pageLanguage = (document.documentElement.lang || '').toLowerCase().split(/[-_]/)[0];

  /** The name of a language in the page's language (Intl), else its code. */
  function languageName(code) {
    try {
      return new Intl.DisplayNames([document.documentElement.lang || 'en'], { type: 'language' }).of(code) || code;
    } catch (e) {
      return code;
    }
  }

  function renderResult(result, words, compact) {
    var li = el('li', 'gca-result');
    if (result.lang && result.lang !== pageLanguage) {
      // A result of another language (a search in all languages).
      li.lang = result.lang;
      li.dir = 'auto';
    }
    var a = el('a', 'gca-result-title');
    a.href = withHighlight(result.url, words);
    appendMarked(a, result.title || result.path, result.titleMarks);
    li.appendChild(a);
    if (result.excerpt) {
      var p = el('p', 'gca-result-excerpt');
      appendMarked(p, result.excerpt, result.marks);
      li.appendChild(p);
    }
    if (result.anchors.length > 0) {
      var ul = el('ul', 'gca-result-anchors');
      result.anchors.slice(0, compact ? 2 : 4).forEach(function (anchor) {
        var item = el('li');
        var link = el('a', null, anchor.heading);
        link.href = withHighlight(result.url, words).split('#')[0] + '#' + encodeURIComponent(anchor.anchor);
        item.appendChild(link);
        ul.appendChild(item);
      });
      li.appendChild(ul);
    }
    if (!compact) {
      var tags = el('ul', 'gca-result-tags');
      if (result.lang && result.lang !== pageLanguage) {
        var language = el('li', 'gca-result-lang', languageName(result.lang));
        language.lang = pageLanguage;
        tags.appendChild(language);
      }
      Object.keys(result.taxonomies).forEach(function (t) {
        result.taxonomies[t].forEach(function (v) { tags.appendChild(el('li', null, termLabel(t, v))); });
      });
      if (tags.childNodes.length) li.appendChild(tags);
    }
    return li;
  }

  /**
   * An integer with the digit grouping of the page's language, in Latin
   * digits as the site writes them (the theme's `number` filter):
   * 12,345 (en, zh), 12 345 (fr, ru: narrow no-break space; es: no-break
   * space, from five digits), 12٬345 (ar). toLocaleString would give
   * Arabic-Indic digits in Arabic.
   */
  function formatNumber(n) {
    var lang = pageLanguage;
    var sep = { fr: '\u202f', ru: '\u202f', es: '\u00a0', ar: '\u066c' }[lang] || ',';
    var digits = String(Math.abs(Math.round(n)));
    var group = digits.length > 4 || lang === 'en' || lang === 'zh' || lang === 'ar';
    var out = n < 0 ? '-' : '';
    for (var i = 0; i < digits.length; i++) {
      if (i > 0 && group && (digits.length - i) % 3 === 0) out += sep;
      out += digits.charAt(i);
    }
    return out;
  }

  function countText(total) {
    if (total === 0) return strings.none;
    if (total === 1) return strings.one;
    return strings.results.replace('{n}', formatNumber(total));
  }

  /** Keyboard movement through the links of a results container. */
  function moveSelection(container, step) {
    var items = Array.prototype.slice.call(container.querySelectorAll('li.gca-result'));
    if (items.length === 0) return null;
    var at = items.findIndex(function (i) { return i.getAttribute('aria-selected') === 'true'; });
    items.forEach(function (i) { i.removeAttribute('aria-selected'); });
    at = at < 0 ? (step > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + step));
    items[at].setAttribute('aria-selected', 'true');
    items[at].scrollIntoView({ block: 'nearest' });
    return items[at];
  }

  function selected(container) {
    return container.querySelector('li.gca-result[aria-selected="true"] a.gca-result-title');
  }

  /**
   * Runs one search at a time: a call made while one runs waits for it, and
   * only the last of the calls that waited runs then; the others (and any
   * answer overtaken by a newer call) end as stale. So typing fast never
   * has more than one search fetching files.
   */
  function latest(fn) {
    var counter = 0;
    var running = null;
    return function () {
      var args = arguments;
      var mine = ++counter;
      var stale = function () { throw { stale: true }; };
      var go = function () {
        if (mine !== counter) stale();
        return fn.apply(null, args);
      };
      var run = running ? running.then(go, go) : go();
      var done = run.then(function (v) {
        if (mine !== counter) stale();
        return v;
      });
      running = run.then(function () {}, function () {});
      return done;
    };
  }

  function ignoreStale(e) {
    if (!e || !e.stale) throw e;
  }

  /* ------------------------------------------------------------ header box */

  function setUpBox(form) {
    var input = form.querySelector('input[name="q"]');
    var dropdown = form.querySelector('[data-gca-search="dropdown"]');
    if (!input) return;
    var run = latest(function (q) { return G.search(q, { limit: DROPDOWN_SIZE, facets: false }); });
    input.addEventListener('focus', function () { G.preload().catch(function () {}); });
    if (!dropdown) return;
    function close() {
      dropdown.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    }
    var timer = 0;
    input.addEventListener('input', function () {
      clearTimeout(timer);
      var q = input.value;
      if (Array.from(q.trim()).length < MIN_CHARS) { close(); dropdown.textContent = ''; return; }
      timer = setTimeout(function () { show(q); }, DEBOUNCE_MS);
    });
    function show(q) {
      run(q).then(function (answer) {
        if (input.value !== q) return;
        dropdown.textContent = '';
        var status = el('p', 'gca-search-status', countText(answer.total));
        dropdown.appendChild(status);
        if (answer.fallback) dropdown.appendChild(el('p', 'gca-search-notice', strings.fallback));
        var list = el('ol', 'gca-results');
        answer.results.forEach(function (r) { list.appendChild(renderResult(r, answer.words, true)); });
        dropdown.appendChild(list);
        if (answer.total > answer.results.length) {
          var all = el('a', 'gca-search-all', strings.more);
          all.href = form.action + '?q=' + encodeURIComponent(q);
          dropdown.appendChild(all);
        }
        dropdown.hidden = false;
        dropdown.setAttribute('data-query', q);
        input.setAttribute('aria-expanded', 'true');
      }).catch(ignoreStale).catch(function () {
        dropdown.textContent = '';
        dropdown.appendChild(el('p', 'gca-search-status', strings.error));
        dropdown.hidden = false;
      });
    }
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        if (!dropdown.hidden) { moveSelection(dropdown, e.key === 'ArrowDown' ? 1 : -1); e.preventDefault(); }
      } else if (e.key === 'Enter') {
        var link = selected(dropdown);
        if (link && !dropdown.hidden) { e.preventDefault(); location.href = link.href; }
      } else if (e.key === 'Escape') {
        if (input.value !== '') { input.value = ''; dropdown.textContent = ''; close(); } else input.blur();
        e.preventDefault();
      }
    });
    document.addEventListener('click', function (e) {
      if (!form.contains(e.target)) close();
    });
    // Typed before this script arrived.
    if (document.activeElement === input && input.value.trim() !== '') input.dispatchEvent(new Event('input'));
  }

  /* ----------------------------------------------------------- search page */

  function setUpPage(root) {
    var input = root.querySelector('input[name="q"]');
    var status = root.querySelector('[data-gca-search="status"]');
    var facetsBox = root.querySelector('[data-gca-search="facets"]');
    var list = root.querySelector('[data-gca-search="results"]');
    var more = root.querySelector('[data-gca-search="more"]');
    if (!input || !list) return;
    var params = new URLSearchParams(location.search);
    var filters = {};
    var shown = PAGE_SIZE;
    var allLanguages = params.get('lang') === 'all';
    input.value = params.get('q') || '';
    var run = latest(function (q, opts) { return G.search(q, opts); });

    /** The "search all languages" checkbox, when the site has several. */
    function languageChoice(meta) {
      if (!meta.languages || meta.languages.length < 2 || root.querySelector('.gca-all-languages')) return;
      var label = el('label', 'gca-all-languages');
      var box = el('input');
      box.type = 'checkbox';
      box.name = 'lang';
      box.value = 'all';
      box.checked = allLanguages;
      box.addEventListener('change', function () {
        allLanguages = box.checked;
        shown = PAGE_SIZE;
        update();
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + strings.all_languages));
      var at = status || facetsBox || list;
      at.parentNode.insertBefore(label, at);
    }

    function readFilters(meta) {
      meta.facets.forEach(function (t) {
        var values = params.getAll(t[0]);
        if (values.length) filters[t[0]] = values;
      });
    }

    function writeUrl() {
      var p = new URLSearchParams();
      if (input.value) p.set('q', input.value);
      if (allLanguages) p.set('lang', 'all');
      Object.keys(filters).sort().forEach(function (t) {
        filters[t].forEach(function (v) { p.append(t, v); });
      });
      var qs = p.toString();
      history.replaceState(null, '', location.pathname + (qs ? '?' + qs : '') + location.hash);
    }

    function renderFacets(meta, counts) {
      if (!facetsBox) return;
      facetsBox.textContent = '';
      meta.facets.forEach(function (t) {
        var fieldset = el('fieldset', 'gca-facet');
        fieldset.appendChild(el('legend', null, taxonomyLabel(t[0])));
        t[1].forEach(function (v) {
          var label = el('label');
          var box = el('input');
          box.type = 'checkbox';
          box.name = t[0];
          box.value = v[0];
          box.checked = (filters[t[0]] || []).indexOf(v[0]) >= 0;
          box.addEventListener('change', function () {
            var now = (filters[t[0]] || []).filter(function (x) { return x !== v[0]; });
            if (box.checked) now.push(v[0]);
            if (now.length) filters[t[0]] = now; else delete filters[t[0]];
            shown = PAGE_SIZE;
            update();
          });
          label.appendChild(box);
          label.appendChild(document.createTextNode(' ' + termLabel(t[0], v[0]) + ' '));
          var n = counts && counts[t[0]] ? counts[t[0]][v[0]] : v[1];
          label.appendChild(el('span', 'gca-count', '(' + formatNumber(n) + ')'));
          fieldset.appendChild(label);
        });
        facetsBox.appendChild(fieldset);
      });
    }

    function update() {
      writeUrl();
      var q = input.value;
      return G.preload().then(function (meta) {
        if (q.trim() === '') {
          list.textContent = '';
          if (status) status.textContent = '';
          if (more) more.hidden = true;
          renderFacets(meta, null);
          return;
        }
        var opts = { filters: filters, limit: shown };
        if (allLanguages) opts.languages = 'all';
        return run(q, opts).then(function (answer) {
          list.textContent = '';
          answer.results.forEach(function (r) { list.appendChild(renderResult(r, answer.words, false)); });
          if (status) {
            status.textContent = countText(answer.total);
            if (answer.fallback) status.textContent += ' ' + strings.fallback;
          }
          if (more) {
            more.hidden = answer.total <= answer.results.length;
            more.textContent = strings.more;
          }
          renderFacets(meta, answer.facets);
        });
      }).catch(ignoreStale).catch(function () {
        if (status) status.textContent = strings.error;
      });
    }

    var timer = 0;
    input.addEventListener('input', function () {
      shown = PAGE_SIZE;
      clearTimeout(timer);
      timer = setTimeout(update, DEBOUNCE_MS);
    });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        moveSelection(list, e.key === 'ArrowDown' ? 1 : -1);
        e.preventDefault();
      } else if (e.key === 'Enter') {
        var link = selected(list);
        if (link) location.href = link.href;
        e.preventDefault();
      } else if (e.key === 'Escape') {
        if (input.value !== '') { input.value = ''; update(); } else input.blur();
        e.preventDefault();
      }
    });
    if (more) more.addEventListener('click', function () { shown += PAGE_SIZE; update(); });
    G.preload().then(function (meta) { readFilters(meta); languageChoice(meta); update(); }).catch(function () {
      if (status) status.textContent = strings.error;
    });
  }

  /* ------------------------------------------------------ target highlight */

  var SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEXTAREA: 1, INPUT: 1, SELECT: 1, MARK: 1, SVG: 1 };

  function highlightPage() {
    var wanted = new URLSearchParams(location.search).get('highlight');
    if (!wanted) return;
    var set = new Set(G.words(wanted).map(function (w) { return w.text; }));
    if (set.size === 0) return;
    var scope = document.querySelector('[data-gca-search="content"]') || document.querySelector('main');
    if (!scope) return;
    var walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        for (var p = node.parentNode; p && p !== scope; p = p.parentNode) {
          if (SKIP[p.nodeName.toUpperCase()]) return NodeFilter.FILTER_REJECT;
        }
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    var first = null;
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var hits = G.words(text).filter(function (w) { return set.has(w.text); });
      if (hits.length === 0) return;
      var frag = document.createDocumentFragment();
      var at = 0;
      hits.forEach(function (w) {
        frag.appendChild(document.createTextNode(text.slice(at, w.from)));
        var mark = el('mark', 'gca-highlight', text.slice(w.from, w.to));
        if (!first) first = mark;
        frag.appendChild(mark);
        at = w.to;
      });
      frag.appendChild(document.createTextNode(text.slice(at)));
      node.parentNode.replaceChild(frag, node);
    });
    if (first && !location.hash) first.scrollIntoView({ block: 'center' });
  }

  /* ----------------------------------------------------------------- keys */

  function onSlash(e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.nodeName))) return;
    var input = document.querySelector('[data-gca-search="page"] input[name="q"]') ||
      document.querySelector('[data-gca-search="box"] input[name="q"]');
    if (input) { e.preventDefault(); input.focus(); input.select(); }
  }

  function start() {
    if (!G || globalThis.GcaSearchUI.started) return;
    globalThis.GcaSearchUI.started = true;
    loadStrings();
    document.querySelectorAll('[data-gca-search="box"]').forEach(setUpBox);
    document.querySelectorAll('[data-gca-search="page"]').forEach(setUpPage);
    document.addEventListener('keydown', onSlash);
    highlightPage();
  }

  // After the rest of meta.js (the index meta) has run.
  Promise.resolve().then(function () {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  });
})();
