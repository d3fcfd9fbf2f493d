// The language menu sends its form when a language is chosen (no inline handler: the CSP
// allows scripts from this node only).
(function () {
  "use strict";
  const select = document.querySelector("form.language select[name=language]");
  if (select) select.addEventListener("change", () => select.form.submit());
})();
