/* Engagement charts (ECharts) from the json_script tag #chart-data; no inline scripts (CSP). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var grid = { left: 8, right: 8, top: 36, bottom: 8, containLabel: true };
  var builders = {
    days: function () {
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: data.days.map(function (d) { return d.day.slice(5); }) },
        yAxis: { type: "value" },
        series: [
          { name: gettext("消息量"), type: "bar", data: data.days.map(function (d) { return d.total; }) },
          { name: gettext("正面"), type: "line", smooth: true, data: data.days.map(function (d) { return d.positive; }) },
          { name: gettext("负面"), type: "line", smooth: true, data: data.days.map(function (d) { return d.negative; }) }
        ]
      };
    },
    platforms: function () {
      return { tooltip: { trigger: "item" }, series: [{ type: "pie", radius: ["35%", "65%"],
        data: data.platforms.map(function (p) { return { name: p.name, value: p.n }; }) }] };
    },
    curve: function () {
      return {
        tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: grid,
        xAxis: { type: "category", data: data.curve.map(function (p) { return p.hour; }) },
        yAxis: { type: "value" },
        series: [
          { name: gettext("声量"), type: "line", smooth: true, data: data.curve.map(function (p) { return p.total; }) },
          { name: gettext("负面"), type: "line", smooth: true, data: data.curve.map(function (p) { return p.negative; }) }
        ]
      };
    }
  };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build) { return; }
    var chart = echarts.init(el);
    chart.setOption(build());
    el.setAttribute("data-rendered", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
