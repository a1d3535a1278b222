// The inbox's bulk bar: select all, count what is selected, and refuse an empty submit; and the
// in-place 认领 (htmx, loaded by the inbox page only) sends the page's CSRF token like every form does.
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = window.csrfToken();
  });

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-bulk-item]"));
  }

  function refresh() {
    var chosen = items().filter(function (box) { return box.checked; }).length;
    var count = document.querySelector("[data-bulk-count]");
    var submit = document.querySelector("[data-bulk-submit]");
    var all = document.querySelector("[data-bulk-all]");
    if (count) { count.textContent = "已选 " + chosen + " 项"; }
    if (submit) { submit.disabled = chosen === 0; }
    if (all) {
      all.checked = chosen > 0 && chosen === items().length;
      all.indeterminate = chosen > 0 && chosen < items().length;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-bulk-all]")) {
      items().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("[data-bulk-all], [data-bulk-item]")) { refresh(); }
  });
  // A claimed row is swapped in by htmx: its checkbox is new.
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
