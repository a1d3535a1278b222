// Swagger UI, initialised from a file because the CSP forbids inline script.
window.addEventListener("load", function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.specUrl, dom_id: "#swagger-ui", deepLinking: true });
});
