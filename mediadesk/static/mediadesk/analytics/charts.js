/* Analytics charts (ECharts). Data comes from the json_script tag #chart-data; every element
   with data-chart="<name>" gets the chart of that name. Charts resize with the window so the
   dashboards work on phones. No inline scripts (CSP). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var narrow = window.matchMedia("(max-width: 576px)").matches;
  var grid = { left: 8, right: 8, top: 36, bottom: 8, containLabel: true };
  var legend = { top: 0, type: "scroll" };
  var pct = function (v) { return v === null || v === undefined ? "—" : v + "%"; };

  function bars(rows, key) { return rows.map(function (r) { return r[key]; }); }

  var builders = {
    trend: function () {
      return {
        tooltip: { trigger: "axis" }, legend: legend, grid: grid,
        xAxis: { type: "category", data: data.dates },
        yAxis: [{ type: "value", name: narrow ? "" : gettext("数量") }, { type: "value", name: narrow ? "" : gettext("互动率%"), axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: gettext("曝光量"), type: "line", smooth: true, data: data.exposure },
          { name: gettext("互动量"), type: "line", smooth: true, data: data.interactions },
          { name: gettext("转化量"), type: "bar", data: data.conversions },
          { name: gettext("互动率"), type: "line", yAxisIndex: 1, data: data.rate, tooltip: { valueFormatter: pct } }
        ]
      };
    },
    platforms: function () {
      // Shares compared honestly: one bar per platform, longest first, each labelled with its
      // exposure and share of the total (a pie or rose hides the small platforms).
      var rows = data.platforms.slice().sort(function (a, b) { return b.exposure - a.exposure; });
      var total = rows.reduce(function (sum, r) { return sum + (r.exposure || 0); }, 0);
      var share = function (v) { return total ? (100 * v / total).toFixed(1) + "%" : "—"; };
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
          valueFormatter: function (v) { return v.toLocaleString() + "（" + share(v) + "）"; } },
        grid: { left: 8, right: 72, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", show: false },
        yAxis: { type: "category", inverse: true, data: bars(rows, "name"), axisTick: { show: false } },
        series: [{ name: gettext("曝光量"), type: "bar", barMaxWidth: 22, data: bars(rows, "exposure"),
          label: { show: true, position: "right", formatter: function (p) { return share(p.value); } } }]
      };
    },
    accounts: function () {
      return {
        tooltip: { trigger: "axis" }, legend: legend, grid: grid,
        xAxis: { type: "category", data: bars(data.accounts, "name"), axisLabel: { rotate: narrow ? 45 : 20 } },
        yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: gettext("曝光量"), type: "bar", data: bars(data.accounts, "exposure") },
          { name: gettext("互动率"), type: "line", yAxisIndex: 1, data: bars(data.accounts, "rate"), tooltip: { valueFormatter: pct } }
        ]
      };
    },
    net_gain: function () {
      return {
        tooltip: { trigger: "axis" }, grid: grid,
        xAxis: { type: "category", data: data.dates }, yAxis: { type: "value" },
        series: [{ name: gettext("净增粉"), type: "bar", data: data.net_gain }]
      };
    },
    followers: function () {
      var f = data.followers;
      return {
        tooltip: { trigger: "axis" }, legend: legend, grid: grid,
        xAxis: { type: "category", data: f.dates }, yAxis: [{ type: "value", scale: true }, { type: "value" }],
        series: [{ name: gettext("粉丝数"), type: "line", data: f.followers },
                 { name: gettext("净增粉"), type: "bar", yAxisIndex: 1, data: f.net_gain }]
      };
    },
    frequency: function () {
      var q = data.frequency;
      return {
        tooltip: { trigger: "axis" }, legend: legend, grid: grid,
        xAxis: { type: "category", data: q.weeks }, yAxis: { type: "value", minInterval: 1 },
        series: [{ name: gettext("发布篇数"), type: "bar", data: q.posts },
                 { name: gettext("专辑周配额"), type: "line", data: q.weeks.map(function () { return q.quota; }) }]
      };
    },
    heatmap: function () {
      var days = [gettext("周一"), gettext("周二"), gettext("周三"), gettext("周四"), gettext("周五"), gettext("周六"), gettext("周日")];
      var hours = []; for (var h = 0; h < 24; h++) { hours.push(interpolate(gettext("%(h)s时"), { h: h }, true)); }
      var max = data.heatmap.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
      return {
        tooltip: { formatter: function (p) { return days[p.value[1]] + " " + interpolate(gettext("%(h)s时：互动率 %(rate)s"), { h: p.value[0], rate: p.value[2] }, true) + "%"; } },
        grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
        xAxis: { type: "category", data: hours }, yAxis: { type: "category", data: days },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        series: [{ type: "heatmap", data: data.heatmap }]
      };
    },
    report_platforms: function () {
      return {
        tooltip: { trigger: "axis" }, legend: legend, grid: grid,
        xAxis: { type: "category", data: bars(data.platforms, "name") }, yAxis: { type: "value" },
        series: [{ name: gettext("曝光量"), type: "bar", data: bars(data.platforms, "exposure") },
                 { name: gettext("互动量"), type: "bar", data: bars(data.platforms, "interactions") },
                 { name: gettext("转化量"), type: "bar", data: bars(data.platforms, "conversions") }]
      };
    },
    report_status: function () {
      return { tooltip: { trigger: "item" }, legend: legend,
        series: [{ type: "pie", radius: "60%", top: 24, data: data.status }] };
    },
    abtest: function () {
      var arms = data.arms;
      return {
        tooltip: { trigger: "axis" }, grid: grid,
        xAxis: { type: "category", data: bars(arms, "label") }, yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
        series: [
          { name: gettext("转化率"), type: "bar", data: bars(arms, "rate") },
          { name: gettext("95%区间"), type: "custom", renderItem: function (params, api) {
              var x = api.coord([api.value(0), api.value(1)]); var y = api.coord([api.value(0), api.value(2)]);
              return { type: "line", shape: { x1: x[0], y1: x[1], x2: y[0], y2: y[1] }, style: { stroke: "#333", lineWidth: 2 } };
            }, data: arms.map(function (a, i) { return [i, a.low, a.high]; }) }
        ]
      };
    },
    benchmark: function () {
      var rows = data.rows;
      return {
        tooltip: { trigger: "axis" }, legend: legend, grid: grid,
        xAxis: { type: "category", data: bars(rows, "name"), axisLabel: { rotate: 20 } }, yAxis: { type: "value" },
        series: [{ name: gettext("篇均互动"), type: "bar", data: rows.map(function (r) {
          return { value: r.per_post, itemStyle: { color: r.own ? "#0d6efd" : "#adb5bd" } }; }) }]
      };
    }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.getAttribute("data-chart")];
    if (!build) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build());
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
