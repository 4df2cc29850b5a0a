// Rectification forms: fill the supervising unit from the plan's sector table, and show the
// problem fields of the inspection form only when a problem is raised.
(function () {
  "use strict";
  var map = document.getElementById("sector-units");
  var sector = document.querySelector("[data-sector-select]");
  var unit = document.querySelector("[data-unit-select]");
  if (map && sector && unit) {
    var units = JSON.parse(map.textContent);
    var lastAuto = null;
    sector.addEventListener("change", function () {
      var target = units[sector.value];
      if (target && (!unit.value || unit.value === lastAuto)) {
        unit.value = String(target);
        lastAuto = unit.value;
      }
    });
  }
  var toggle = document.querySelector("input[name=raise_problem]");
  var fields = document.querySelector("[data-problem-fields]");
  if (toggle && fields) {
    var sync = function () { fields.hidden = !toggle.checked; };
    toggle.addEventListener("change", sync);
    sync();
  }
})();
