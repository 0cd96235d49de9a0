// Sort a table.sortable by the column whose header button is pressed (again to reverse).
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th button").forEach(function (button) {
    button.addEventListener("click", function () {
      const col = Number(button.dataset.col);
      const numeric = button.dataset.numeric === "1";
      const th = button.closest("th");
      const descending = th.getAttribute("aria-sort") !== "descending";
      table.querySelectorAll("th").forEach((h) => h.setAttribute("aria-sort", "none"));
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const body = table.tBodies[0];
      const rows = Array.from(body.rows);
      rows.sort(function (a, b) {
        const x = a.cells[col].textContent.trim();
        const y = b.cells[col].textContent.trim();
        const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return descending ? -order : order;
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
});
