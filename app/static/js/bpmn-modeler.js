// The BPMN modeler (bpmn-js Modeler). 部署 posts the diagram as XML to data-deploy-url with the
// page's CSRF token and shows the answer beside the diagram. While nothing was edited it posts
// the XML exactly as loaded, so an unchanged process is recognised as the version already deployed
// (re-serialising would change the bytes and create a new version with identical content).
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function showResult(panel, body) {
    panel.replaceChildren();
    if (body.ok) {
      var text = body.created
        ? "已部署为新版本：" + body.key + " 第 " + body.version + " 版"
        : "内容与已部署的第 " + body.version + " 版相同，未生成新版本";
      var box = el("div", "alert mb-0 " + (body.created ? "alert-success" : "alert-info"), text);
      box.setAttribute("role", "status");
      if (body.url) {
        box.appendChild(el("br"));
        var link = el("a", "alert-link", "查看版本与流程图");
        link.href = body.url;
        box.appendChild(link);
      }
      panel.appendChild(box);
      return;
    }
    var alert = el("div", "alert alert-danger mb-0");
    alert.setAttribute("role", "alert");
    var problems = body.problems || [];
    alert.appendChild(el("div", "fw-semibold mb-1",
      problems.length ? "流程定义有 " + problems.length + " 处问题，未部署：" : "部署失败"));
    var list = el("ul", "mb-0 ps-3 small");
    problems.forEach(function (p) {
      var item = el("li");
      if (p.line) { item.appendChild(el("span", "badge text-bg-light border me-1", "第 " + p.line + " 行")); }
      item.appendChild(document.createTextNode(p.message));
      list.appendChild(item);
    });
    alert.appendChild(list);
    panel.appendChild(alert);
  }

  function start(container) {
    var button = document.querySelector("[data-modeler-deploy]");
    var panel = document.querySelector("[data-modeler-result]");
    var modeler = new window.BpmnJS({ container: container });
    var loaded = null;   // the XML as loaded (or as last deployed)
    var dirty = false;

    modeler.on("commandStack.changed", function () { dirty = true; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) { event.preventDefault(); event.returnValue = ""; }
    });

    var source = container.dataset.xmlUrl
      ? fetch(container.dataset.xmlUrl, { credentials: "same-origin" }).then(function (r) {
          if (!r.ok) { throw new Error("无法读取流程定义（HTTP " + r.status + "）"); }
          return r.text();
        })
      : Promise.resolve(container.dataset.xml);

    source
      .then(function (xml) { loaded = xml; return modeler.importXML(xml); })
      .then(function () {
        modeler.get("canvas").zoom("fit-viewport", "auto");
        var status = container.querySelector(".bpmn-status");
        if (status) { status.remove(); }
        container.dataset.rendered = "true";
        button.disabled = false;
      })
      .catch(function (error) {
        showResult(panel, { ok: false, problems: [{ line: null, message: "流程图无法打开：" + error.message }] });
      });

    button.addEventListener("click", function () {
      button.disabled = true;
      panel.replaceChildren(el("p", "small text-body-secondary mb-0", "正在校验并部署…"));
      var xmlPromise = dirty
        ? modeler.saveXML({ format: true }).then(function (r) { return r.xml; })
        : Promise.resolve(loaded);
      var sent;
      xmlPromise
        .then(function (xml) {
          sent = xml;
          return fetch(container.dataset.deployUrl, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/xml", "X-CSRFToken": window.csrfToken(), Accept: "application/json" },
            body: xml
          });
        })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (type.indexOf("application/json") === -1) {
            var reason = response.status === 403 ? "无权部署流程" :
              response.status === 400 ? "页面已过期，请刷新后重试" : "服务器错误（HTTP " + response.status + "）";
            return { ok: false, problems: [{ line: null, message: reason }] };
          }
          return response.json();
        })
        .then(function (body) {
          if (body.ok) { loaded = sent; dirty = false; }
          showResult(panel, body);
        })
        .catch(function (error) {
          showResult(panel, { ok: false, problems: [{ line: null, message: "网络错误：" + error.message }] });
        })
        .then(function () { button.disabled = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var container = document.querySelector("[data-bpmn-modeler]");
    if (container && window.BpmnJS) { start(container); }
  });
})();
