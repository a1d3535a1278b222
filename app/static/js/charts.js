// Every chart on the site (ECharts): an element <div data-chart="KIND" data-series="JSON">, its data
// written into the page by the server (the `attr_json` filter; no inline script: CSP). This file draws
// them all and sets data-rendered="chart" (or "empty" when there is nothing to draw).
// KIND is one of:
//   bar, line, radar, pie   a 驾驶舱 dataset's `chart` block (dashboard/datasets.py)
//   provinces               {provinces, designated, self_pilot}: pilots by province (home page)
//   response-rates          {departments, response_rates}: 接诉即办 response rate by department
//   weekly-counts           {weeks, counts}: complaints a week
//   sparkline               {weeks, counts}: one hot topic's weeks
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  var RED = "#c0392b";
  var PALETTE = ["#c0392b", "#2c7be5", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d", "#d35400",
                 "#2c3e50", "#e84393"];
  var charts = [];

  // ---------------------------------------------------------------- 驾驶舱 datasets
  function valueAxis(chart, counts) {
    var axis = { type: "value" };
    if (chart.max) { axis.max = chart.max; }
    if (chart.unit) { axis.axisLabel = { formatter: "{value}" + chart.unit }; }
    if (counts && !chart.max && !chart.unit) { axis.minInterval = 1; }  // counts: no 0.2 of a university
    return axis;
  }

  function hasCategories(chart) {
    return chart.categories && chart.categories.length && chart.series.length;
  }

  function bar(chart) {
    if (!hasCategories(chart)) { return null; }
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

  function line(chart) {
    if (!hasCategories(chart)) { return null; }
    var hidden = {};
    (chart.hidden || []).forEach(function (name) { hidden[name] = false; });
    var series = chart.series.map(function (s) {
      return { type: "line", name: s.name, data: s.data, connectNulls: false, symbolSize: 7 };
    });
    var f = chart.forecast;
    if (f) {
      var n = chart.categories.length;
      var forecast = new Array(n).fill(null);
      forecast[f.from] = f.start;
      forecast[f.to] = f.value;
      series.push({ type: "line", name: f.name, data: forecast, connectNulls: true, symbol: "diamond", symbolSize: 9,
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

  function radar(chart) {
    if (!(chart.indicators.length && chart.series.length)) { return null; }
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

  function pie(chart) {
    if (!chart.series.some(function (s) { return s.value; })) { return null; }
    return {
      color: PALETTE,
      legend: { bottom: 0, type: "scroll" },
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: chart.series,
                 label: { formatter: "{b}\n{c}" } }]
    };
  }

  // ---------------------------------------------------------------- the other pages' charts
  function provinces(data, el) {
    el.style.height = Math.max(300, Math.min(data.provinces.length * 28 + 80, 900)) + "px";
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: ["教育部认定试点", "自主试点"], top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.provinces.slice().reverse(), axisTick: { show: false } },
      series: [
        { name: "教育部认定试点", type: "bar", stack: "pilots", itemStyle: { color: "#c0392b" },
          data: data.designated.slice().reverse() },
        { name: "自主试点", type: "bar", stack: "pilots", itemStyle: { color: "#f39c12" },
          data: data.self_pilot.slice().reverse() }
      ]
    };
  }

  function responseRates(data) {
    if (!data.departments.length) { return null; }
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.departments },
      series: [{ type: "bar", name: "响应率", data: data.response_rates, itemStyle: { color: RED },
                 label: { show: true, position: "right", formatter: "{c}%" } }]
    };
  }

  function weeklyCounts(data) {
    return {
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.weeks, name: "周" },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: "诉求数", data: data.counts, itemStyle: { color: RED },
                 areaStyle: { opacity: 0.12 } }]
    };
  }

  function sparkline(data) {
    return {
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: data.weeks, show: false, boundaryGap: false },
      yAxis: { type: "value", show: false, min: 0 },
      series: [{ type: "line", name: "件数", data: data.counts, symbol: "none", lineStyle: { width: 2, color: RED },
                 areaStyle: { color: RED, opacity: 0.1 } }]
    };
  }

  // kind → [option builder, renderer]
  var KINDS = {
    bar: [bar, "canvas"], line: [line, "canvas"], radar: [radar, "canvas"], pie: [pie, "canvas"],
    provinces: [provinces, "svg"], "response-rates": [responseRates, "svg"], "weekly-counts": [weeklyCounts, "svg"],
    sparkline: [sparkline, "svg"]
  };

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = KINDS[el.getAttribute("data-chart")];
    var data;
    try { data = JSON.parse(el.getAttribute("data-series")); } catch (e) { return; }
    var option = kind ? kind[0](data, el) : null;
    if (!option) { el.setAttribute("data-rendered", "empty"); return; }
    var chart = window.echarts.init(el, null, { renderer: kind[1] });
    chart.setOption(option);
    el.setAttribute("data-rendered", "chart");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
