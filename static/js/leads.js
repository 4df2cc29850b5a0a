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
