// The page's CSRF token (the <meta name="csrf-token"> base.html writes), for scripts that POST
// outside a form. Pages cached for anonymous visitors have none: "" then.
window.csrfToken = function () {
  var meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
};
