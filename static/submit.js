// "More rows" on the submission form: adds five empty rows in place, so
// nothing typed is lost. Without JavaScript the link opens a longer form.
document.addEventListener("DOMContentLoaded", () => {
  const link = document.querySelector("a.more-rows");
  const body = document.querySelector("table.typed tbody");
  if (!link || !body || !body.lastElementChild) return;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    for (let i = 0; i < 5; i += 1) {
      const row = body.lastElementChild.cloneNode(true);
      row.querySelectorAll("input, textarea").forEach((field) => { field.value = ""; });
      row.querySelectorAll("select").forEach((field) => { field.selectedIndex = 0; });
      body.appendChild(row);
    }
    Array.from(body.children).forEach((row, index) => {
      const number = String(index + 1);
      row.querySelector("td.n").textContent = number;
      row.querySelectorAll("[aria-label]").forEach((field) => {
        field.setAttribute("aria-label", field.getAttribute("aria-label").replace(/\d+$/, number));
      });
    });
  });
});
