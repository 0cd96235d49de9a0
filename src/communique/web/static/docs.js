// Start Swagger UI on the app's own OpenAPI document (no inline script: the page's CSP forbids it).
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui", deepLinking: false });
