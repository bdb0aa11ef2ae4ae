// SLA compliance chart: reads the figures the page embeds as JSON (no inline script: CSP).
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("sla-chart");
    var source = document.getElementById("sla-chart-data");
    if (!canvas || !source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: data.response_label, data: data.response, backgroundColor: "#0d6efd" },
          { label: data.resolution_label, data: data.resolution, backgroundColor: "#198754" }
        ]
      },
      options: {
        animation: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
