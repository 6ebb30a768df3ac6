/*
 * gca search: the browser reader of the static index in <root>/search/.
 *
 * The export writes this file, then the user interface (search-ui.js), then
 * the language's index meta into every <root>/search/<lang>/meta.js: one
 * classic script, loaded when a search box gets focus (the theme's small
 * js/search-ui.js does that). Classic scripts also run on pages opened
 * from disk (file://), where Chromium refuses ES modules and fetch(). Under
 * node (tests) the file is evaluated as it is and given a file loader.
 *
 * It defines globalThis.GcaSearch = { search, createIndex, words, parseQuery,
 * ... } and nothing else global except the data callback __gcaSearchData;
 * when several meta.js files load (a search in all languages), the first
 * definition stays.
 *
 * Site root: the content of <meta name="gca-search-root" content="..."> when
 * the page has one (resolved against the page URL), else two folders above
 * this script (<root>/search/<lang>/meta.js). Data files are
 * <root>/search/<lang>/..., so the site works under any sub-path.
 *
 * Language: the page's <html lang> (its primary subtag), falling back to
 * English, else the first language of search/languages.js, when the site has
 * no index for it.
 *
 * The query language and ranking are those of the Rust crate search-index
 * (module `query`); this file implements them step for step, and a test
 * (search-index/tests/agreement.rs) checks that both return the same results.
 */
(function (global) {
  'use strict';
  if (global.GcaSearch) return;

  var PREFIX = '__gcaSearchData(';
  var MAX_QUERY_CHARS = 500;
  var MAX_WORDS = 10;
  var MAX_CANDIDATES = 64;
  var MAX_WORD_CHARS = 40;
  var EXACT = 8, PREFIX_W = 6, PREFIX_AFTER_EXACT = 3, TYPO = 4;
  var FORMAT = 5;
  /* The key index for typos across shards (search-index/src/keys.rs). */
  var KEY_DELETIONS = 2, MAX_EXTRA_SHARDS = 3, BUCKETS = 9, ENTRY_MARKS = "!#$%&'()*+,./:;<=>?@[]^`{|}~";

  /* ---------------------------------------------------------------- words */

  var FOLD = { 'ß': 'ss', 'æ': 'ae', 'œ': 'oe', 'ø': 'o', 'đ': 'd', 'ð': 'd', 'ł': 'l', 'þ': 'th', 'ı': 'i', 'ς': 'σ' };
  var MARK = /\p{M}/gu;
  var ALNUM = /^[\p{Alphabetic}\p{N}]$/u;
  var SPACE = /\p{White_Space}/u;
  var foldCache = new Map();

  function foldChar(c) {
    var hit = foldCache.get(c);
    if (hit !== undefined) return hit;
    var out = '';
    var lowered = c.toLowerCase().normalize('NFD').replace(MARK, '');
    for (var d of lowered) out += FOLD[d] !== undefined ? FOLD[d] : d;
    if (foldCache.size < 4096) foldCache.set(c, out);
    return out;
  }

  /** Lowercases and folds a string without splitting it. */
  function fold(text) {
    var out = '';
    for (var c of text) out += foldChar(c);
    return out;
  }

  function isCjk(cp) {
    return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x2fa1f);
  }

  function pushWord(chars, out) {
    if (chars.length === 0 || chars.length > MAX_WORD_CHARS) return;
    var text = '';
    for (var i = 0; i < chars.length; i++) text += chars[i][0];
    out.push({ text: text, from: chars[0][1], to: chars[chars.length - 1][2] });
  }

  /**
   * Splits text into surface words {text, from, to} (offsets in UTF-16 code
   * units of the source), exactly as search-index/src/analysis.rs `words`.
   */
  function words(text) {
    var folded = [];
    var at = 0;
    for (var c of text) {
      var end = at + c.length;
      for (var f of foldChar(c)) folded.push([f, at, end]);
      at = end;
    }
    var out = [];
    var i = 0;
    while (i < folded.length) {
      if (!ALNUM.test(folded[i][0])) { i++; continue; }
      var start = i;
      while (i < folded.length && ALNUM.test(folded[i][0])) i++;
      var run = folded.slice(start, i);
      var j = 0;
      while (j < run.length) {
        var cjk = isCjk(run[j][0].codePointAt(0));
        var s = j;
        while (j < run.length && isCjk(run[j][0].codePointAt(0)) === cjk) j++;
        var part = run.slice(s, j);
        if (cjk && part.length > 1) {
          for (var k = 0; k + 1 < part.length; k++) pushWord(part.slice(k, k + 2), out);
        } else {
          pushWord(part, out);
        }
      }
    }
    return out;
  }

  /** Compares strings by code point, as Rust orders them. */
  function cmp(a, b) {
    if (a === b) return 0;
    var n = Math.min(a.length, b.length);
    for (var i = 0; i < n; i++) {
      var x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x !== y) {
        if (x >= 0xd800 && y >= 0xd800) {
          x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
          y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
        }
        return x < y ? -1 : 1;
      }
    }
    return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
  }

  /* ---------------------------------------------------------------- query */

  /** Parses a query into {words: [{text, prefix, quoted}], excluded: []}. */
  function parseQuery(raw) {
    raw = Array.from(String(raw == null ? '' : raw)).slice(0, MAX_QUERY_CHARS).join('');
    var query = { words: [], excluded: [], phrases: [] };
    var lastPrefix = false;
    var segments = raw.split('"');
    function push(text, quoted) {
      if (query.words.length >= MAX_WORDS) return;
      for (var i = 0; i < query.words.length; i++) {
        if (query.words[i].text === text && query.words[i].quoted === quoted) {
          query.words.push(query.words.splice(i, 1)[0]);
          return;
        }
      }
      query.words.push({ text: text, prefix: false, quoted: quoted });
    }
    for (var i = 0; i < segments.length; i++) {
      var segment = segments[i];
      var isLast = i + 1 === segments.length;
      if (i % 2 === 1) {
        var inQuotes = words(segment);
        if (inQuotes.length >= 2 && query.phrases.length < MAX_WORDS) {
          query.phrases.push(inQuotes.slice(0, MAX_WORDS).map(function (w, k) { return [w.text, k]; }));
        }
        inQuotes.forEach(function (w) { push(w.text, true); });
        lastPrefix = false;
        continue;
      }
      var lastChar = Array.from(segment).pop();
      var endsInWord = isLast && lastChar !== undefined && !SPACE.test(lastChar);
      var chunks = segment.split(/\p{White_Space}/u).filter(function (c) { return c.length > 0; });
      for (var j = 0; j < chunks.length; j++) {
        var chunk = chunks[j];
        var lastChunk = j + 1 === chunks.length;
        if (chunk.charAt(0) === '-' && chunk.length > 1) {
          words(chunk.slice(1)).forEach(function (w) {
            if (query.excluded.length < MAX_WORDS && query.excluded.indexOf(w.text) < 0) query.excluded.push(w.text);
          });
          lastPrefix = false;
          continue;
        }
        var found = words(chunk);
        var chunkEndsInWord = found.length > 0 && found[found.length - 1].to === chunk.length;
        found.forEach(function (w) { push(w.text, false); });
        lastPrefix = endsInWord && lastChunk && chunkEndsInWord;
      }
    }
    var last = query.words[query.words.length - 1];
    if (lastPrefix && last && !last.quoted) last.prefix = true;
    return query;
  }

  /** Optimal string alignment distance of two code point arrays, or -1 above max. */
  function editDistance(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return -1;
    var n = a.length, m = b.length;
    var prev2 = new Array(m + 1).fill(0);
    var prev = [];
    for (var j0 = 0; j0 <= m; j0++) prev.push(j0);
    var cur = new Array(m + 1).fill(0);
    for (var i = 1; i <= n; i++) {
      cur[0] = i;
      var rowMin = cur[0];
      for (var j = 1; j <= m; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
        cur[j] = v;
        if (v < rowMin) rowMin = v;
      }
      if (rowMin > max) return -1;
      var t = prev2; prev2 = prev; prev = cur; cur = t;
    }
    return prev[m] <= max ? prev[m] : -1;
  }

  /* ----------------------------------------------------------------- data */

  var CODES = new Int8Array(128).fill(-1);
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach(function (c, i) { CODES[c.charCodeAt(0)] = i; });

  /** Reads the numbers packed by search-index/src/encode.rs. */
  function unpack(s) {
    var out = [];
    var value = 0, mult = 1;
    for (var i = 0; i < s.length; i++) {
      var d = CODES[s.charCodeAt(i) & 127];
      if (d < 0) break;
      value += (d & 31) * mult;
      if (d & 32) { mult *= 32; } else { out.push(value); value = 0; mult = 1; }
    }
    return out;
  }

  /** The JSON payload of an exported file (the last call in it). */
  function parsePayload(text) {
    var start = text.lastIndexOf(PREFIX);
    var end = text.lastIndexOf(')');
    if (start < 0 || end < start) throw new Error('not a gca search file');
    return JSON.parse(text.slice(start + PREFIX.length, end));
  }

  /* Payloads handed over by scripts: the last one for loadScript, and every
     meta by language (a meta.js loaded by the theme's script, before any
     Index exists). A stub defined before this file ran may hold some. */
  var pending = [];
  var metas = new Map();
  function receive(payload) {
    if (payload && payload.kind === 'meta' && typeof payload.lang === 'string' && !metas.has(payload.lang)) {
      metas.set(payload.lang, payload);
    }
    pending.push(payload);
  }
  var early = typeof global.__gcaSearchData === 'function' && Array.isArray(global.__gcaSearchData.queue)
    ? global.__gcaSearchData.queue : [];
  global.__gcaSearchData = receive;
  early.forEach(receive);

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = url;
      s.async = true;
      s.onload = function () {
        s.remove();
        var payload = pending.pop();
        pending.length = 0;
        if (payload === undefined) reject(new Error('no data in ' + url)); else resolve(payload);
      };
      s.onerror = function () { s.remove(); reject(new Error('cannot load ' + url)); };
      document.head.appendChild(s);
    });
  }

  function browserLoader(root) {
    var base = new URL('search/', root).href;
    var viaScript = typeof location !== 'undefined' && location.protocol === 'file:';
    return function (path) {
      var url = base + path;
      if (viaScript || typeof fetch !== 'function') return loadScript(url);
      return fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
        return r.text();
      }).then(parsePayload);
    };
  }

  var scriptUrl = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : null;

  /** The site root URL (see the top of this file). */
  function siteRoot() {
    if (typeof document !== 'undefined') {
      var meta = document.querySelector('meta[name="gca-search-root"]');
      if (meta && meta.content) return new URL(meta.content, document.baseURI).href;
      if (scriptUrl) return new URL('../../', scriptUrl).href;
      return new URL('./', document.baseURI).href;
    }
    return '/';
  }

  /** Display records, their URLs front-coded (export.rs `records_json`):
      [keep, rest, title, excerpt, facets], with the page first when withPage. */
  function decodeRecords(list, withPage, into) {
    var previous = '';
    for (var i = 0; i < list.length; i++) {
      var r = list[i];
      var k = withPage ? 1 : 0;
      var url = previous.slice(0, r[k]) + r[k + 1];
      previous = url;
      into(withPage ? r[0] : i, { path: url, title: r[k + 2], excerpt: r[k + 3], facets: unpack(r[k + 4]) });
    }
  }

  /* ---------------------------------------------------------------- index */

  function Shard(payload) {
    this.words = payload.words;
    this.terms = payload.terms;
    this.packed = payload.postings;
    this.packedTop = payload.top || [];
    this.heads = payload.heads || [];
    this.docList = payload.docs || [];
    this.decoded = new Array(payload.postings.length);
    this.decodedTop = new Array(this.packedTop.length);
    this.docs = null;
    this.positions = null;
    this.decodedPositions = [];
  }
  Shard.prototype.find = function (word) {
    var lo = 0, hi = this.words.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (cmp(this.words[mid], word) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  };
  /** Positions of a term on the page at posting index i (needs the positions file). */
  Shard.prototype.positionsAt = function (term, i) {
    if (!this.positions) return [];
    var hit = this.decodedPositions[term];
    if (!hit) {
      var n = unpack(this.positions[term] || '');
      var starts = [];
      var values = [];
      var k = 0;
      while (k < n.length) {
        var first = Math.floor(n[k] / 2);
        var more = n[k++] % 2 === 1;
        starts.push(values.length);
        values.push(first);
        if (more && k < n.length) {
          var count = n[k++];
          var at = first;
          for (var j = 0; j < count && k < n.length; j++) { at += n[k++]; values.push(at); }
        }
      }
      starts.push(values.length);
      hit = { starts: starts, values: values };
      this.decodedPositions[term] = hit;
    }
    if (i + 1 >= hit.starts.length) return [];
    return hit.values.slice(hit.starts[i], hit.starts[i + 1]);
  };
  Shard.prototype.postingIndex = function (term, page) {
    var pages = this.postings(term).pages;
    var lo = 0, hi = pages.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (pages[mid] < page) lo = mid + 1; else hi = mid;
    }
    return lo < pages.length && pages[lo] === page ? lo : -1;
  };
  Shard.prototype.postings = function (term) {
    var hit = this.decoded[term];
    if (hit) return hit;
    var n = unpack(this.packed[term] || '');
    var count = Math.floor(n.length / 2);
    var pages = new Int32Array(count), q = new Uint8Array(count);
    var page = 0;
    for (var i = 0; i < count; i++) {
      page += n[2 * i];
      pages[i] = page;
      q[i] = n[2 * i + 1];
    }
    hit = { pages: pages, q: q, length: count };
    this.decoded[term] = hit;
    return hit;
  };
  /** The heading [anchor, heading] of a term's best section on one of its
      top pages, or null (not a top page, or no section). */
  Shard.prototype.topHead = function (term, page) {
    var map = this.decodedTop[term];
    if (!map) {
      map = new Map();
      var n = unpack(this.packedTop[term] || '');
      var p = 0;
      for (var i = 0; i + 1 < n.length; i += 2) { p += n[i]; map.set(p, n[i + 1]); }
      this.decodedTop[term] = map;
    }
    var ref = map.get(page);
    if (!ref) return null;
    var h = this.heads[ref - 1];
    if (typeof h === 'string') return [asciiSlug(h), h];
    return Array.isArray(h) ? h : null;
  };
  /** The display record of a page, when this shard carries it. */
  Shard.prototype.record = function (page) {
    if (!this.docs) {
      var docs = this.docs = new Map();
      decodeRecords(this.docList, true, function (p, r) { docs.set(p, r); });
    }
    return this.docs.get(page) || null;
  };

  /** A key shard (export.rs `encode_key_shard`): keys, and per key its
      entries [kind (0: the key is the word, 1 + i: the word without its
      character i), that character, bucket]. */
  function KeyShard(payload) {
    var text = String(payload.keys || ''), n = text.length, i = 0, key = '', m;
    this.words = this.keys = [];
    this.entries = [];
    while (i < n) {
      var keep = 0, mult = 1, d;
      do { d = CODES[text.charCodeAt(i++) & 127]; keep += (d & 31) * mult; mult *= 32; } while (d >= 32 && i < n);
      var j = i;
      while (j < n && ENTRY_MARKS.indexOf(text.charAt(j)) < 0) j++;
      key = key.slice(0, keep) + text.slice(i, j);
      var list = [];
      for (i = j; i < n && (m = ENTRY_MARKS.indexOf(text.charAt(i))) >= 0; i++) {
        var e = [Math.floor(m / BUCKETS), '', m % BUCKETS + 1];
        if (e[0] > 0) { e[1] = String.fromCodePoint(text.codePointAt(i + 1) || 32); i += e[1].length; }
        list.push(e);
      }
      this.keys.push(key);
      this.entries.push(list);
    }
  }
  KeyShard.prototype.find = Shard.prototype.find;

  /** The word of a key entry. */
  function keyWord(key, e) {
    if (!e[0]) return key;
    var c = Array.from(key);
    c.splice(e[0] - 1, 0, e[1]);
    return c.join('');
  }

  /**
   * An index of one language. options: {lang, root, load(path) -> Promise of
   * payload}. Every file is loaded once and kept.
   */
  function Index(options) {
    options = options || {};
    this.root = options.root || siteRoot();
    this.load = options.load || browserLoader(this.root);
    this.lang = options.lang || null;
    this.files = new Map();
    /** Shards loaded so far, in the order they arrived. */
    this.shards = [];
    this.metaPromise = null;
  }

  Index.prototype.file = function (path) {
    var hit = this.files.get(path);
    if (!hit) {
      var self = this;
      hit = this.load(path);
      hit.catch(function () { self.files.delete(path); });
      this.files.set(path, hit);
    }
    return hit;
  };

  function prepareMeta(meta) {
    if (meta.flatFacets) return meta;
    meta.starts = [''].concat(meta.shards ? meta.shards.split(' ') : []);
    meta.keyStarts = [''].concat(meta.keys ? meta.keys.split(' ') : []);
    meta.flatFacets = [];
    meta.facets.forEach(function (t) {
      t[1].forEach(function (v) { meta.flatFacets.push([t[0], v[0]]); });
    });
    // Stop words are dropped from queries without loading their shards.
    meta.stopSet = new Set(meta.stop || []);
    meta.records = new Map();
    if (meta.table) decodeRecords(meta.table, false, function (p, r) { meta.records.set(p, r); });
    return meta;
  }

  /** Loads the language's meta (when the search box gets focus; the theme's
      script has usually loaded it already). */
  Index.prototype.meta = function () {
    var self = this;
    if (!this.metaPromise) {
      var lang = this.lang || pageLang();
      var byLang = function (l) {
        return metas.has(l) ? Promise.resolve(metas.get(l)) : self.file(l + '/meta.js');
      };
      // The page's own language has no index but the theme's script loaded
      // the fallback already: use it.
      if (!this.lang && !metas.has(lang) && metas.size > 0) lang = metas.has('en') ? 'en' : metas.keys().next().value;
      this.metaPromise = byLang(lang).catch(function () {
        return self.file('languages.js').then(function (l) {
          var langs = l.languages || [];
          var pick = langs.indexOf('en') >= 0 ? 'en' : langs[0];
          if (!pick || pick === lang) throw new Error('this site has no search index');
          return byLang(pick);
        });
      }).then(function (meta) {
        if (meta.format !== FORMAT) throw new Error('search index format ' + meta.format + ', this reader reads ' + FORMAT);
        self.lang = meta.lang;
        return prepareMeta(meta);
      });
      this.metaPromise.catch(function () { self.metaPromise = null; });
    }
    return this.metaPromise;
  };

  function shardIndex(meta, word) {
    return lastNotAfter(meta.starts, word);
  }

  /** The shard (of those starting at `starts`) of a word: the last whose first word is not after it. */
  function lastNotAfter(starts, word) {
    var lo = 0, hi = starts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (cmp(starts[mid], word) <= 0) lo = mid + 1; else hi = mid;
    }
    return Math.max(0, lo - 1);
  }

  Index.prototype.shard = function (meta, i) {
    var self = this;
    var key = meta.lang + '/t-' + meta.hash + '-' + i + '.js';
    return this.file(key).then(function (payload) {
      if (!payload.__shard) {
        Object.defineProperty(payload, '__shard', { value: new Shard(payload) });
        self.shards.push(payload.__shard);
      }
      return payload.__shard;
    });
  };

  Index.prototype.keyShard = function (meta, i) {
    return this.file(meta.lang + '/k-' + meta.keyHash + '-' + i + '.js').then(function (payload) {
      if (!payload.__keys) Object.defineProperty(payload, '__keys', { value: new KeyShard(payload) });
      return payload.__keys;
    });
  };

  /** Loads the word positions of shard i (for quoted phrases). */
  Index.prototype.shardPositions = function (meta, i) {
    var self = this;
    return this.shard(meta, i).then(function (shard) {
      if (shard.positions) return shard;
      return self.file(meta.lang + '/p-' + meta.hash + '-' + i + '.js').then(function (payload) {
        shard.positions = payload.positions;
        return shard;
      });
    });
  };

  /** The shards a word needs: its own, and for a prefix the next one too when its words start with it. */
  function shardsFor(meta, word) {
    var expands = word.prefix && !word.quoted && Array.from(word.text).length >= meta.prefixMin;
    return expands ? prefixShards(meta.starts, word.text).slice(0, meta.prefixShards) : [shardIndex(meta, word.text)];
  }

  /** The shard of a prefix and the following ones whose words start with it. */
  function prefixShards(starts, prefix) {
    var list = [lastNotAfter(starts, prefix)];
    for (var j = list[0] + 1; j < starts.length && starts[j].startsWith(prefix); j++) list.push(j);
    return list;
  }

  function Candidate(word, weight, shard, term) {
    this.word = word;
    this.weight = weight;
    this.shard = shard;
    this.term = term;
    this.postings = shard.postings(term);
  }

  function candidates(meta, shards, word) {
    var found = [];
    var text = word.text;
    var chars = Array.from(text);
    var firstShard = shards[0];
    var at = firstShard.find(text);
    var exactIsStop = false;
    if (at < firstShard.words.length && firstShard.words[at] === text) {
      if (firstShard.terms[at] >= 0) found.push(new Candidate(text, EXACT, firstShard, firstShard.terms[at]));
      else exactIsStop = true;
    }
    if (exactIsStop) return { stop: true, list: [] };
    if (word.prefix && !word.quoted && chars.length >= meta.prefixMin) {
      var prefixWeight = found.length === 0 ? PREFIX_W : PREFIX_AFTER_EXACT;
      for (var s = 0; s < shards.length; s++) {
        var shard = shards[s];
        for (var i = s === 0 ? at : shard.find(text); i < shard.words.length; i++) {
          var w = shard.words[i];
          if (!w.startsWith(text)) break;
          if (w !== text && shard.terms[i] >= 0) found.push(new Candidate(w, prefixWeight, shard, shard.terms[i]));
        }
      }
    }
    var typo = found.length === 0 && !word.quoted && chars.length >= 4;
    if (typo) {
      var max = chars.length >= 8 ? 2 : 1;
      var own = firstShard;
      for (var k = 0; k < own.words.length; k++) {
        if (own.terms[k] < 0) continue;
        var cand = own.words[k];
        if (editDistance(chars, Array.from(cand), max) >= 0) found.push(new Candidate(cand, TYPO, own, own.terms[k]));
      }
    }
    return { stop: false, list: found, typo: typo };
  }

  /** A typo's region (its first KEY_DELETIONS characters) and lookups (itself, and without its character 0, 1 ... KEY_DELETIONS). */
  function keyPlan(chars) {
    var lookups = [chars.join('')];
    for (var i = 0; i <= KEY_DELETIONS && i < chars.length; i++) {
      var key = chars.slice(0, i).concat(chars.slice(i + 1)).join('');
      if (lookups.indexOf(key) < 0) lookups.push(key);
    }
    return { region: chars.slice(0, KEY_DELETIONS).join(''), lookups: lookups };
  }

  /** The key shards a typo needs. */
  function keyShardsFor(meta, text) {
    var plan = keyPlan(Array.from(text));
    var list = prefixShards(meta.keyStarts, plan.region);
    plan.lookups.forEach(function (key) { list.push(lastNotAfter(meta.keyStarts, key)); });
    return list;
  }

  /**
   * The words of other term shards a typo reaches through the key shards
   * (keys.rs `reaches`), within its distance, of at most MAX_EXTRA_SHARDS
   * shards, chosen by distance, bucket (larger first) and word (keys.rs
   * `choose`): [{word, distance, bucket, shard}].
   */
  function reachedWords(meta, keyShards, text) {
    var chars = Array.from(text);
    var plan = keyPlan(chars);
    var found = new Map();
    prefixShards(meta.keyStarts, plan.region).forEach(function (k) {
      var ks = keyShards.get(k);
      for (var i = ks.find(plan.region); i < ks.keys.length && ks.keys[i].startsWith(plan.region); i++) {
        ks.entries[i].forEach(function (e) { if (!e[0]) found.set(ks.keys[i], e[2]); });
      }
    });
    plan.lookups.forEach(function (key) {
      var ks = keyShards.get(lastNotAfter(meta.keyStarts, key));
      var at = ks.find(key);
      if (ks.keys[at] === key) ks.entries[at].forEach(function (e) { found.set(keyWord(key, e), e[2]); });
    });
    var max = chars.length >= 8 ? 2 : 1;
    var own = shardIndex(meta, text);
    var reached = [];
    found.forEach(function (bucket, w) {
      var distance = editDistance(chars, Array.from(w), max);
      var shard = shardIndex(meta, w);
      if (distance >= 0 && shard !== own) reached.push({ word: w, distance: distance, bucket: bucket, shard: shard });
    });
    reached.sort(function (a, b) { return (a.distance - b.distance) || (b.bucket - a.bucket) || cmp(a.word, b.word); });
    var shards = [];
    return reached.filter(function (r) {
      if (shards.indexOf(r.shard) < 0) {
        if (shards.length >= MAX_EXTRA_SHARDS) return false;
        shards.push(r.shard);
      }
      return true;
    });
  }

  /** Loads the files of a list of numbers (each once), then hands them over by number. */
  function loadAll(numbers, loader) {
    var order = numbers.filter(function (n, i) { return numbers.indexOf(n) === i; });
    return Promise.all(order.map(loader)).then(function (got) {
      var by = new Map();
      order.forEach(function (n, i) { by.set(n, got[i]); });
      return by;
    });
  }

  /**
   * The candidates of each word (null for a stop word): those of its shards,
   * then, for typos, those that the key shards find in other term shards.
   */
  Index.prototype.candidatesOf = function (meta, query, needs, byIndex) {
    var self = this;
    var cands = query.words.map(function (word, wi) {
      if (meta.stopSet.has(word.text)) return null;
      var c = candidates(meta, needs[wi].map(function (i) { return byIndex.get(i); }), word);
      return c.stop ? null : c;
    });
    // With one term shard, the typos were all found in it.
    var typos = query.words.filter(function (w, wi) { return cands[wi] && cands[wi].typo && meta.starts.length > 1; });
    var keysNeeded = [];
    typos.forEach(function (w) { keysNeeded = keysNeeded.concat(keyShardsFor(meta, w.text)); });
    return loadAll(keysNeeded, function (k) { return self.keyShard(meta, k); }).then(function (keyShards) {
      var reached = new Map();
      var shardsNeeded = [];
      typos.forEach(function (w) {
        var list = reachedWords(meta, keyShards, w.text);
        reached.set(w, list);
        list.forEach(function (r) { shardsNeeded.push(r.shard); });
      });
      return loadAll(shardsNeeded, function (i) { return self.shard(meta, i); }).then(function (shards) {
        return cands.map(function (c, wi) {
          if (!c) return null;
          (reached.get(query.words[wi]) || []).forEach(function (r) {
            var sh = shards.get(r.shard), at = sh.find(r.word);
            if (sh.words[at] === r.word && sh.terms[at] >= 0) c.list.push(new Candidate(r.word, TYPO, sh, sh.terms[at]));
          });
          c.list.sort(function (a, b) {
            return (b.weight - a.weight) || (b.postings.length - a.postings.length) || cmp(a.word, b.word);
          });
          c.list = c.list.slice(0, MAX_CANDIDATES);
          return c;
        });
      });
    });
  };

  /**
   * Runs a query. options: {filters: {taxonomy: [values]}, limit (10),
   * offset (0), facets (true: compute facet counts; loads the facet file)}.
   * Resolves to {total, fallback, results: [{url, path, title, excerpt,
   * marks, titleMarks, taxonomies, anchors: [{anchor, heading, url}], score,
   * lang}], facets: {taxonomy: {value: count}}, unknownFilters, words, lang}.
   */
  Index.prototype.search = function (raw, options) {
    options = options || {};
    var self = this;
    var limit = options.limit == null ? 10 : Math.max(0, options.limit | 0);
    var offset = Math.max(0, options.offset | 0);
    var filters = options.filters || {};
    var wantFacets = options.facets !== false;
    var query = parseQuery(raw);
    return this.meta().then(function (meta) {
      var needs = query.words.map(function (w) { return meta.stopSet.has(w.text) ? [] : shardsFor(meta, w); });
      var excludedShards = query.excluded.map(function (w) { return meta.stopSet.has(w) ? -1 : shardIndex(meta, w); });
      var hasFilters = Object.keys(filters).some(function (t) { return (filters[t] || []).length > 0; });
      var all = new Set();
      needs.forEach(function (l) { l.forEach(function (i) { all.add(i); }); });
      excludedShards.forEach(function (i) { if (i >= 0) all.add(i); });
      var order = Array.from(all);
      var facetLoad = (wantFacets || hasFilters) && meta.facetFile && query.words.length > 0
        ? self.file(meta.lang + '/f-' + meta.facetFile + '.js') : Promise.resolve(null);
      var phraseShards = new Set();
      query.phrases.forEach(function (ph) {
        ph.forEach(function (w) { if (!meta.stopSet.has(w[0])) phraseShards.add(shardIndex(meta, w[0])); });
      });
      phraseShards.forEach(function (i) { if (!all.has(i)) { all.add(i); order.push(i); } });
      order.sort(function (a, b) { return a - b; });
      var shardLoad = Promise.all(order.map(function (i) {
        return phraseShards.has(i) ? self.shardPositions(meta, i) : self.shard(meta, i);
      }));
      return Promise.all([shardLoad, facetLoad]).then(function (got) {
        var byIndex = new Map();
        order.forEach(function (i, k) { byIndex.set(i, got[0][k]); });
        return self.candidatesOf(meta, query, needs, byIndex).then(function (cands) {
          var answer = self.rank(meta, query, cands, excludedShards, byIndex, got[1], filters, wantFacets);
          return self.present(meta, answer, offset, limit);
        });
      });
    });
  };

  Index.prototype.rank = function (meta, query, cands, excludedShards, byIndex, facetPayload, filters, wantFacets) {
    var scores = meta.scores;
    var n = meta.pages;
    // Per word: best contribution per page (-1: no match), the candidate
    // that gave it, and the pages it touched.
    var perWord = [];
    var surface = new Set();
    query.words.forEach(function (word, wi) {
      var c = cands[wi];
      if (!c) return;
      var best = new Float64Array(n).fill(-1);
      var from = new Int32Array(n);
      var touched = [];
      c.list.forEach(function (cand, ci) {
        var p = cand.postings;
        var weight = cand.weight;
        for (var i = 0; i < p.length; i++) {
          var page = p.pages[i];
          if (page >= n) continue;
          var score = weight * (scores[p.q[i]] || 0);
          var old = best[page];
          if (old < 0) { touched.push(page); best[page] = 0; from[page] = -1; old = 0; }
          if (score > old) { best[page] = score; from[page] = ci; }
        }
        if (p.length > 0) {
          surface.add(cand.word);
          // Other surface words of the same stem, for highlighting.
          var sh = cand.shard;
          for (var k = 0; k < sh.terms.length; k++) if (sh.terms[k] === cand.term) surface.add(sh.words[k]);
        }
      });
      perWord.push({ best: best, from: from, list: c.list, touched: touched });
    });
    var answer = { total: 0, fallback: false, ranked: [], facets: {}, unknownFilters: [], surface: surface };
    if (perWord.length === 0) return answer;
    var excluded = new Uint8Array(n);
    query.excluded.forEach(function (w, i) {
      if (excludedShards[i] < 0) return;
      var shard = byIndex.get(excludedShards[i]);
      var at = shard.find(w);
      if (at < shard.words.length && shard.words[at] === w && shard.terms[at] >= 0) {
        var p = shard.postings(shard.terms[at]);
        for (var k = 0; k < p.length; k++) if (p.pages[k] < n) excluded[p.pages[k]] = 1;
      }
    });
    var sets = new Map();
    function facetSet(id) {
      var hit = sets.get(id);
      if (!hit) {
        hit = new Uint8Array(n);
        var page = 0;
        unpack(facetPayload.sets[id]).forEach(function (g) { page += g; if (page < n) hit[page] = 1; });
        sets.set(id, hit);
      }
      return hit;
    }
    var known = new Map();
    meta.flatFacets.forEach(function (tv, id) {
      if (!known.has(tv[0])) known.set(tv[0], new Map());
      known.get(tv[0]).set(tv[1], id);
    });
    var active = [];
    Object.keys(filters).sort(cmp).forEach(function (taxonomy) {
      var values = filters[taxonomy] || [];
      if (!Array.isArray(values)) values = [values];
      if (values.length === 0) return;
      var ids = known.get(taxonomy);
      if (!ids) { answer.unknownFilters.push(taxonomy); return; }
      var allowed = new Uint8Array(n);
      values.forEach(function (v) {
        var id = ids.get(v);
        if (id === undefined || !facetPayload) return;
        var set = facetSet(id);
        for (var p = 0; p < n; p++) if (set[p]) allowed[p] = 1;
      });
      active.push([taxonomy, allowed]);
    });
    function passes(page, skip) {
      if (excluded[page]) return false;
      for (var i = 0; i < active.length; i++) {
        if (active[i][0] !== skip && !active[i][1][page]) return false;
      }
      return true;
    }
    // Phrases: [shard, term, offset] of their words, stop words left out.
    var phrases = [];
    query.phrases.forEach(function (ph) {
      var terms = [];
      var missing = false;
      ph.forEach(function (w) {
        if (meta.stopSet.has(w[0])) return;
        var shard = byIndex.get(shardIndex(meta, w[0]));
        var at = shard.find(w[0]);
        var found = at < shard.words.length && shard.words[at] === w[0];
        if (found && shard.terms[at] < 0) return;
        if (!found) { missing = true; return; }
        terms.push([shard, shard.terms[at], w[1]]);
      });
      if (missing) phrases.push(null); else if (terms.length >= 2) phrases.push(terms);
    });
    function phraseOk(page) {
      for (var i = 0; i < phrases.length; i++) {
        var ph = phrases[i];
        if (ph === null) return false;
        var lists = ph.map(function (t) {
          var k = t[0].postingIndex(t[1], page);
          return k < 0 ? [] : t[0].positionsAt(t[1], k);
        });
        var ok = lists[0].some(function (p) {
          var origin = p - ph[0][2];
          if (origin < 0) return false;
          for (var j = 1; j < ph.length; j++) if (lists[j].indexOf(origin + ph[j][2]) < 0) return false;
          return true;
        });
        if (!ok) return false;
      }
      return true;
    }
    // Pages with every word: walk the smallest list.
    var smallest = perWord.reduce(function (a, b) { return b.touched.length < a.touched.length ? b : a; });
    var matched = smallest.touched.filter(function (p) {
      for (var i = 0; i < perWord.length; i++) if (perWord[i].best[p] < 0) return false;
      return phraseOk(p);
    });
    if (perWord.length > 1 && !matched.some(function (p) { return passes(p, null); })) {
      var seen = new Uint8Array(n);
      matched = [];
      perWord.forEach(function (w) {
        w.touched.forEach(function (p) { if (!seen[p]) { seen[p] = 1; matched.push(p); } });
      });
      answer.fallback = matched.length > 0;
    }
    if (wantFacets && facetPayload) {
      meta.facets.forEach(function (t) {
        var counts = {};
        var ok = matched.filter(function (p) { return passes(p, t[0]); });
        t[1].forEach(function (v) {
          var set = facetSet(known.get(t[0]).get(v[0]));
          var c = 0;
          for (var i = 0; i < ok.length; i++) if (set[ok[i]]) c++;
          counts[v[0]] = c;
        });
        answer.facets[t[0]] = counts;
      });
    }
    var pages = [];
    var total = new Float64Array(n);
    matched.forEach(function (page) {
      if (!passes(page, null)) return;
      var score = 0;
      for (var i = 0; i < perWord.length; i++) {
        var b = perWord[i].best[page];
        if (b >= 0) score += b;
      }
      total[page] = score;
      pages.push(page);
    });
    pages.sort(function (a, b) { return (total[b] - total[a]) || (a - b); });
    answer.total = pages.length;
    answer.ranked = pages;
    // The sections a result points to: for each word, by its contribution,
    // the best section of the candidate that gave it, when the page is one
    // of that candidate's top pages.
    answer.headsOf = function (page) {
      var parts = [];
      perWord.forEach(function (w, i) {
        if (w.best[page] >= 0 && w.from[page] >= 0) parts.push([w.best[page], i, w.list[w.from[page]]]);
      });
      parts.sort(function (a, b) { return (b[0] - a[0]) || (a[1] - b[1]); });
      var heads = [];
      var seenAnchors = new Set();
      parts.forEach(function (x) {
        var h = x[2].shard.topHead(x[2].term, page);
        if (h && !seenAnchors.has(h[0])) { seenAnchors.add(h[0]); heads.push(h); }
      });
      return heads;
    };
    answer.scoreOf = function (page) { return total[page]; };
    return answer;
  };

  /** The anchor of an ASCII heading exported without one (export.rs `ascii_slug`). */
  function asciiSlug(heading) {
    var out = '';
    var dash = false;
    for (var i = 0; i < heading.length; i++) {
      var c = heading.charAt(i);
      if (/[A-Za-z0-9]/.test(c)) {
        if (dash && out) out += '-';
        dash = false;
        out += c.toLowerCase();
      } else if (c !== "'") {
        dash = true;
      }
    }
    return out;
  }

  /** Ranges [from, to) of words to mark in a text. */
  function marks(text, surface) {
    var out = [];
    words(text).forEach(function (w) {
      if (surface.has(w.text)) {
        var last = out[out.length - 1];
        if (last && last[1] === w.from) last[1] = w.to; else out.push([w.from, w.to]);
      }
    });
    return out;
  }

  /** The display record of a page from what is loaded: the table in meta,
      then the shards loaded so far. */
  Index.prototype.loadedRecord = function (meta, page) {
    var r = meta.records.get(page);
    for (var i = 0; !r && i < this.shards.length; i++) r = this.shards[i].record(page);
    return r || null;
  };

  /** The document-table file that holds a page (when the table is not in meta). */
  function docChunk(meta, page) {
    var d = meta.docs;
    var n = Math.floor(page / d.per);
    return meta.lang + '/d-' + d.hashes[Math.floor(n / d.group)] + '-' + n + '.js';
  }

  Index.prototype.present = function (meta, answer, offset, limit) {
    var self = this;
    var slice = answer.ranked.slice(offset, offset + limit);
    var records = new Map();
    var missing = new Set();
    slice.forEach(function (page) {
      var r = self.loadedRecord(meta, page);
      if (r) records.set(page, r);
      else if (meta.docs) missing.add(docChunk(meta, page));
    });
    var names = Array.from(missing).sort();
    return Promise.all(names.map(function (name) { return self.file(name); })).then(function (chunks) {
      chunks.forEach(function (chunk) {
        decodeRecords(chunk.docs, false, function (i, r) {
          if (!records.has(chunk.first + i)) records.set(chunk.first + i, r);
        });
      });
      var results = [];
      slice.forEach(function (page) {
        var d = records.get(page);
        if (!d) return;
        var url = new URL(d.path, self.root).href;
        // From disk, a folder does not open its index.html by itself.
        if (url.startsWith('file:') && (url.endsWith('/') || d.path === '')) url += 'index.html';
        var taxonomies = {};
        d.facets.forEach(function (id) {
          var tv = meta.flatFacets[id];
          if (!tv) return;
          (taxonomies[tv[0]] = taxonomies[tv[0]] || []).push(tv[1]);
        });
        var anchors = answer.headsOf(page).map(function (h) {
          return { anchor: h[0], heading: h[1], url: url + '#' + encodeURIComponent(h[0]) };
        });
        results.push({
          url: url, path: d.path, title: d.title, excerpt: d.excerpt, marks: marks(d.excerpt, answer.surface),
          titleMarks: marks(d.title, answer.surface),
          taxonomies: taxonomies, anchors: anchors, score: answer.scoreOf(page), lang: meta.lang
        });
      });
      return {
        total: answer.total, fallback: answer.fallback, results: results, facets: answer.facets,
        unknownFilters: answer.unknownFilters, words: Array.from(answer.surface).sort(cmp), lang: meta.lang
      };
    });
  };

  /* ------------------------------------------------------- all languages */

  /**
   * Runs a query on several indexes and merges the answers: results by rank
   * in turn (the first of each language, then the second of each...), in
   * the order of `indexes`, because scores of different indexes (other
   * statistics, other analysers) do not compare. Languages that found pages
   * with every word leave out those that fell back to any word. Totals and
   * facet counts add up.
   */
  function searchMany(indexes, raw, options) {
    options = options || {};
    var limit = options.limit == null ? 10 : Math.max(0, options.limit | 0);
    var offset = Math.max(0, options.offset | 0);
    var each = Object.assign({}, options, { offset: 0, limit: offset + limit });
    return Promise.all(indexes.map(function (index) {
      return index.search(raw, each).catch(function () { return null; });
    })).then(function (answers) {
      answers = answers.filter(function (a) { return a !== null; });
      var exact = answers.filter(function (a) { return a.total > 0 && !a.fallback; });
      var used = exact.length > 0 ? exact : answers;
      var merged = [];
      for (var rank = 0; ; rank++) {
        var any = false;
        used.forEach(function (a) {
          if (rank < a.results.length) { merged.push(a.results[rank]); any = true; }
        });
        if (!any) break;
      }
      var facets = {};
      used.forEach(function (a) {
        Object.keys(a.facets || {}).forEach(function (t) {
          var into = facets[t] = facets[t] || {};
          Object.keys(a.facets[t]).forEach(function (v) { into[v] = (into[v] || 0) + a.facets[t][v]; });
        });
      });
      var unknown = null;
      answers.forEach(function (a) {
        unknown = unknown === null ? a.unknownFilters.slice()
          : unknown.filter(function (t) { return a.unknownFilters.indexOf(t) >= 0; });
      });
      var wordsSeen = new Set();
      used.forEach(function (a) { a.words.forEach(function (w) { wordsSeen.add(w); }); });
      return {
        total: used.reduce(function (s, a) { return s + a.total; }, 0),
        fallback: exact.length === 0 && used.some(function (a) { return a.fallback; }),
        results: merged.slice(offset, offset + limit),
        facets: facets,
        unknownFilters: unknown || [],
        words: Array.from(wordsSeen).sort(cmp),
        languages: used.filter(function (a) { return a.total > 0; }).map(function (a) { return a.lang; })
      };
    });
  }

  function pageLang() {
    var lang = typeof document !== 'undefined' ? document.documentElement.lang : '';
    var key = String(lang || '').toLowerCase().replace(/_/g, '-').replace(/[^a-z0-9-]/g, '').slice(0, 16).replace(/^-+|-+$/g, '');
    return key || 'en';
  }

  var defaultIndex = null;
  var otherIndexes = new Map();
  /** The index of the current page's language. */
  function getIndex() {
    if (!defaultIndex) defaultIndex = new Index();
    return defaultIndex;
  }

  /** The indexes of every language of the site, the current one first. */
  function allIndexes() {
    var first = getIndex();
    return first.meta().then(function (meta) {
      var list = [first];
      (meta.languages || []).forEach(function (l) {
        if (l === meta.lang) return;
        if (!otherIndexes.has(l)) otherIndexes.set(l, new Index({ lang: l, root: first.root, load: first.load }));
        list.push(otherIndexes.get(l));
      });
      return list;
    });
  }

  /** search(query, {filters, limit, offset, facets, languages}) on the
      current page's language, or on every language with languages: 'all'. */
  function search(query, options) {
    if (options && options.languages === 'all') {
      return allIndexes().then(function (list) { return searchMany(list, query, options); });
    }
    return getIndex().search(query, options);
  }

  global.GcaSearch = {
    search: search,
    getIndex: getIndex,
    createIndex: function (options) { return new Index(options); },
    searchMany: searchMany,
    preload: function () { return getIndex().meta(); },
    words: words,
    fold: fold,
    parseQuery: parseQuery,
    editDistance: editDistance,
    unpack: unpack,
    parsePayload: parsePayload,
    siteRoot: siteRoot
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
