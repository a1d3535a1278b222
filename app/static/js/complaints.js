// 接诉即办 step forms: show only the fields the chosen action needs, and let a "similar ticket"
// suggestion fill in the merge. Without JavaScript every field simply stays visible.
// Which fields a choice needs is the form schema's own rule, handed over in data-rules (its allOf:
// {if: {properties: {action: {const: choice}}}, then: {required: [...], properties: {...}}}): a choice
// shows the fields its `then` names; a field no rule names always shows.
(function () {
  "use strict";

  function fieldsByChoice(rules) {
    var by = { field: null, choices: {}, named: {} };
    rules.forEach(function (rule) {
      var when = (rule["if"] && rule["if"].properties) || {};
      Object.keys(when).forEach(function (name) {
        if (!("const" in when[name])) { return; }
        var then = rule.then || {};
        var fields = (then.required || []).concat(Object.keys(then.properties || {}));
        by.field = name;
        by.choices[when[name]["const"]] = fields;
        fields.forEach(function (f) { by.named[f] = true; });
      });
    });
    return by;
  }

  function sync(form, by) {
    var radio = form.querySelector('input[name="' + by.field + '"]:checked');
    var wanted = (radio && by.choices[radio.value]) || [];
    form.querySelectorAll("[data-field]").forEach(function (wrapper) {
      var name = wrapper.getAttribute("data-field");
      if (by.named[name]) { wrapper.hidden = wanted.indexOf(name) === -1; }
    });
  }

  var rulesOf = {};
  document.querySelectorAll("form[data-step-form][data-rules]").forEach(function (form) {
    var by;
    try { by = fieldsByChoice(JSON.parse(form.getAttribute("data-rules"))); } catch (e) { return; }
    if (!by.field) { return; }
    rulesOf[form.getAttribute("data-step-form")] = by;
    sync(form, by);
    form.addEventListener("change", function (event) {
      if (event.target.name === by.field) { sync(form, by); }
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
      if (rulesOf.complaint_dispatch) { sync(form, rulesOf.complaint_dispatch); }
      var reason = form.querySelector('[name="reason"]');
      if (reason) {
        if (!reason.value) { reason.value = "与 #" + button.getAttribute("data-merge-into") + " 为同一问题，合并办理"; }
        reason.focus();
      }
    });
  });
})();
