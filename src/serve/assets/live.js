// Live reload for `gca serve`. Listens to the server's event stream; when
// a rebuild changed this page (or any file that is not HTML, such as an
// image), reloads it at the same scroll position. When a rebuild fails,
// shows the errors over the page until the next good build.
// Served from /__gca/live.js only while serving; never part of a build.

const here = outputPath(location.pathname);
const loadedAt = Number(new URL(import.meta.url).searchParams.get("v") ?? "-1");
const scrollKey = "gca-serve-scroll:" + location.pathname;

restoreScroll();

let overlay = null;
const events = new EventSource("/__gca/events");

events.addEventListener("status", (e) => {
  const status = JSON.parse(e.data);
  if (!status.ok) {
    show(status.diagnostics);
  } else if (loadedAt >= 0 && status.generation !== loadedAt) {
    // Rebuilt while this page was loading or while disconnected.
    reload();
  } else {
    hide();
  }
});

events.addEventListener("reload", (e) => {
  const rebuild = JSON.parse(e.data);
  hide();
  if (rebuild.changed.some((p) => p === here || !p.endsWith(".html"))) {
    reload();
  }
});

events.addEventListener("failed", (e) => {
  show(JSON.parse(e.data).diagnostics);
});

/** The output file a URL path is served from. */
function outputPath(pathname) {
  let p = pathname;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    // Keep it as it is.
  }
  p = p.replace(/^\/+/, "");
  if (p === "" || p.endsWith("/")) p += "index.html";
  return p;
}

function reload() {
  sessionStorage.setItem(scrollKey, `${window.scrollX},${window.scrollY}`);
  location.reload();
}

function restoreScroll() {
  const saved = sessionStorage.getItem(scrollKey);
  if (saved === null) return;
  sessionStorage.removeItem(scrollKey);
  const [x, y] = saved.split(",").map(Number);
  const go = () => window.scrollTo(x || 0, y || 0);
  if (document.readyState === "complete") go();
  else window.addEventListener("load", go, { once: true });
}

function ensureStylesheet() {
  if (document.getElementById("gca-serve-style")) return;
  const link = document.createElement("link");
  link.id = "gca-serve-style";
  link.rel = "stylesheet";
  link.href = "/__gca/live.css";
  document.head.append(link);
}

/** Shows diagnostics over the page, as text (never as HTML). */
function show(diagnostics) {
  ensureStylesheet();
  hide();
  overlay = document.createElement("div");
  overlay.className = "gca-serve-overlay";
  overlay.setAttribute("role", "alertdialog");
  overlay.setAttribute("aria-labelledby", "gca-serve-title");
  const box = document.createElement("div");
  box.className = "gca-serve-box";
  const title = document.createElement("h2");
  title.id = "gca-serve-title";
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  title.textContent = `The site did not build: ${errors} error${errors === 1 ? "" : "s"}`;
  const note = document.createElement("p");
  note.textContent =
    "The last good version of the site is still served. Fix the file and save it; this message goes away by itself.";
  const list = document.createElement("ol");
  for (const d of diagnostics) {
    const item = document.createElement("li");
    if (d.file) {
      const where = document.createElement("code");
      where.className = "gca-serve-where";
      let loc = d.file;
      if (d.line) loc += `:${d.line}`;
      if (d.line && d.column) loc += `:${d.column}`;
      where.textContent = loc;
      item.append(where, document.createElement("br"));
    }
    const message = document.createElement("span");
    message.textContent = `${d.severity}: ${d.message}`;
    item.append(message);
    if (d.help) {
      const help = document.createElement("p");
      help.className = "gca-serve-help";
      help.textContent = d.help;
      item.append(help);
    }
    list.append(item);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Hide";
  close.addEventListener("click", hide);
  box.append(title, note, list, close);
  overlay.append(box);
  document.body.append(overlay);
}

function hide() {
  if (overlay) overlay.remove();
  overlay = null;
}
