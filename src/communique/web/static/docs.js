// Start Swagger UI on the app's own OpenAPI document (no inline script: the page's CSP forbids it).
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: root.dataset.spec, dom_id: "#swagger-ui", deepLinking: false });

// Swagger UI leaves the controls of "Try it out" without a label and its code samples out of
// the tab order: name each control after its parameter and each copy button, make each
// sample focusable.
function label(node) {
  node.querySelectorAll("tr[data-param-name] select, tr[data-param-name] input").forEach((c) => {
    if (!c.hasAttribute("aria-label")) {
      c.setAttribute("aria-label", c.closest("tr").dataset.paramName);
    }
  });
  node.querySelectorAll(".microlight:not([tabindex])").forEach((c) => c.setAttribute("tabindex", "0"));
  node.querySelectorAll(".copy-to-clipboard button:not([aria-label])").forEach((b) => {
    b.setAttribute("aria-label", "Copy to clipboard");
  });
}
new MutationObserver(() => label(root)).observe(root, { childList: true, subtree: true });
