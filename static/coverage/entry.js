/* Entry grid: thousands separators on blur, Enter moves down a column, a warning before leaving
   with unsaved changes, and, while typing in a cell that BPJS already reported, which figure counts
   and the difference. Works without it (plain form; the server repeats the BPJS warning on save). */
(function () {
  "use strict";
  var form = document.querySelector(".entry-grid-form");
  if (!form) return;
  var dirty = false;
  var thousands = form.dataset.thousands || ".";
  function group(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  }
  // Only the page's own thousands separator is dropped: "12,5" in Indonesian stays as typed, and the
  // server answers that a count is a whole number.
  function digitsOf(value) {
    return value.split(thousands).join("").replace(/\s/g, "");
  }
  function format(value) {
    var digits = digitsOf(value);
    if (!/^\d+$/.test(digits)) return value;
    return group(digits);
  }
  function signed(number) {
    return (number > 0 ? "+" : number < 0 ? "-" : "") + group(String(Math.abs(number)));
  }
  // A cell BPJS already reported: its own difference line follows the typed value, and one status
  // line above the grid says which figure counts (screen readers hear it once, politely).
  var live = form.querySelector(".bpjs-live");
  var decimal = thousands === "." ? "," : ".";
  function percent(value) {
    return (value > 0 ? "+" : "") + value.toFixed(1).replace(".", decimal) + "%";
  }
  function compareWithBpjs(input) {
    var digits = digitsOf(input.value);
    var bpjs = parseInt(input.dataset.bpjs, 10);
    var line = input.parentElement.querySelector(".bpjs-diff");
    if (!/^\d+$/.test(digits)) {
      if (line) line.textContent = "";
      if (live) live.hidden = true;
      return;
    }
    var diff = parseInt(digits, 10) - bpjs;
    if (line) {
      line.textContent = (line.dataset.label || "") + " " + signed(diff) + (bpjs ? " (" + percent(diff * 100 / bpjs) + ")" : "");
    }
    if (live) {
      var label = form.querySelector("label[for='" + input.id + "']");
      live.textContent = (label ? label.textContent + ": " : "") + (form.dataset.bpjsWarning || "")
        .replace("{bpjs}", group(String(bpjs)))
        .replace("{diff}", signed(diff));
      live.hidden = false;
    }
  }
  form.addEventListener("input", function (event) {
    dirty = true;
    var input = event.target;
    if (input.matches && input.matches("input[data-bpjs]")) compareWithBpjs(input);
  });
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
