// A background job's page (core:job): poll its status until it is finished, then reload the
// page, which then shows the result (the import's report or the file). Works after a reload:
// the state is the server's.
(function () {
  "use strict";
  var card = document.getElementById("job-card");
  if (!card || card.dataset.finished === "1") return;
  var url = card.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var counts = document.getElementById("job-counts");
  var state = document.getElementById("job-state");
  var message = document.getElementById("job-message");
  var delay = 700;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    state.textContent = data.state_label;
    message.textContent = data.message;
    counts.textContent = data.counts;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
