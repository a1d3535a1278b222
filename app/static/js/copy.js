// Copy buttons: <button data-copy="#input-id"> copies that field's value (a tracking code, a one-time
// password) and says so next to it; where the clipboard API is unavailable the text is selected instead.
(function () {
  "use strict";

  function announce(button, text) {
    var status = document.getElementById(button.getAttribute("data-copy-status") || "copy-status");
    if (status) { status.textContent = text; }
    var label = button.textContent;
    button.textContent = "已复制";
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  function fallback(field, button) {
    field.focus();
    field.select();
    try {
      if (document.execCommand("copy")) { announce(button, "已复制到剪贴板"); return; }
    } catch (e) { /* not supported */ }
    var status = document.getElementById(button.getAttribute("data-copy-status") || "copy-status");
    if (status) { status.textContent = "已选中，请按 Ctrl+C（或长按）复制"; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    var text = field.value !== undefined ? field.value : field.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { announce(button, "已复制到剪贴板"); },
        function () { fallback(field, button); });
    } else {
      fallback(field, button);
    }
  });
})();
