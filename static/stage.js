// The projector's stage: its content always fits the screen. The stage body's type shrinks until
// everything fits (never below the size that still reads from the back of the room); what still
// does not fit is shown a page at a time, turning by itself, or with the arrow keys. A result
// builds up once per step: when the same step is drawn again (a new count), it does not replay.
(function () {
  "use strict";

  var SMALLEST = 0.67;   // of the stage's base size: 28 px on a 1080-pixel screen
  var PAGE_SECONDS = 12;
  var pageTimer = null;
  var lastStep = null;
  var page = 0;

  function body() { return document.querySelector("#stage .stage-body"); }

  // Measured both ways: by its scroll size, and by where its shown blocks end (a border or a
  // rounding can hide a pixel or two from the first).
  function overflows(element) {
    if (element.scrollHeight > element.clientHeight || element.scrollWidth > element.clientWidth) {
      return true;
    }
    var box = element.getBoundingClientRect();
    return blocks(element).some(function (block) {
      if (block.hidden) { return false; }
      var edge = block.getBoundingClientRect();
      return edge.bottom > box.bottom - 1 || edge.right > box.right;
    });
  }

  function blocks(element) {
    return Array.prototype.filter.call(element.children, function (child) {
      return !child.classList.contains("stage-pages");
    });
  }

  function setFit(element, fit) { element.style.setProperty("--fit", String(fit)); }

  // The largest size between SMALLEST and 1 at which the body fits, to within 1%.
  function shrink(element) {
    setFit(element, 1);
    if (!overflows(element)) { return true; }
    setFit(element, SMALLEST);
    if (overflows(element)) { return false; }
    var low = SMALLEST, high = 1;
    while (high - low > 0.01) {
      var middle = (low + high) / 2;
      setFit(element, middle);
      if (overflows(element)) { high = middle; } else { low = middle; }
    }
    setFit(element, low);
    return true;
  }

  function showPage(element, pages, index) {
    page = (index + pages.length) % pages.length;
    blocks(element).forEach(function (block) { block.hidden = true; });
    pages[page].forEach(function (block) { block.hidden = false; });
    var marker = element.querySelector(".stage-pages");
    if (marker) { marker.textContent = (page + 1) + " / " + pages.length; }
  }

  // Blocks packed greedily into pages that fit at the smallest size.
  function paginate(element) {
    var all = blocks(element);
    var marker = document.createElement("p");
    marker.className = "stage-pages";
    marker.setAttribute("aria-hidden", "true");
    element.appendChild(marker);
    var pages = [];
    var current = [];
    all.forEach(function (block) { block.hidden = true; });
    all.forEach(function (block) {
      block.hidden = false;
      current.push(block);
      if (current.length > 1 && overflows(element)) {
        current.pop();
        current.forEach(function (shown) { shown.hidden = true; });
        pages.push(current);
        current = [block];
      }
    });
    if (current.length) { pages.push(current); }
    element.classList.add("paged");
    return pages;
  }

  var pages = null;

  function layout() {
    var element = body();
    if (pageTimer) { clearInterval(pageTimer); pageTimer = null; }
    pages = null;
    if (!element) { return; }
    element.classList.remove("paged");
    var marker = element.querySelector(".stage-pages");
    if (marker) { marker.remove(); }
    blocks(element).forEach(function (block) { block.hidden = false; });
    if (shrink(element)) { return; }
    pages = paginate(element);
    if (pages.length < 2) { pages = null; return; }
    showPage(element, pages, Math.min(page, pages.length - 1));
    pageTimer = setInterval(function () { showPage(element, pages, page + 1); }, PAGE_SECONDS * 1000);
  }

  function stepChanged() {
    var stage = document.getElementById("stage");
    if (!stage) { return; }
    var step = stage.dataset.step;
    // The same step drawn again: its build-up has been seen; show the new figures at once.
    stage.classList.toggle("settled", step === lastStep);
    if (step !== lastStep) { page = 0; }
    lastStep = step;
  }

  function refresh() {
    stepChanged();
    layout();
  }

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:wsAfterMessage", refresh);
  window.addEventListener("resize", layout);
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(layout); }

  document.addEventListener("keydown", function (event) {
    if (!pages || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var forward = ["ArrowRight", "PageDown", " "].indexOf(event.key) >= 0;
    var back = ["ArrowLeft", "PageUp"].indexOf(event.key) >= 0;
    if (!forward && !back) { return; }
    event.preventDefault();
    showPage(body(), pages, page + (forward ? 1 : -1));
  });
})();
