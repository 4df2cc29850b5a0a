// Related-lead suggestions on the intake form: earlier leads naming the same institution,
// credit code, phone number or person (the server decides what the user may see).
(function () {
  "use strict";
  var form = document.querySelector("[data-related-url]");
  if (!form) { return; }
  var box = document.getElementById("related-suggestions");
  var list = box.querySelector("ul");
  var names = ["subject_name", "subject_credit_code", "subject_phone", "subject_person"];
  var timer = null;
  function lookup() {
    var params = new URLSearchParams();
    names.forEach(function (n) {
      var el = form.elements[n];
      if (el && el.value.trim()) { params.set(n, el.value.trim()); }
    });
    if (!params.toString()) { box.classList.add("d-none"); return; }
    fetch(form.dataset.relatedUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        list.textContent = "";
        data.leads.forEach(function (lead) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = lead.url;
          a.textContent = lead.number;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" " + lead.summary + " · " + lead.status));
          list.appendChild(li);
        });
        box.classList.toggle("d-none", data.leads.length === 0);
      })
      .catch(function () { box.classList.add("d-none"); });
  }
  names.forEach(function (n) {
    var el = form.elements[n];
    if (el) {
      el.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(lookup, 300); });
    }
  });
})();

// The intake form asks what the chosen source needs (issue 16.5; the server checks the same,
// leads.services.validate_lead_data): the higher office's document number and deadline only for
// 上级转办, the original case kind only for 部门梳理, how the tip came in for 群众举报 and 社区移送.
// A hidden field is disabled too, so a value typed before switching the source is not posted.
(function () {
  "use strict";
  var form = document.querySelector("[data-testid=lead-form]");
  var source = form && form.elements.source;
  if (!source) { return; }
  var only = {
    higher_reference: ["higher"],
    higher_deadline: ["higher"],
    original_case_kind: ["review"],
    channel: ["public", "community"]
  };
  function update() {
    Object.keys(only).forEach(function (name) {
      var input = form.elements[name];
      var wrapper = document.getElementById("div_id_" + name);
      if (!input || !wrapper) { return; }
      var shown = only[name].indexOf(source.value) !== -1;
      wrapper.classList.toggle("d-none", !shown);
      input.disabled = !shown;
      if (name === "channel") { input.required = source.value === "public"; }
    });
  }
  source.addEventListener("change", update);
  update();
})();

// A live hint while typing "what happened" (issue 16.7): a phone or ID number there is shown to
// every handler; the informant's own belongs in the encrypted contact fields. The server checks
// the same on submit (core.identity) and asks to confirm; this only warns earlier.
(function () {
  "use strict";
  var area = document.querySelector("form textarea[name=description]");
  if (!area) { return; }
  var phone = /(^|\D)(\+?86[-\s]?)?1[3-9]\d([-\s]?\d{4}){2}(?!\d)|(^|\D)0\d{2,3}-\d{7,8}(?!\d)/;
  var idNumber = /(^|[^\dXx])\d{6}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])/;
  var hint = document.createElement("div");
  hint.className = "form-text text-danger d-none";
  hint.setAttribute("data-testid", "identity-hint");
  hint.textContent = area.form.dataset.identityHint || "";  // translated by the template
  if (!hint.textContent) return;
  area.insertAdjacentElement("afterend", hint);
  area.addEventListener("input", function () {
    hint.classList.toggle("d-none", !(phone.test(area.value) || idNumber.test(area.value)));
  });
})();
