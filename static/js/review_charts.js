// Draws the review's summary charts (Chart.js, served from static/vendor).
(function () {
  "use strict";
  const source = document.getElementById("review-charts");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const colours = ["#a40e26", "#bf8700", "#0b5cad", "#1a7f37", "#8250df", "#57606a"];
  function draw(id, values, type) {
    const canvas = document.getElementById(id);
    if (!canvas) return;
    const labels = Object.keys(values || {});
    new Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: [{ data: labels.map((k) => values[k]), backgroundColor: colours }] },
      options: { responsive: true, animation: false, plugins: { legend: { display: type !== "bar" } } },
    });
  }
  draw("chart-severity", data.severity, "doughnut");
  draw("chart-door", data.door, "doughnut");
  draw("chart-agency", data.agency, "bar");
})();
