// The activation-code sheet: a print button (no inline handlers).
"use strict";
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
