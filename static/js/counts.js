// The counts page: draw the by-month table as a chart. The table stays the source of the
// figures (and what a screen reader reads); the chart is a picture of it.

/* global Chart */

const table = document.querySelector("[data-by-month]");
const canvas = document.querySelector("[data-chart]");

/** Return the chart's labels and series from the table's rows. */
export function seriesFrom(rows) {
  return {
    labels: rows.map((row) => row.querySelector("th").textContent.trim()),
    sessions: rows.map((row) => Number(row.dataset.sessions)),
    people: rows.map((row) => Number(row.dataset.tookPart)),
  };
}

if (table && canvas && typeof Chart !== "undefined") {
  const { labels, sessions, people } = seriesFrom([...table.querySelectorAll("tbody tr[data-month]")]);
  const style = getComputedStyle(document.body);
  const ink = style.color;
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels,
      datasets: [
        { label: "Sessions held", data: sessions, backgroundColor: "#0c6662", yAxisID: "sessions" },
        { label: "People who took part", data: people, backgroundColor: "#b9770e", yAxisID: "people" },
      ],
    },
    options: {
      animation: calm ? false : { duration: 400 },
      maintainAspectRatio: false,
      color: ink,
      scales: {
        x: { ticks: { color: ink } },
        sessions: { position: "left", beginAtZero: true, ticks: { color: ink, precision: 0 }, title: { display: true, text: "Sessions", color: ink } },
        people: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { color: ink, precision: 0 }, title: { display: true, text: "People", color: ink } },
      },
      plugins: { legend: { labels: { color: ink } } },
    },
  });
}
