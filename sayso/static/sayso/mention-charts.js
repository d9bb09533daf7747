// The mentions page's charts (Chart.js): volume by source, by intent, and by sentiment.
(function () {
  "use strict";
  var node = document.getElementById("mention-charts");
  if (!node || typeof Chart === "undefined") return;
  var data = JSON.parse(node.textContent);
  var palette = ["#3b6fd8", "#e07b39", "#2e9e6b", "#b04fc4", "#d4a72c", "#4bb3c9", "#c94b65", "#7a8699"];
  var sentimentColours = { positive: "#2e9e6b", neutral: "#9aa5b8", negative: "#c94b65" };
  function datasets(series, colours) {
    return Object.keys(series).map(function (name, i) {
      var colour = (colours && colours[name]) || palette[i % palette.length];
      return { label: name, data: series[name], backgroundColor: colour, borderColor: colour };
    });
  }
  function chart(id, type, series, colours, stacked) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    new Chart(canvas, {
      type: type,
      data: { labels: data.labels.map(function (d) { return d.slice(5); }), datasets: datasets(series, colours) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
        scales: { x: { stacked: stacked }, y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } } },
        elements: { line: { cubicInterpolationMode: "monotone" }, point: { radius: 0 } }
      }
    });
  }
  chart("chart-source", "bar", data.by_source, null, true);
  chart("chart-intent", "line", data.by_intent, null, false);
  chart("chart-sentiment", "bar", data.by_sentiment, sentimentColours, true);
})();
