// Show each <time data-local-time datetime="…Z"> in the reader's own time zone.
// Without JavaScript the server's text stays: the time in the host's zone, or in UTC.

const FORMAT = { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" };

for (const element of document.querySelectorAll("time[data-local-time]")) {
  const when = new Date(element.getAttribute("datetime"));
  if (Number.isNaN(when.getTime())) continue;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  element.textContent = `${when.toLocaleString(undefined, FORMAT)} (${zone.replaceAll("_", " ")})`;
}
