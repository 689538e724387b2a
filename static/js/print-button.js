// Buttons marked data-print print the page (the CSP forbids inline scripts).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
