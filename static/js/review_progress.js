// Polls a running review's progress and reloads the page when it is done.
(function () {
  "use strict";
  const section = document.getElementById("review-progress");
  if (!section) return;
  const bar = document.getElementById("review-progress-bar");
  const label = document.getElementById("review-progress-label");
  async function poll() {
    try {
      const response = await fetch(section.dataset.url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const state = await response.json();
        bar.value = state.progress;
        bar.textContent = state.progress + "%";
        label.textContent = state.label || "Waiting for a worker";
        if (state.done) { window.location.reload(); return; }
      }
    } catch (error) { label.textContent = "Connection lost; retrying"; }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1000);
})();
