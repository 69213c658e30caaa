// Starts Swagger UI on /api/docs. A file, not an inline script, so the page runs under the
// app's Content Security Policy (script-src 'self'); no validator badge (it would call out).
window.addEventListener("load", function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis]
  });
});
