// Small charts of 30 days of activity. The numbers come from a JSON block on the page
// ({{ data|json_script:"activity-data" }}); each <canvas data-series="reads|searches|hits"> gets one chart.
// Each chart also has a table of the same numbers next to it (for screen readers and without script).
(function () {
  "use strict";
  const source = document.getElementById("activity-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const palette = ["#0b5cad", "#b35900", "#a40e26", "#1a7f37", "#6639ba"];
  const stacked = {searches: true, hits: true};
  document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
    const name = canvas.dataset.series;
    const series = data[name];
    if (!series) return;
    const datasets = Object.keys(series).map(function (label, i) {
      return {label: label, data: series[label], backgroundColor: palette[i % palette.length],
              borderColor: palette[i % palette.length], borderWidth: 1, pointRadius: 0, tension: 0.2};
    });
    new Chart(canvas, {
      type: name === "reads" ? "line" : "bar",
      data: {labels: data.labels, datasets: datasets},
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {display: datasets.length > 1, position: "bottom"}},
        scales: {
          x: {stacked: !!stacked[name], ticks: {maxTicksLimit: 6, autoSkip: true}},
          y: {stacked: !!stacked[name], beginAtZero: true, ticks: {precision: 0}},
        },
      },
    });
  });
})();
