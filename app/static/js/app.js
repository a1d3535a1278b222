// htmx requests carry the page's CSRF token, like every form does.
document.addEventListener("htmx:configRequest", function (event) {
  event.detail.headers["X-CSRFToken"] = window.csrfToken();
});
