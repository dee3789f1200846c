// Progress of a report job (templates/coverage/reports/job.html): polls the job's status every second
// until it is done or failed, then shows the download link or the error. No inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box) return;
  var bar = document.getElementById("report-progress");
  var stage = document.getElementById("report-stage");
  var download = document.getElementById("report-download");
  var error = document.getElementById("report-error");

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    stage.textContent = state.stage;
    if (state.download_url) {
      download.querySelector("a").href = state.download_url;
      download.hidden = false;
    }
    if (state.error) {
      error.textContent = state.error;
      error.hidden = false;
    }
    return state.status === "done" || state.status === "failed";
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (!show(state)) window.setTimeout(poll, 1000); })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (box.dataset.status !== "done" && box.dataset.status !== "failed") poll();
})();
