// 接诉即办 step forms: show only the fields the chosen action needs, and let a "similar ticket"
// suggestion fill in the merge. Without JavaScript every field simply stays visible.
(function () {
  "use strict";
  var FIELDS = {
    complaint_dispatch: { assign: ["department_id", "deadline_days"], merge: ["merge_into", "reason"], close: ["reason"] },
    complaint_answer: { answer: ["reply"], extend: ["extension_days", "reason"], send_back: ["reason"] }
  };

  function chosen(form) {
    var radio = form.querySelector('input[name="action"]:checked');
    return radio ? radio.value : "";
  }

  function sync(form) {
    var rules = FIELDS[form.getAttribute("data-step-form")];
    var wanted = rules[chosen(form)] || [];
    form.querySelectorAll("[data-field]").forEach(function (wrapper) {
      var name = wrapper.getAttribute("data-field");
      if (name === "action") { return; }
      wrapper.hidden = wanted.indexOf(name) === -1;
    });
  }

  document.querySelectorAll("form[data-step-form]").forEach(function (form) {
    if (!FIELDS[form.getAttribute("data-step-form")]) { return; }
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "action") { sync(form); }
    });
  });

  document.querySelectorAll("[data-merge-into]").forEach(function (button) {
    button.addEventListener("click", function () {
      var form = document.querySelector('form[data-step-form="complaint_dispatch"]');
      if (!form) { return; }
      var merge = form.querySelector('input[name="action"][value="merge"]');
      if (merge) { merge.checked = true; }
      var target = form.querySelector('input[name="merge_into"]');
      if (target) { target.value = button.getAttribute("data-merge-into"); }
      sync(form);
      var reason = form.querySelector('[name="reason"]');
      if (reason) {
        if (!reason.value) { reason.value = "与 #" + button.getAttribute("data-merge-into") + " 为同一问题，合并办理"; }
        reason.focus();
      }
    });
  });
})();
