// Runs the browser reader under node on an exported index and prints what it
// finds, for search-index/tests/agreement.rs. The reader is the one the
// export ships: the code at the head of <dir>/<lang>/meta.js (or, with no
// export, search-index/js/search-core.js).
// Usage: node run-queries.mjs <search dir> <input.json>
// input.json: {"lang": "en", "all": false, "queries": [{"q": "...", "filters": {...}}], "texts": ["..."]}
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const [dir, inputPath] = process.argv.slice(2);
const input = JSON.parse(await readFile(inputPath, 'utf8'));
const bundle = join(dir, input.lang || 'en', 'meta.js');
const source = existsSync(bundle) ? bundle : join(here, '../../js/search-core.js');
vm.runInThisContext(await readFile(source, 'utf8'), { filename: source });
const G = globalThis.GcaSearch;

// With `fresh`, each query gets new indexes, and the files it loaded are
// reported (meta.js is not among them: evaluating it registered the meta).
let loaded = [];
const load = async (path) => {
  loaded.push(path);
  return G.parsePayload(await readFile(join(dir, path), 'utf8'));
};
const make = () => [input.lang, ...(input.others || [])].map((lang) => G.createIndex({ lang, root: 'https://example.org/gca/', load }));
let indexes = make();
const results = [];
for (const { q, filters, limit, offset } of input.queries) {
  if (input.fresh) indexes = make();
  loaded = [];
  const options = { filters: filters || {}, limit: limit || 10, offset: offset || 0, facets: input.facets !== false };
  const out = input.all ? await G.searchMany(indexes, q, options) : await indexes[0].search(q, options);
  results.push({
    files: [...loaded].sort(),
    paths: out.results.map((r) => r.path),
    langs: out.results.map((r) => r.lang),
    scores: out.results.map((r) => r.score),
    anchors: out.results.map((r) => r.anchors.map((a) => a.anchor)),
    headings: out.results.map((r) => r.anchors.map((a) => a.heading)),
    titles: out.results.map((r) => r.title),
    total: out.total,
    fallback: out.fallback,
    facets: out.facets,
    unknown: out.unknownFilters,
  });
}
const words = (input.texts || []).map((t) => G.words(t).map((w) => w.text));
process.stdout.write(JSON.stringify({ results, words }));
