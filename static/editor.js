// In-place saves on editor pages (htmx): htmx swaps the fragments docket
// answers with (200, and 409 / 422, which say what is stored now or what
// is wrong), but not other errors. For those this says, at the top of the
// page, that nothing was saved and why (the message of docket's error
// page), instead of leaving the editor waiting.
(function () {
  "use strict";
  function report(text) {
    var box = document.getElementById("save-problem");
    if (!box) {
      var main = document.querySelector("main");
      if (!main) { return; }
      box = document.createElement("p");
      box.id = "save-problem";
      box.className = "notice conflict save-problem";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }
  function clear() {
    var box = document.getElementById("save-problem");
    if (box) { box.parentNode.removeChild(box); }
  }
  document.addEventListener("htmx:beforeRequest", clear);
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var why = "";
    try {
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var message = page.querySelector(".error .message");
      why = message ? " " + message.textContent.trim() : "";
    } catch (ignored) { why = ""; }
    report("Nothing was saved (" + xhr.status + " " + xhr.statusText + ")." + why);
  });
  document.addEventListener("htmx:sendError", function () {
    report("Nothing was saved: docket did not answer. Check the connection and try again.");
  });
})();
