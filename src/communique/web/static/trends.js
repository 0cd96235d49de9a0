// Draw the counts of one or two queries per period with Chart.js (served by the app).
(function () {
  "use strict";
  const node = document.getElementById("trend-data");
  const canvas = document.getElementById("trend-chart");
  if (!node || !canvas || typeof Chart === "undefined") return;
  const data = JSON.parse(node.textContent);
  const colours = ["#1a5fc4", "#c2410c"];
  new Chart(canvas, {
    type: data.periods.length > 40 ? "line" : "bar",
    data: {
      labels: data.periods,
      datasets: data.series.map(function (s, i) {
        return { label: s.label, data: s.counts, backgroundColor: colours[i], borderColor: colours[i], pointRadius: 2 };
      }),
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
