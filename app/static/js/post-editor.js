// 育人号 editor: a small contenteditable toolbar over the form's <textarea name="body_html">, image
// upload into the text, and autosave of the draft. Without JavaScript the textarea still works.
// The server cleans whatever is sent with an allow-list, so this file only has to be convenient.
(function () {
  "use strict";
  var form = document.querySelector("form[data-post-editor]");
  if (!form) { return; }
  var source = form.querySelector("[data-editor-source]");
  var shell = form.querySelector("[data-editor]");
  var area = form.querySelector("[data-editor-area]");
  var picker = form.querySelector("[data-editor-image]");
  var status = form.querySelector("[data-autosave-status]");
  var AUTOSAVE_MS = 5000;
  var dirty = false;
  var saving = false;
  var savedRange = null;

  function say(text) { if (status) { status.textContent = text; } }

  // ------------------------------------------------------------ the editor
  shell.classList.remove("d-none");
  source.classList.add("d-none");
  source.setAttribute("tabindex", "-1");
  area.innerHTML = source.value;
  try { document.execCommand("defaultParagraphSeparator", false, "p"); } catch (e) { /* older browsers */ }

  function sync() { source.value = area.innerHTML; }
  function changed() { sync(); dirty = true; say("有未保存的修改"); }

  function keepSelection() {
    var selection = window.getSelection();
    if (selection.rangeCount && area.contains(selection.getRangeAt(0).commonAncestorContainer)) {
      savedRange = selection.getRangeAt(0).cloneRange();
    }
  }
  function restoreSelection() {
    area.focus();
    if (savedRange) {
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(savedRange);
    }
  }

  function insertTable() {
    var answer = window.prompt("插入表格：行数×列数（例如 3×4）", "3×3");
    if (!answer) { return; }
    var parts = answer.split(/[^0-9]+/).filter(Boolean).map(Number);
    var rows = Math.min(Math.max(parts[0] || 3, 1), 50);
    var cols = Math.min(Math.max(parts[1] || 3, 1), 12);
    var html = "<table><thead><tr>";
    for (var c = 0; c < cols; c++) { html += "<th>表头</th>"; }
    html += "</tr></thead><tbody>";
    for (var r = 1; r < rows; r++) {
      html += "<tr>";
      for (var k = 0; k < cols; k++) { html += "<td><br></td>"; }
      html += "</tr>";
    }
    html += "</tbody></table><p><br></p>";
    restoreSelection();
    document.execCommand("insertHTML", false, html);
  }

  function insertLink() {
    var url = window.prompt("链接地址（https:// 开头，或站内路径 / 开头）", "https://");
    if (!url) { return; }
    url = url.trim();
    if (!/^(https?:\/\/|mailto:|\/(?!\/))/i.test(url)) {
      window.alert("链接须以 https://、http://、mailto: 或 / 开头");
      return;
    }
    restoreSelection();
    document.execCommand("createLink", false, url);
  }

  function uploadImage(file) {
    var limit = Number(form.dataset.imageMax || 0);
    if (limit && file.size > limit) {
      say("图片过大（上限 " + Math.round(limit / 1024 / 1024) + " MB）");
      return;
    }
    var body = new FormData();
    body.append("file", file);
    say("图片上传中…");
    fetch(form.dataset.imageUrl, {method: "POST", body: body, credentials: "same-origin",
                                  headers: {"X-CSRFToken": window.csrfToken()}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) {
            var fields = (data.error && data.error.fields) || {};
            var first = Object.keys(fields)[0];
            throw new Error(first ? fields[first][0] : (data.error && data.error.message) || "图片上传失败");
          }
          return data;
        });
      })
      .then(function (data) {
        restoreSelection();
        document.execCommand("insertImage", false, data.url);
        changed();
        say("图片已插入");
      })
      .catch(function (error) { say(error.message || "图片上传失败"); });
  }

  form.querySelector("[role=toolbar]").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-cmd]");
    if (!button) { return; }
    event.preventDefault();
    var command = button.dataset.cmd;
    keepSelection();
    if (command === "link") { insertLink(); }
    else if (command === "image") { picker.click(); return; }
    else if (command === "table") { insertTable(); }
    else {
      restoreSelection();
      var value = button.dataset.value ? "<" + button.dataset.value + ">" : null;
      document.execCommand(command, false, value);
    }
    changed();
  });
  form.querySelector("[role=toolbar]").addEventListener("mousedown", function (event) {
    if (event.target.closest("button")) { keepSelection(); event.preventDefault(); }  // keep the caret
  });
  picker.addEventListener("change", function () {
    if (picker.files && picker.files[0]) { uploadImage(picker.files[0]); }
    picker.value = "";
  });
  area.addEventListener("input", changed);
  area.addEventListener("keyup", keepSelection);
  area.addEventListener("mouseup", keepSelection);
  ["title", "module"].forEach(function (name) {
    var field = form.elements[name];
    if (field && field.addEventListener) { field.addEventListener("input", changed); }
  });

  // ------------------------------------------------------------ autosave
  function autosave() {
    if (!dirty || saving) { return; }
    sync();
    var title = form.elements.title ? form.elements.title.value.trim() : "";
    if (!title && !area.textContent.trim() && !area.querySelector("img")) { return; }
    var body = new FormData(form);
    body.delete("cover");
    body.delete("attachments");
    body.delete("action");
    saving = true;
    dirty = false;
    fetch(form.dataset.autosaveUrl, {method: "POST", body: body, credentials: "same-origin",
                                     headers: {"X-CSRFToken": window.csrfToken()}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) { throw new Error((data.error && data.error.message) || "自动保存失败"); }
          return data;
        });
      })
      .then(function (data) {
        if (data.autosave_url && data.autosave_url !== form.dataset.autosaveUrl) {
          form.dataset.autosaveUrl = data.autosave_url;
          form.action = data.edit_url;
          window.history.replaceState(null, "", data.edit_url);
        }
        say("已自动保存草稿 " + data.saved_at);
      })
      .catch(function (error) { dirty = true; say("自动保存失败：" + error.message); })
      .then(function () { saving = false; });
  }
  window.setInterval(autosave, AUTOSAVE_MS);
  form.addEventListener("submit", function () { sync(); dirty = false; });
})();
