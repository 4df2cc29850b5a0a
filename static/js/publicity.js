/* Publicity charts (Chart.js, served by the app). Each <canvas data-chart="ID"> draws the JSON of
   the <script type="application/json" id="ID"> written by Django's json_script:
   {type: "line"|"bar", labels: [...], datasets: [{label, data, type?, axis?: "right"}], percent: bool}.
   No inline scripts (CSP). */
(function () {
  "use strict";
  var COLOURS = ["#8b1c1c", "#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var hasRight = false;
    var datasets = spec.datasets.map(function (set, index) {
      var colour = COLOURS[index % COLOURS.length];
      if (set.axis === "right") {
        hasRight = true;
      }
      return {
        label: set.label,
        data: set.data,
        type: set.type,
        yAxisID: set.axis === "right" ? "y1" : "y",
        borderColor: colour,
        backgroundColor: colour,
        spanGaps: true,
        tension: 0.2
      };
    });
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true } }
    };
    if (hasRight) {
      options.scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } };
    }
    if (spec.percent) {
      options.scales.y.max = 100;
      options.scales.y.ticks = {
        callback: function (value) { return value + "%"; }
      };
    }
    canvas.chart = new Chart(canvas, { type: spec.type || "line", data: { labels: spec.labels, datasets: datasets }, options: options });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
