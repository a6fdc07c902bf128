/* Draws the dashboard's charts from the JSON embedded by the page (json_script). */
(function () {
  "use strict";
  function init() {
    var node = document.getElementById("insights-charts");
    if (!node || typeof echarts === "undefined") { return; }
    var data = JSON.parse(node.textContent);
    function lines(id, series) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 36, right: 12, top: 36, bottom: 28 },
        xAxis: { type: "category", data: data.days },
        yAxis: { type: "value", minInterval: 1 },
        series: series.map(function (s) {
          return { name: s.name, type: "line", stack: "all", areaStyle: {}, symbol: "none", data: s.data };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    lines("chart-category", data.category);
    lines("chart-channel", data.channel);
    var heatEl = document.getElementById("chart-heat");
    if (heatEl && data.heat.shapes.features.length) {
      echarts.registerMap("gongzhi-grids", data.heat.shapes);
      var max = Math.max.apply(null, data.heat.data.map(function (d) { return d.value; }).concat([1]));
      var heat = echarts.init(heatEl);
      heat.setOption({
        tooltip: { trigger: "item" },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: true, inRange: { color: ["#fff7ec", "#fc8d59", "#b30000"] } },
        series: [{ type: "map", map: "gongzhi-grids", roam: true, name: data.labels.appeals, label: { show: false }, data: data.heat.data }]
      });
      window.addEventListener("resize", function () { heat.resize(); });
    } else if (heatEl) {
      heatEl.hidden = true;
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
