// Homepage: pilot universities by province as a stacked bar chart (ECharts, vendored by `make assets`).
// The numbers come from the element's data-province-chart attribute (CSP: no inline script).
(function () {
  "use strict";
  var box = document.querySelector("[data-province-chart]");
  if (!box || typeof window.echarts === "undefined") { return; }
  var data;
  try { data = JSON.parse(box.getAttribute("data-province-chart")); } catch (e) { return; }
  var rows = data.provinces.length;
  box.style.height = Math.max(300, Math.min(rows * 28 + 80, 900)) + "px";
  var chart = window.echarts.init(box, null, {renderer: "svg"});
  chart.setOption({
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    legend: {data: ["教育部认定试点", "自主试点"], top: 0},
    grid: {left: 8, right: 24, top: 32, bottom: 8, containLabel: true},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: data.provinces.slice().reverse(), axisTick: {show: false}},
    series: [
      {name: "教育部认定试点", type: "bar", stack: "pilots", itemStyle: {color: "#c0392b"},
       data: data.designated.slice().reverse()},
      {name: "自主试点", type: "bar", stack: "pilots", itemStyle: {color: "#f39c12"},
       data: data.self_pilot.slice().reverse()}
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
