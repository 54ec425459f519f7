// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // Escape folds the phone menu and gives focus back to its button (WCAG 2.1.2).
  document.addEventListener("keydown", function (event) {
    var toggle = document.querySelector('.portal-header [data-bs-toggle="collapse"][aria-expanded="true"]');
    if (event.key !== "Escape" || !toggle || !window.bootstrap) { return; }
    var menu = document.querySelector(toggle.getAttribute("data-bs-target"));
    var collapse = window.bootstrap.Collapse.getOrCreateInstance(menu, { toggle: false });
    if (menu.classList.contains("collapsing")) {
      menu.addEventListener("shown.bs.collapse", function () { collapse.hide(); }, { once: true });
    } else {
      collapse.hide();
    }
    toggle.focus();
  });
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
