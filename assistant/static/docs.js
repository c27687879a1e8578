// Starts the vendored Swagger UI on /docs. A file, not an inline script, so the page's CSP needs no
// 'unsafe-inline' for scripts; the validator badge is off because it would call a public service.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
