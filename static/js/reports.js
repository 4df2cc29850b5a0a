/* Reports: the monthly report's progress (polls a small JSON endpoint) and the dashboard's charts.
   No inline scripts (CSP): data comes from data-* attributes and json_script blocks. */
(function () {
  "use strict";

  function pollReport(box) {
    var url = box.getAttribute("data-status-url");
    var bar = box.querySelector("[data-testid=report-progress-bar]");
    var label = box.querySelector("[data-testid=report-status]");
    var error = box.querySelector("[data-testid=report-error]");
    var link = box.querySelector("[data-testid=report-download]");
    var tries = 0;

    function show(state) {
      label.textContent = state.status_display;
      error.textContent = state.error || "";
      bar.classList.remove("w-50", "w-100", "bg-success", "bg-danger");
      if (state.ready) {
        bar.classList.add("w-100", "bg-success");
        bar.classList.remove("progress-bar-animated", "progress-bar-striped");
        link.setAttribute("href", state.download_url);
        link.classList.remove("d-none");
      } else if (state.status === "failed") {
        bar.classList.add("w-100", "bg-danger");
        bar.classList.remove("progress-bar-animated");
      } else {
        bar.classList.add("w-50");
      }
      box.setAttribute("data-status", state.status);
    }

    function tick() {
      tries += 1;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (state) {
          show(state);
          if (!state.ready && state.status !== "failed" && tries < 600) {
            window.setTimeout(tick, Math.min(1000 + tries * 200, 5000));
          }
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    }
    tick();
  }

  function drawCharts() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    // A chart of risk grades brings its own colours (spec.colors, from RISK_GRADE_COLOURS); others
    // use a palette with no red/orange/yellow/green, so no category looks like a risk grade.
    var palette = ["#0d6efd", "#6f42c1", "#20c997", "#0dcaf0", "#6c757d", "#8b5e3c", "#d63384", "#495057", "#3d8bfd", "#a370f7"];
    charts.forEach(function (spec) {
      var canvas = document.querySelector("canvas[data-chart='" + spec.id + "']");
      if (!canvas) { return; }
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: [{ label: spec.title, data: spec.values, backgroundColor: spec.colors || palette.slice(0, spec.values.length) }]
        },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          plugins: { legend: { display: spec.type !== "bar", position: "bottom" } }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("report-progress");
    if (box) {
      var status = box.getAttribute("data-status");
      if (status !== "ready" && status !== "failed") { pollReport(box); }
    }
    drawCharts();
  });
})();
