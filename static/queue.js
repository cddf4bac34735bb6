// The queue's resolution table. Without this script every row is still a
// link and every control a button of a plain form; with it, a row's form
// is saved in place (htmx swaps the row) and:
// - an answer that would replace another disposition asks first (the
//   button's data-confirm, for keys and clicks alike: htmx asks on the
//   form, which has one question for all its buttons, so it is asked here);
// - Ctrl+Enter in a row's response box saves it and goes back to the row,
//   Escape leaves the box;
// - leaving the page with a response typed and not saved asks first;
// - rows ticked for "with the selected comments" stay ticked when htmx
//   replaces them.
// Single-key shortcuts (WCAG 2.1.4: only while the table has the focus,
// and only if the editor has not turned them off in the profile, which
// leaves data-keys off the table's region): j / k select the next /
// previous row, Enter opens it; a, m, d, n and f answer it (the keys come
// from the buttons' data-key), r goes to its response box, u undoes its
// last change, x ticks it, ? lists the keys. Once a key's answer is saved,
// the next row is selected.
(function () {
  "use strict";
  var table = document.querySelector("table.queue-rows");
  if (!table || !table.tBodies.length) { return; }
  var body = table.tBodies[0];
  var region = table.closest(".table-wrap");
  var keys = region && region.getAttribute("data-keys") === "on";
  var help = document.getElementById("keys-help");
  var toggle = document.querySelector("button.keys-toggle");
  var current = -1;
  // Rows ticked for the bulk form before htmx replaced them, by row id.
  var ticked = {};
  // The id of the row a key answered, while its answer is on its way.
  var answered = null;
  // A row whose response box saved with Ctrl+Enter: the focus goes back to
  // the row once it is replaced, so keys go on.
  var back = false;
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
  window.addEventListener("beforeunload", function (e) {
    var boxes = body.querySelectorAll("textarea[name=response]");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].value !== boxes[i].defaultValue) { e.preventDefault(); return; }
    }
  });

  function rows() { return body.rows; }
  function rowOf(element) { return element && element.closest ? element.closest("tbody tr") : null; }
  function show(focus) {
    var all = rows();
    for (var i = 0; i < all.length; i++) { all[i].classList.toggle("current", i === current); }
    if (focus && all[current]) {
      var link = all[current].querySelector("a.tracking");
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
  function showHelp(open) {
    if (!help) { return; }
    help.classList.toggle("open", open);
    if (toggle) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); }
  }
  if (toggle) {
    toggle.addEventListener("click", function () { showHelp(!help.classList.contains("open")); });
  }
  // Press a row's button as the mouse would: htmx sends the form with it
  // once its question (if any) is answered yes.
  function press(button, moveOn) {
    var row = rowOf(button);
    sent = false;
    button.click();
    answered = moveOn && sent ? row.id : null;
  }
  function answer(key) {
    var row = selected();
    var button = row && row.querySelector("form.quick button[data-key=\"" + key + "\"]");
    if (!button) { return false; }
    press(button, true);
    return true;
  }
  function undo() {
    var row = selected();
    var button = row && row.querySelector("form.undo button");
    if (button) { press(button, false); }
  }
  function respond() {
    var row = selected();
    var box = row && row.querySelector("textarea[name=response]");
    if (box) { box.focus(); }
  }
  function tick() {
    var row = selected();
    var box = row && row.querySelector("input[name=c]");
    if (box) { box.checked = !box.checked; }
  }

  // The response box: Ctrl+Enter saves, Escape goes back to the row.
  body.addEventListener("keydown", function (e) {
    var box = e.target;
    if (!box || box.tagName !== "TEXTAREA") { return; }
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      var save = box.form && box.form.querySelector("button.save-response");
      if (save) { back = true; press(save, false); }
    } else if (e.key === "Escape") {
      var row = rowOf(box);
      var link = row && row.querySelector("a.tracking");
      if (link) { e.preventDefault(); link.focus(); }
    }
  });

  if (keys) {
    region.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) { return; }
      if (e.key === "j") { select(current + 1); }
      else if (e.key === "k") { select(current - 1); }
      else if (e.key === "x") { tick(); }
      else if (e.key === "r") { respond(); }
      else if (e.key === "u") { undo(); }
      else if (e.key === "?") { showHelp(!(help && help.classList.contains("open"))); }
      else if (e.key === "Escape" && help && help.classList.contains("open")) { showHelp(false); }
      else if (!answer(e.key)) { return; }
      e.preventDefault();
    });
  }
  // The row clicked, or focused from the keyboard, becomes the selected one.
  function follow(e) {
    var row = rowOf(e.target);
    var index = row ? Array.prototype.indexOf.call(rows(), row) : -1;
    if (index >= 0 && index !== current) { current = index; show(false); }
  }
  body.addEventListener("click", follow);
  body.addEventListener("focusin", follow);

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
    var lost = back || !document.activeElement || document.activeElement === document.body;
    back = false;
    var row = answered && document.getElementById(answered);
    answered = null;
    if (row && row.querySelector(".row-note.saved") && current + 1 < rows().length) {
      select(current + 1);
    } else {
      show(lost);
    }
  });
})();
