// 驾驶舱 (ECharts): every [data-dataset] card fetches its dataset (JSON: columns, rows, chart, notes) from
// its data-src, draws the chart, builds the table view from the same rows and lists the notes.
// No inline script anywhere (CSP): everything the page needs is in data-* attributes.
(function () {
  "use strict";
  var PALETTE = ["#c0392b", "#2c7be5", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d", "#d35400",
                 "#2c3e50", "#e84393"];
  var charts = [];

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

  function valueAxis(chart, counts) {
    var axis = { type: "value" };
    if (chart.max) { axis.max = chart.max; }
    if (chart.unit) { axis.axisLabel = { formatter: "{value}" + chart.unit }; }
    if (counts && !chart.max && !chart.unit) { axis.minInterval = 1; }  // counts: no 0.2 of a university
    return axis;
  }

  function barOption(chart) {
    var category = { type: "category", data: chart.categories, axisLabel: { interval: 0, hideOverlap: true } };
    var horizontal = !!chart.horizontal;
    if (horizontal) { category.inverse = true; }
    return {
      color: PALETTE,
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis" },
      xAxis: horizontal ? valueAxis(chart, true) : category,
      yAxis: horizontal ? category : valueAxis(chart, true),
      series: chart.series.map(function (s) {
        return { type: "bar", name: s.name, data: s.data, stack: chart.stack ? "total" : undefined,
                 emphasis: { focus: "series" } };
      })
    };
  }

  function lineOption(chart) {
    var hidden = {};
    (chart.hidden || []).forEach(function (name) { hidden[name] = false; });
    var series = chart.series.map(function (s) {
      return { type: "line", name: s.name, data: s.data, connectNulls: false, symbolSize: 7 };
    });
    var f = chart.forecast;
    if (f) {
      var n = chart.categories.length;
      var line = new Array(n).fill(null);
      line[f.from] = f.start;
      line[f.to] = f.value;
      series.push({ type: "line", name: f.name, data: line, connectNulls: true, symbol: "diamond", symbolSize: 9,
                    lineStyle: { type: "dashed" } });
      if (f.lower !== null && f.upper !== null) {
        var base = new Array(n).fill(null);
        var band = new Array(n).fill(null);
        base[f.from] = f.start;
        band[f.from] = 0;
        base[f.to] = f.lower;
        band[f.to] = f.upper - f.lower;
        series.push({ type: "line", name: "95% 预测区间", data: base, stack: "band", connectNulls: true,
                      symbol: "none", color: "#e8a9a3", lineStyle: { opacity: 0 }, tooltip: { show: false } });
        series.push({ type: "line", name: "95% 预测区间 ", data: band, stack: "band", connectNulls: true,
                      symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "#c0392b", opacity: 0.15 },
                      tooltip: { show: false } });
        hidden["95% 预测区间 "] = true;
      }
    }
    return {
      color: PALETTE,
      grid: { left: 8, right: 48, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll", selected: hidden,
                data: series.map(function (s) { return s.name; }).filter(function (name) {
                  return name !== "95% 预测区间 ";
                }) },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: chart.categories, boundaryGap: false },
      yAxis: valueAxis(chart),
      series: series
    };
  }

  function radarOption(chart) {
    return {
      color: PALETTE,
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "item" },
      radar: { indicator: chart.indicators, radius: "62%", center: ["50%", "56%"] },
      series: [{ type: "radar", data: chart.series.map(function (s) {
        return { name: s.name, value: s.data.map(function (v) { return v === null ? 0 : v; }),
                 areaStyle: { opacity: 0.08 } };
      }) }]
    };
  }

  function pieOption(chart) {
    return {
      color: PALETTE,
      legend: { bottom: 0, type: "scroll" },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: chart.series,
                 label: { formatter: "{b}\n{c}" } }]
    };
  }

  function hasData(chart) {
    if (chart.type === "radar") { return chart.indicators.length && chart.series.length; }
    if (chart.type === "pie") { return chart.series.some(function (s) { return s.value; }); }
    return chart.categories && chart.categories.length && chart.series.length;
  }

  function option(chart) {
    if (!hasData(chart)) { return null; }
    if (chart.type === "bar") { return barOption(chart); }
    if (chart.type === "line") { return lineOption(chart); }
    if (chart.type === "radar") { return radarOption(chart); }
    if (chart.type === "pie") { return pieOption(chart); }
    return null;
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
    if (view === "chart") { charts.forEach(function (c) { c.resize(); }); }
  }

  function render(card, data) {
    var status = card.querySelector("[data-role=status]");
    var notes = card.querySelector("[data-role=notes]");
    buildTable(card.querySelector("[data-role=table]"), data);
    notes.textContent = "";
    data.notes.forEach(function (note) { notes.appendChild(el("li", null, note)); });
    var chartBox = card.querySelector("[data-role=chart]");
    status.textContent = data.rows.length ? "" : "暂无数据";
    status.hidden = !!data.rows.length || !chartBox;  // a table-only card says it in its table
    if (!chartBox) { card.setAttribute("data-rendered", "table"); return; }
    var opt = option(data.chart);
    if (!opt) {
      chartBox.hidden = true;
      card.setAttribute("data-rendered", "empty");
      return;
    }
    var chart = echarts.init(chartBox, null, { renderer: "canvas" });
    chart.setOption(opt);
    charts.push(chart);
    card.setAttribute("data-rendered", "chart");
  }

  function load(card) {
    var status = card.querySelector("[data-role=status]");
    fetch(card.getAttribute("data-src"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) { render(card, data); })
      .catch(function () {
        status.textContent = "数据加载失败，请刷新重试。";
        card.setAttribute("data-rendered", "error");
      });
  }

  if (typeof echarts === "undefined") { return; }
  document.querySelectorAll("[data-dataset]").forEach(function (card) {
    card.querySelectorAll("[data-view]").forEach(function (button) {
      button.addEventListener("click", function () { show(card, button.getAttribute("data-view")); });
    });
    load(card);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
