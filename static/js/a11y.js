/* Accessibility helpers of every page (loaded by base.html; no inline scripts, CSP).
   After a submit the server refused (a form shown again with its errors), the focus moves to the
   first field in error, or to the form's error message, so keyboard and screen-reader users land
   where they have to act; a closed <details> panel holding it is opened. */
(function () {
  "use strict";

  var FIELD = "main form [aria-invalid=true]:not([type=hidden]), main form .is-invalid:not([type=hidden])";
  var MESSAGE = "main form .alert-danger, main form .invalid-feedback, main form .errorlist";

  function firstError() {
    var field = document.querySelector(FIELD);
    if (field && field.matches("input, select, textarea")) { return field; }
    if (field) {  // a wrapper marked invalid: its control
      var control = field.querySelector("input:not([type=hidden]), select, textarea");
      if (control) { return control; }
    }
    return document.querySelector(MESSAGE);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var target = firstError();
    if (!target) { return; }
    var panel = target.closest("details");
    if (panel) { panel.open = true; }
    if (!target.matches("input, select, textarea, button, a[href], [tabindex]")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "center" });
  });
})();
