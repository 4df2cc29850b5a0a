// The public tip form (leads/public/tip.html): one press of "提交举报" sends the form once (the
// server makes one lead per form anyway). The receipt slip (leads/public/done.html): print it,
// copy the code, or save it as a text file.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=tip-form]");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("[data-testid=tip-submit]");
      if (button) {
        window.setTimeout(function () {
          button.disabled = true;
          button.textContent = button.dataset.sendingText || button.textContent;
        }, 0);
      }
    });
    window.addEventListener("pageshow", function () {  // back to the page: the button works again
      var button = form.querySelector("[data-testid=tip-submit]");
      if (button) { button.disabled = false; }
    });
  }
  var actions = document.querySelector("[data-receipt-actions]");
  if (!actions) { return; }
  actions.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) { return; }
    var action = button.dataset.action;
    if (action === "print") {
      window.print();
    } else if (action === "copy") {
      var done = function () {
        button.dataset.original = button.dataset.original || button.innerHTML;
        button.textContent = actions.dataset.copiedText;
        window.setTimeout(function () { button.innerHTML = button.dataset.original; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(actions.dataset.code).then(done, function () { selectCode(); });
      } else {
        selectCode();
        try { document.execCommand("copy"); done(); } catch (e) { /* the code stays selected */ }
      }
    } else if (action === "save") {
      var blob = new Blob([button.dataset.text], { type: "text/plain;charset=utf-8" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = actions.dataset.savedName;
      document.body.appendChild(link);
      link.click();
      window.setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    }
  });
  function selectCode() {
    var code = document.getElementById("receipt-code");
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
}());
