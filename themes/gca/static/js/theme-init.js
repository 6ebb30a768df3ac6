// Runs before the page is drawn (a small blocking script, so no flash of
// the wrong colours): applies the colour scheme the reader chose with the
// toggle, and marks the page as scripted so CSS can collapse the menu.
(function () {
  var root = document.documentElement;
  try {
    var choice = localStorage.getItem("gca-theme");
    if (choice === "dark" || choice === "light") root.setAttribute("data-theme", choice);
  } catch (e) {
    // Storage blocked: follow the system setting.
  }
  if ("noModule" in HTMLScriptElement.prototype) root.classList.add("js");
})();
