// The exercise editor: counts characters as they are typed near each text's limit, and asks
// before leaving a page whose changes are not saved. The check itself is the server's.
(function () {
  "use strict";

  // "(# now)" in the page's language, from the form; # is the count.
  var nowWords = "(# now)";

  function counterFor(field) {
    var hint = document.getElementById(field.id + "-hint");
    if (!hint) { return null; }
    var counter = hint.querySelector(".count");
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "count";
      hint.appendChild(document.createTextNode(" "));
      hint.appendChild(counter);
    }
    return counter;
  }

  function count(field) {
    var limit = Number(field.getAttribute("data-max"));
    var counter = counterFor(field);
    if (!limit || !counter) { return; }
    // Said only near the limit, where it helps: "(1,140 now)", "(jetzt 1.140)".
    var length = field.value.length;
    var written = length.toLocaleString(document.documentElement.lang || "en");
    counter.textContent = length >= limit * 0.8 ? nowWords.replace("#", written) : "";
    counter.classList.toggle("over", length > limit);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.editor");
    if (!form) { return; }
    nowWords = form.getAttribute("data-count-now") || nowWords;
    // A page shown again with problems holds words that are not saved yet.
    var unsaved = form.hasAttribute("data-unsaved");
    form.querySelectorAll("[data-max]").forEach(count);
    form.addEventListener("input", function (event) {
      unsaved = true;
      if (event.target.hasAttribute && event.target.hasAttribute("data-max")) { count(event.target); }
    });
    // Every button of the form sends everything typed, so nothing is lost by pressing one.
    form.addEventListener("submit", function () { unsaved = false; });
    window.addEventListener("beforeunload", function (event) {
      if (unsaved) { event.preventDefault(); event.returnValue = ""; }
    });
  });
})();
