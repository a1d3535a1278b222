// Read-only BPMN diagrams (bpmn-js NavigatedViewer): every [data-bpmn-viewer] loads its XML from
// data-xml-url and marks finished steps green and current ones orange (ids in data-completed /
// data-current, space-separated). A file, because the CSP forbids inline script.
(function () {
  "use strict";

  function ids(value) {
    return (value || "").split(/\s+/).filter(Boolean);
  }

  function show(el, text, tone) {
    var status = el.querySelector(".bpmn-status");
    if (!status) {
      status = document.createElement("div");
      status.className = "bpmn-status small p-2";
      el.appendChild(status);
    }
    status.className = "bpmn-status small p-2 " + (tone || "text-body-secondary");
    status.textContent = text;
  }

  function render(el) {
    var viewer = new window.BpmnJS({ container: el });
    fetch(el.dataset.xmlUrl, { credentials: "same-origin", headers: { Accept: "application/xml" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("无法读取流程定义（HTTP " + response.status + "）"); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var mark = function (list, cls) {
          list.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, cls); } });
        };
        mark(ids(el.dataset.completed), "yzs-done");
        mark(ids(el.dataset.current), "yzs-current");
        canvas.zoom("fit-viewport", "auto");
        var status = el.querySelector(".bpmn-status");
        if (status) { status.remove(); }
        el.dataset.rendered = "true";
      })
      .catch(function (error) {
        show(el, "流程图加载失败：" + (error && error.message ? error.message : error), "text-danger");
        el.dataset.rendered = "error";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.BpmnJS) { return; }
    document.querySelectorAll("[data-bpmn-viewer]").forEach(render);
  });
})();
