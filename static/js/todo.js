// The top bar's to-do count (issue 17): fetched once the page is shown, so no page pays for it.
(function () {
  "use strict";
  var link = document.querySelector("[data-todo-url]");
  if (!link || !window.fetch) return;
  var badge = link.querySelector("[data-testid=todo-count]");
  fetch(link.getAttribute("data-todo-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data || !badge) return;
      badge.textContent = String(data.count);
      badge.hidden = data.count === 0;
    })
    .catch(function () {});
})();
