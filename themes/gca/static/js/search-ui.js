/*
 * gca search: the only part of it that every page loads. It loads the
 * search itself, <root>/search/<lang>/meta.js (the reader, the user
 * interface and the index meta of the page's language, one script written
 * by the build), when it is needed: when a search box gets focus or "/" is
 * pressed, and at once on the search page and on a page opened from a
 * result (?highlight=...). The markup it serves is documented in the
 * search-index crate (js/search-ui.js).
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var asked = false;

  function root() {
    var meta = document.querySelector('meta[name="gca-search-root"]');
    if (meta && meta.content) return new URL(meta.content, document.baseURI).href;
    return new URL('../', script.src).href;
  }

  function add(src, onError) {
    var s = document.createElement('script');
    s.src = src;
    s.async = true;
    if (onError) s.onerror = onError;
    document.head.appendChild(s);
  }

  function load() {
    if (asked) return;
    asked = true;
    var base = new URL('search/', root()).href;
    var lang = (document.documentElement.lang || '').toLowerCase().replace(/_/g, '-')
      .replace(/[^a-z0-9-]/g, '').slice(0, 16).replace(/^-+|-+$/g, '') || 'en';
    add(base + lang + '/meta.js', function () {
      // No index in this page's language: English, else the first there is.
      if (window.__gcaSearchData) return;
      var stub = function (payload) {
        stub.queue.push(payload);
        var list = (payload && payload.languages) || [];
        var pick = list.indexOf('en') >= 0 ? 'en' : list[0];
        if (pick && pick !== lang) add(base + pick + '/meta.js');
      };
      stub.queue = [];
      window.__gcaSearchData = stub;
      add(base + 'languages.js');
    });
  }

  function isBox(el) {
    return el && el.nodeName === 'INPUT' && el.closest('[data-gca-search="box"], [data-gca-search="page"]');
  }

  document.addEventListener('focusin', function (e) {
    if (isBox(e.target)) load();
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.nodeName))) return;
    var input = document.querySelector('[data-gca-search="page"] input[name="q"]') ||
      document.querySelector('[data-gca-search="box"] input[name="q"]');
    if (input) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
  if (document.querySelector('[data-gca-search="page"]') || isBox(document.activeElement) ||
      /[?&]highlight=/.test(location.search)) {
    load();
  }
})();
