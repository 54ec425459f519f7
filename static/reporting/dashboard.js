// Charts of the service-index dashboard. Each chart reads the table printed under it (the numbers are always
// there as text), and series differ by line style and point shape, not by colour alone.
(function () {
  "use strict";
  var STYLES = [
    { borderColor: "#0d6efd", backgroundColor: "#0d6efd", pointStyle: "circle", borderDash: [] },
    { borderColor: "#b35c00", backgroundColor: "#b35c00", pointStyle: "rectRot", borderDash: [6, 4] },
  ];

  function read(table) {
    var heads = Array.prototype.filter.call(table.querySelectorAll("thead th"), function (th) {
      return th.hasAttribute("data-series");
    });
    var labels = [];
    var series = heads.map(function (th) { return { label: th.getAttribute("data-series"), data: [] }; });
    table.querySelectorAll("tbody tr[data-label]").forEach(function (row) {
      labels.push(row.getAttribute("data-label"));
      row.getAttribute("data-values").split(";").forEach(function (value, i) {
        if (series[i]) { series[i].data.push(value === "" ? null : Number(value)); }
      });
    });
    return { labels: labels, series: series };
  }

  function draw(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-table"));
    if (!table || typeof Chart === "undefined") { return; }
    var data = read(table);
    if (!data.labels.length) { canvas.parentElement.hidden = true; return; }
    var bar = canvas.id === "top-chart";
    new Chart(canvas, {
      type: bar ? "bar" : "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          var style = STYLES[i % STYLES.length];
          return Object.assign({ label: s.label, data: s.data, spanGaps: true, pointRadius: 4, borderWidth: 2 }, style);
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: bar ? "y" : "x",
        animation: false,
        plugins: { legend: { labels: { usePointStyle: true } } },
        scales: bar ? {} : { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-table]").forEach(draw);
  });
})();
