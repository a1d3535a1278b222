// Review page: selecting text in the article fills the note's quote; existing notes' quotes are
// highlighted in the text. No inline script (CSP); everything comes from data-* attributes.
(function () {
  "use strict";
  var body = document.querySelector("[data-review-text] [data-post-body]");
  var form = document.querySelector("[data-note-form]");
  var MAX = 500;

  function normalise(text) { return (text || "").replace(/\s+/g, " ").trim(); }

  if (body && form) {
    var input = form.querySelector("[data-note-quote-input]");
    var preview = form.querySelector("[data-note-quote-preview]");
    var pick = function () {
      var selection = window.getSelection();
      if (!selection.rangeCount || selection.isCollapsed) { return; }
      if (!body.contains(selection.getRangeAt(0).commonAncestorContainer)) { return; }
      var quote = normalise(selection.toString());
      if (!quote) { return; }
      if (quote.length > MAX) { quote = quote.slice(0, MAX); }
      input.value = quote;
      preview.textContent = "引用原文：“" + quote + "”";
    };
    body.addEventListener("mouseup", pick);
    body.addEventListener("keyup", pick);
    body.addEventListener("touchend", pick);
  }

  // Highlight each quoted passage where it sits inside one text node (the common case).
  if (body) {
    document.querySelectorAll("[data-note-quote]").forEach(function (note) {
      var quote = note.getAttribute("data-note-quote");
      if (!quote) { return; }
      var walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      var node;
      while ((node = walker.nextNode())) {
        var at = node.nodeValue.indexOf(quote);
        if (at < 0) { continue; }
        var range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + quote.length);
        var mark = document.createElement("mark");
        mark.className = "yzs-note";
        range.surroundContents(mark);
        break;
      }
    });
  }
})();
