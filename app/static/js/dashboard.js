// 驾驶舱 cards: each [data-dataset] card's chart is drawn by charts.js; this file builds the card's table
// view from its data-table attribute (JSON: columns, rows; written by the server, no inline script: CSP),
// switches between chart and table, and says in data-rendered what the card shows (chart, empty, table).
(function () {
  "use strict";

  function text(value) {
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  function buildTable(holder, data) {
    var table = el("table", "table table-sm table-hover align-middle mb-0");
    var head = el("thead");
    var headRow = el("tr");
    data.columns.forEach(function (col) { headRow.appendChild(el("th", null, col.label)); });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = el("tbody");
    if (!data.rows.length) {
      var empty = el("tr");
      var cell = el("td", "text-body-secondary", "暂无数据");
      cell.colSpan = data.columns.length;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
    data.rows.forEach(function (row) {
      var tr = el("tr");
      if (row.severity === "高") { tr.className = "table-danger"; }
      data.columns.forEach(function (col) {
        var td = el("td");
        var value = row[col.key];
        if (col.key === "link" && value) {
          var a = el("a", null, "去处理");
          a.href = value;
          td.appendChild(a);
        } else {
          td.textContent = text(value);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    holder.textContent = "";
    holder.appendChild(table);
  }

  function show(card, view) {
    var chartBox = card.querySelector("[data-role=chart]");
    var tableBox = card.querySelector("[data-role=table]");
    if (!chartBox) { return; }
    chartBox.hidden = view !== "chart";
    tableBox.hidden = view !== "table";
    card.querySelectorAll("[data-view]").forEach(function (button) {
      var on = button.getAttribute("data-view") === view;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
    });
    var chart = view === "chart" && window.echarts ? window.echarts.getInstanceByDom(chartBox) : null;
    if (chart) { chart.resize(); }
  }

  document.querySelectorAll("[data-dataset]").forEach(function (card) {
    var tableBox = card.querySelector("[data-role=table]");
    try { buildTable(tableBox, JSON.parse(tableBox.getAttribute("data-table"))); } catch (e) { return; }
    card.querySelectorAll("[data-view]").forEach(function (button) {
      button.addEventListener("click", function () { show(card, button.getAttribute("data-view")); });
    });
    var chartBox = card.querySelector("[data-role=chart]");
    if (!chartBox) { card.setAttribute("data-rendered", "table"); return; }
    if (chartBox.getAttribute("data-rendered") !== "chart") {
      chartBox.hidden = true;
      card.setAttribute("data-rendered", "empty");
      return;
    }
    card.setAttribute("data-rendered", "chart");
  });
})();
