// The door's live figures (checked in, expected, no-shows so far) on the meetup's admin page: asked
// again every 15 seconds while the page is open and visible.
document.addEventListener("DOMContentLoaded", () => {
  const figures = document.getElementById("door-stats");
  if (!figures || !figures.dataset.url) return;
  const refresh = () => {
    if (document.hidden) return;
    fetch(figures.dataset.url, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (!answer) return;
        for (const [key, value] of Object.entries(answer.stats)) {
          const cell = figures.querySelector(`[data-stat="${key}"]`);
          if (cell) cell.textContent = value;
        }
      })
      .catch(() => {});
  };
  setInterval(refresh, 15000);
});
