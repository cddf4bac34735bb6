// Keys for working through a queue ("?" on the page lists them):
// j / k select the next / previous row, Enter opens it; on the selected
// row a, m, d, n and f answer it through its quick form (the keys come
// from the buttons' data-key), x ticks it for "with the selected
// comments". htmx swaps the answered row in place and, once it is saved,
// the selection moves on to the next row. An answer that would replace
// another disposition asks first (the button's data-confirm, for keys and
// clicks alike: htmx asks on the form, which has one question for all its
// buttons, so the question is asked here). Keys typed into a field, or with Ctrl, Alt or Meta, are left
// alone. Without this script every row is still a link and every quick
// control a button of a plain form.
(function () {
  "use strict";
  var table = document.querySelector("table.queue-rows");
  if (!table || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var help = document.getElementById("keys-help");
  var current = -1;
  // Rows ticked for the bulk form before htmx replaced them, by row id.
  var ticked = {};
  // The id of the row a key answered, while its answer is on its way.
  var answered = null;
  var sent = false;
  document.addEventListener("htmx:beforeRequest", function () { sent = true; });
  document.addEventListener("htmx:confirm", function (e) {
    var trigger = e.detail.triggeringEvent;
    var button = trigger && trigger.submitter;
    var question = button && button.getAttribute("data-confirm");
    if (!question) { return; }
    e.preventDefault();
    if (window.confirm(question)) { e.detail.issueRequest(true); }
  });

  function rows() { return body.rows; }
  function show(focus) {
    var all = rows();
    for (var i = 0; i < all.length; i++) { all[i].classList.toggle("current", i === current); }
    if (focus && all[current]) {
      var link = all[current].querySelector("td.tracking a");
      if (link) { link.focus(); }
    }
  }
  function select(i) {
    if (i < 0 || i >= rows().length) { return; }
    current = i;
    show(true);
  }
  function selected() { return current >= 0 ? rows()[current] : null; }
  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName;
    if (target.isContentEditable || tag === "TEXTAREA" || tag === "SELECT") { return true; }
    return tag === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
  }
  function answer(key) {
    var row = selected();
    var button = row && row.querySelector("form.quick button[data-key=\"" + key + "\"]");
    if (!button) { return false; }
    // A click, as with the mouse: htmx sends the button's value with the
    // form, once its question (if any) is answered yes.
    sent = false;
    button.click();
    answered = sent ? row.id : null;
    return true;
  }
  function tick() {
    var row = selected();
    var box = row && row.querySelector("input[name=c]");
    if (box) { box.checked = !box.checked; }
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
    if (e.key === "j") { select(current + 1); }
    else if (e.key === "k") { select(current - 1); }
    else if (e.key === "x") { tick(); }
    else if (e.key === "?" && help) { help.classList.toggle("open"); }
    else if (e.key === "Escape" && help && help.classList.contains("open")) { help.classList.remove("open"); }
    else if (!answer(e.key)) { return; }
    e.preventDefault();
  });
  // A clicked row becomes the selected one.
  body.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("tr");
    if (!row) { return; }
    var index = Array.prototype.indexOf.call(rows(), row);
    if (index >= 0) { current = index; show(false); }
  });

  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    if (target && target.tagName === "TR") {
      var box = target.querySelector("input[name=c]");
      if (box && box.checked) { ticked[target.id] = true; }
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(ticked).forEach(function (id) {
      var box = document.querySelector("#" + id + " input[name=c]");
      if (box) { box.checked = true; }
    });
    ticked = {};
    // The answered row is a new element in the same place: select it again,
    // and give it the focus back if the old one had it.
    var lost = !document.activeElement || document.activeElement === document.body;
    var row = answered && document.getElementById(answered);
    answered = null;
    if (row && row.querySelector("p.row-note.saved") && current + 1 < rows().length) {
      select(current + 1);
    } else {
      show(lost);
    }
  });
})();
