// The poster's Print button (the CSP forbids inline scripts).
document.getElementById("poster-print")?.addEventListener("click", () => window.print());
