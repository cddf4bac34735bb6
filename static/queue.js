// Keyboard moves through the queue: j / k select the next / previous row,
// Enter opens it. Without this script every row is still a plain link.
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue-rows tbody tr"));
  if (!rows.length) { return; }
  var current = -1;
  function select(i) {
    if (i < 0 || i >= rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = i;
    rows[i].classList.add("current");
    var link = rows[i].querySelector("a");
    if (link) { link.focus(); }
  }
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "j") { select(current + 1); e.preventDefault(); }
    else if (e.key === "k") { select(current - 1); e.preventDefault(); }
  });
})();
