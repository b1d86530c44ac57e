// Starts Swagger UI on /api/doc. The OpenAPI document is fetched with the page's session cookie,
// and no request leaves Horae: the online validator badge is switched off.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    docExpansion: "none",
    tagsSorter: "alpha",
    operationsSorter: "alpha",
    displayOperationId: true,
  });
});
