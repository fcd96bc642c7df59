/* The report's only script, written into report.html itself: it pins the table of
   contents to the top of the window and makes each findings table sortable (click a
   header), searchable (a box) and filterable by severity. It loads nothing and holds
   no text of its own: labels come from the page, in the page's language. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";

  function fold(text) {  // case- and accent-insensitive: "Nguyen" finds "Nguyễn"
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase();
  }

  function sortKey(cell, numeric) {
    var raw = cell.getAttribute("data-sort");
    if (raw === null) { raw = cell.textContent.trim(); }
    return numeric ? parseFloat(raw) || 0 : fold(raw);
  }

  function enhance(box) {
    var table = box.querySelector("table"), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var search = box.querySelector("[data-search]"), severity = box.querySelector("[data-severity]");
    var count = box.querySelector("[data-count]");
    var text = rows.map(function (tr) { return fold(tr.textContent); });

    function apply() {
      var terms = fold(search.value).split(/\s+/).filter(Boolean);
      var level = severity ? severity.value : "", shown = 0;
      rows.forEach(function (tr, i) {
        var ok = (!level || tr.getAttribute("data-severity") === level) &&
          terms.every(function (term) { return text[i].indexOf(term) >= 0; });
        tr.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = count.getAttribute("data-template")
        .replace("{shown}", shown.toLocaleString(lang)).replace("{total}", rows.length.toLocaleString(lang));
    }

    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, col) {
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = th.classList.contains("num");
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var order = rows.map(function (tr, i) { return [sortKey(tr.cells[col], numeric), i, tr]; });
        order.sort(function (a, b) {
          var c = a[0] < b[0] ? -1 : (a[0] > b[0] ? 1 : 0);
          return (ascending ? c : -c) || a[1] - b[1];
        });
        order.forEach(function (item) { body.appendChild(item[2]); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
    search.addEventListener("input", apply);
    if (severity) { severity.addEventListener("change", apply); }
    table.classList.add("enhanced");
    box.querySelector(".tools").hidden = false;
    apply();
  }

  function pinContents() {
    var nav = document.querySelector("nav.toc");
    var main = document.querySelector("main");
    if (!nav || !main) { return; }
    main.insertBefore(nav, main.firstChild);  // a direct child of the page sticks all the way down
    nav.classList.add("pinned");
  }

  pinContents();
  Array.prototype.forEach.call(document.querySelectorAll("[data-ftable]"), enhance);
})();
