/* Entry grid: Indonesian thousands separators on blur, Enter moves down a column, and a
   warning before leaving with unsaved changes. Works without it (plain form). */
(function () {
  "use strict";
  var form = document.querySelector(".entry-grid-form");
  if (!form) return;
  var dirty = false;
  function format(value) {
    var digits = value.replace(/[.\s]/g, "");
    if (!/^\d+$/.test(digits)) return value;
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input.num") && input.value) input.value = format(input.value.trim());
  });
  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || !input.matches || !input.matches("input.num")) return;
    event.preventDefault();
    var cell = input.closest("td");
    var row = cell.parentElement.nextElementSibling;
    if (!row) return;
    var below = row.children[cell.cellIndex];
    var next = below && below.querySelector("input.num");
    if (next) next.focus();
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = form.dataset.unsavedWarning || ""; }
  });
})();
