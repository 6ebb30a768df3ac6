// A small static file server for the browser tests: serves a built site
// from a folder on a loopback port (a free one unless given), under a path
// prefix (`/` unless given, e.g. `/gca/` for a site built for a sub-path),
// with the Content-Security-Policy a strict host would send, gzip when the
// browser accepts it, and the site's 404.html for missing paths.

import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { gzipSync } from "node:zlib";

export const CSP = "default-src 'self'";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

async function resolve(root, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  const full = normalize(join(root, rel));
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    const s = await stat(full);
    if (s.isDirectory()) {
      if (!rel.endsWith("/")) return { redirect: rel + "/" };
      const index = join(full, "index.html");
      await stat(index);
      return { file: index };
    }
    return { file: full };
  } catch {
    return null;
  }
}

/** Starts serving `root` at `prefix` on `port` (0: any free port);
 * resolves to `{ url, close }`. */
export async function serve(root, { log, port = 0, prefix = "/" } = {}) {
  root = normalize(root);
  const server = createServer(async (req, res) => {
    const headers = { "Content-Security-Policy": CSP, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
    const url = req.url || "/";
    // Outside the prefix nothing exists, not even the site's 404 page.
    if (!url.startsWith(prefix)) {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" });
      res.end("not found");
      return;
    }
    const found = await resolve(root, "/" + url.slice(prefix.length));
    if (found && found.redirect) {
      res.writeHead(301, { ...headers, Location: prefix + found.redirect.replace(/^\//, "") });
      res.end();
      return;
    }
    let status = 200;
    let file = found && found.file;
    if (!file) {
      status = 404;
      file = join(root, "404.html");
    }
    let body;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404, { ...headers, "Content-Type": "text/plain" });
      res.end("not found");
      return;
    }
    if (log) log(status, req.url);
    const type = TYPES[extname(file).toLowerCase()] || "application/octet-stream";
    const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] || "") && /text|json|xml|javascript|svg|wasm/.test(type);
    if (gzip) body = gzipSync(body);
    res.writeHead(status, {
      ...headers,
      "Content-Type": type,
      "Content-Length": body.length,
      ...(gzip ? { "Content-Encoding": "gzip", Vary: "Accept-Encoding" } : {}),
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}${prefix}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
