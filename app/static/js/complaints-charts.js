// 接诉即办 charts (ECharts): department response rates, weekly complaint counts, topic sparklines.
// Each chart's data is in its element's data-series attribute (no inline script: CSP).
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var RED = "#c0392b";
  var charts = [];

  function options(kind, data) {
    if (kind === "bar") {
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
    if (kind === "line") {
      return {
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.weeks, name: "周" },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", name: "诉求数", data: data.counts, itemStyle: { color: RED },
                   areaStyle: { opacity: 0.12 } }]
      };
    }
    return {  // sparkline
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      tooltip: { trigger: "axis", confine: true },
      xAxis: { type: "category", data: data.weeks, show: false, boundaryGap: false },
      yAxis: { type: "value", show: false, min: 0 },
      series: [{ type: "line", name: "件数", data: data.counts, symbol: "none", lineStyle: { width: 2, color: RED },
                 areaStyle: { color: RED, opacity: 0.1 } }]
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var data;
    try { data = JSON.parse(el.getAttribute("data-series")); } catch (e) { return; }
    var option = options(el.getAttribute("data-chart"), data);
    if (!option) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    el.setAttribute("data-rendered", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
