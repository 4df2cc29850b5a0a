// Hulao's forms (issue 17.1), loaded on every page by base.html:
// - a form that writes and carries data-confirm (from the rule's ``confirm``, emitted by
//   {% submit_once %}) asks first in a dialog saying what will happen; cancel sends nothing;
// - every POST form disables its submit buttons while it is being sent, so a double click sends
//   once (the server refuses a repeated form token anyway: core/once.py). The buttons come back
//   when the page is shown again from the back/forward cache, and after a while for a POST whose
//   answer is a download (the page stays). A submit that the browser's validation blocks never
//   fires "submit", so nothing is disabled then.
(function () {
  "use strict";

  var RESET_AFTER_MS = 15000;

  function isPost(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post";
  }

  function submitButtons(form) {
    var buttons = Array.prototype.slice.call(form.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]'));
    if (form.id) {
      buttons = buttons.concat(Array.prototype.slice.call(document.querySelectorAll('[form="' + form.id + '"][type="submit"]')));
    }
    return buttons;
  }

  function reset(form) {
    delete form.dataset.sending;
    delete form.dataset.confirmed;
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach(function (b) {
      if (b.dataset.sendingDisabled) {
        b.disabled = false;
        delete b.dataset.sendingDisabled;
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll("input[data-submitter-copy]"), function (i) {
      i.remove();
    });
  }

  function markSending(form, submitter) {
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
    if (submitter && submitter.name) {
      // A disabled button is not sent: keep the clicked button's name and value.
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.setAttribute("data-submitter-copy", "");
      form.appendChild(copy);
    }
    // Disable after the browser has built what it sends (this event's default action).
    window.setTimeout(function () {
      submitButtons(form).forEach(function (b) {
        if (!b.disabled) {
          b.disabled = true;
          b.dataset.sendingDisabled = "1";
        }
      });
    }, 0);
    window.setTimeout(function () {
      reset(form);
    }, RESET_AFTER_MS);
  }

  function ask(source, done) {
    var message = source.getAttribute("data-confirm");
    if (typeof HTMLDialogElement !== "function") {
      done(window.confirm(message));
      return;
    }
    var dialog = document.createElement("dialog");
    dialog.className = "hulao-confirm border rounded shadow p-4";
    dialog.setAttribute("data-testid", "confirm-dialog");
    dialog.setAttribute("aria-labelledby", "hulao-confirm-text");
    var text = document.createElement("p");
    text.id = "hulao-confirm-text";
    text.className = "mb-3";
    text.textContent = message;
    var buttons = document.createElement("form");
    buttons.method = "dialog";
    buttons.className = "d-flex gap-2 justify-content-end";
    var cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "btn btn-outline-secondary";
    cancel.setAttribute("data-testid", "confirm-cancel");
    cancel.textContent = source.getAttribute("data-confirm-cancel") || "Cancel";
    var ok = document.createElement("button");
    ok.value = "ok";
    ok.className = "btn btn-danger";
    ok.setAttribute("data-testid", "confirm-ok");
    ok.textContent = source.getAttribute("data-confirm-ok") || "OK";
    buttons.appendChild(cancel);
    buttons.appendChild(ok);
    dialog.appendChild(text);
    dialog.appendChild(buttons);
    dialog.addEventListener("close", function () {
      var confirmed = dialog.returnValue === "ok";
      dialog.remove();
      done(confirmed);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice is the default one
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !isPost(form) || event.defaultPrevented) {
      return;
    }
    if (form.dataset.sending) {
      event.preventDefault(); // already on its way
      return;
    }
    var submitter = event.submitter || null;
    var source = submitter && submitter.hasAttribute("data-confirm") ? submitter : form.querySelector('input[type="hidden"][data-confirm]');
    var when = source && source.getAttribute("data-confirm-when");
    if (when && !(form.elements[when] && form.elements[when].checked)) {
      source = null; // e.g. the link form asks only when "merge" is ticked
    }
    if (source && !form.dataset.confirmed) {
      event.preventDefault();
      ask(source, function (confirmed) {
        if (!confirmed) {
          return;
        }
        form.dataset.confirmed = "1";
        if (typeof form.requestSubmit === "function") {
          form.requestSubmit(submitter && submitter.form === form ? submitter : null);
        } else {
          form.submit();
        }
      });
      return;
    }
    markSending(form, event.submitter);
  });

  // Back to a page kept in the back/forward cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(document.querySelectorAll("form[data-sending], form[data-confirmed]"), reset);
    }
  });

  // The browser's validation stopped a submit: nothing is being sent.
  document.addEventListener(
    "invalid",
    function (event) {
      var form = event.target && event.target.form;
      if (form && form.dataset.sending) {
        reset(form);
      }
    },
    true
  );
})();
