// The console's own behaviour: its tabs, the keys help, the projector miniature's scale, and
// keeping the facilitator's place (focus, open disclosures) when live regions are replaced.
(function () {
  "use strict";

  // ---- Tabs: the agenda, the library, the notes and the room, one at a time. ----
  function tabsOf(tab) {
    return Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
  }

  function selectTab(tab, moveFocus) {
    tabsOf(tab).forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !selected; }
    });
    if (moveFocus) { tab.focus(); }
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    if (tab) { selectTab(tab, false); }
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    if (!tab) { return; }
    var tabs = tabsOf(tab);
    var at = tabs.indexOf(tab);
    var to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) { return; }
    event.preventDefault();
    selectTab(tabs[(to + tabs.length) % tabs.length], true);
  });

  // ---- The keys help: a modal dialog; Escape or Close returns focus to where it was. ----
  var helpOpener = null;
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[aria-controls=keys-help]");
    var dialog = document.getElementById("keys-help");
    if (!opener || !dialog || dialog.open) { return; }
    // Opened by its key, focus stays where the facilitator was; opened by a click, on the button.
    var active = document.activeElement;
    helpOpener = active && active !== document.body ? active : opener;
    dialog.showModal();
  });
  document.addEventListener("close", function (event) {
    if (event.target.id === "keys-help" && helpOpener) {
      var back = helpOpener;
      helpOpener = null;
      if (back.isConnected) { back.focus(); }
    }
  }, true);

  // ---- The projector miniature: the 1920 x 1080 page, scaled to its box. ----
  function scaleMiniature(box) {
    var width = box.clientWidth;
    if (width > 0) { box.style.setProperty("--miniature-scale", String(width / 1920)); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector(".miniature-box");
    if (!box) { return; }
    scaleMiniature(box);
    if (window.ResizeObserver) {
      new ResizeObserver(function () { scaleMiniature(box); }).observe(box);
    }
  });

  // ---- Keeping the facilitator's place when a live region is replaced. ----
  // A region's new HTML replaces its element, and the focused control with it; focus would fall
  // back to the top of the page. Each control is known by a key that survives the re-render: an
  // action's type and fields (not the step it was drawn for, so "Next" stays "Next"; a toggle's
  // fields without their values, so "Blank" stays "Blank" whichever way it is set), else its id,
  // else what it is and says. When the control is gone, focus goes to what replaced it (the same
  // shortcut key, or the same action on the same thing switched the other way: Pause becomes
  // Resume, Hide becomes Show, Lock becomes Unlock),
  // else to the next control that does the same to the next thing (Start, then the next Start),
  // else to the next control after where it was, staying in the same part of the console.
  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";
  var AREAS = ".tab-panel, #stage, .rail > .panel, .topbar";

  function actionFields(element) {
    var form = element.closest("form[ws-send]");
    if (!form || !element.matches("button")) { return null; }
    var fields = [];
    form.querySelectorAll("input[type=hidden]").forEach(function (input) {
      if (input.name !== "seen_phase") { fields.push([input.name, input.value]); }
    });
    return fields;
  }

  function focusKey(element) {
    var fields = actionFields(element);
    if (fields) {
      var toggle = element.hasAttribute("aria-pressed");
      return "act:" + fields.map(function (field) {
        return toggle && field[0] !== "type" ? field[0] : field[0] + "=" + field[1];
      }).join("&");
    }
    if (element.id) { return "#" + element.id; }
    var text = (element.getAttribute("aria-label") || element.textContent || "").trim();
    return element.tagName + ":" + (element.getAttribute("href") || "") + ":" + text.slice(0, 80);
  }

  // The same action on the same thing, switched the other way: hide_question on one question,
  // hidden "true" or "false".
  function actionKind(element) {
    var fields = actionFields(element);
    if (!fields) { return ""; }
    return fields.map(function (field) {
      return field[1] === "true" || field[1] === "false" ? field[0] : field[0] + "=" + field[1];
    }).join("&");
  }

  // What the control does, whatever it does it to: "start_run".
  function actionType(element) {
    var fields = actionFields(element);
    var type = fields && fields.find(function (field) { return field[0] === "type"; });
    return type ? type[1] : "";
  }

  function usable(element) {
    if (element.disabled || element.tabIndex < 0 || element.closest("[inert], [hidden]")) {
      return false;
    }
    return element.getClientRects().length > 0;
  }

  // Every focusable control in document order, each with its key numbered by occurrence.
  function focusables() {
    var seen = {};
    var list = [];
    document.querySelectorAll(FOCUSABLE).forEach(function (element) {
      if (!usable(element)) { return; }
      var key = focusKey(element);
      seen[key] = (seen[key] || 0) + 1;
      list.push({ element: element, key: key + "#" + seen[key] });
    });
    return list;
  }

  // Disclosures (details) keep the state the facilitator left them in.
  function detailsKey(details) {
    var summary = details.querySelector("summary");
    return (details.id || "") + ":" + (summary ? summary.textContent.trim() : "");
  }

  var place = null;
  var disclosures = null;

  function remember() {
    var active = document.activeElement;
    place = null;
    if (active && active !== document.body && active !== document.documentElement) {
      var list = focusables();
      var at = list.findIndex(function (item) { return item.element === active; });
      var area = active.closest(AREAS);
      if (at >= 0) {
        place = {
          element: active,
          keys: list.map(function (item) { return item.key; }),
          at: at,
          shortcut: active.getAttribute("data-keys") || "",
          kind: actionKind(active),
          type: actionType(active),
          area: area ? area.id : "",
        };
      }
    }
    disclosures = {};
    document.querySelectorAll("main details").forEach(function (details) {
      disclosures[detailsKey(details)] = details.open;
    });
  }

  function restoreDisclosures() {
    if (!disclosures) { return; }
    document.querySelectorAll("main details").forEach(function (details) {
      var open = disclosures[detailsKey(details)];
      if (open !== undefined && details.open !== open) { details.open = open; }
    });
    disclosures = null;
  }

  function successor(was) {
    var list = focusables();
    var byKey = {};
    list.forEach(function (item, index) { byKey[item.key] = index; });
    var old = {};
    was.keys.forEach(function (key) { old[key] = true; });
    var area = was.area ? document.getElementById(was.area) : null;
    function inArea(item) { return !area || area.contains(item.element); }
    function find(test) { return list.find(function (item) { return inArea(item) && test(item); }); }
    var i;
    // The same control, drawn again.
    if (byKey[was.keys[was.at]] !== undefined) { return list[byKey[was.keys[was.at]]]; }
    // What replaced it: a new control with its shortcut, or the same action on the same thing.
    var replaced = find(function (item) {
      if (old[item.key]) { return false; }
      if (was.shortcut && item.element.getAttribute("data-keys") === was.shortcut) { return true; }
      return was.kind !== "" && actionKind(item.element) === was.kind;
    });
    if (replaced) { return replaced; }
    // The next control that does the same to the next thing (Start, then the next Start).
    if (was.type) {
      for (i = was.at + 1; i < was.keys.length; i++) {
        var same = list[byKey[was.keys[i]]];
        if (same && inArea(same) && actionType(same.element) === was.type) { return same; }
      }
    }
    // The next control after where it was, still there.
    for (i = was.at + 1; i < was.keys.length; i++) {
      var after = list[byKey[was.keys[i]]];
      if (after && inArea(after)) { return after; }
    }
    // The control after the nearest one before it that is still there.
    for (i = was.at - 1; i >= 0; i--) {
      var index = byKey[was.keys[i]];
      if (index !== undefined && inArea(list[index])) {
        var next = list[index + 1];
        return next && inArea(next) ? next : list[index];
      }
    }
    // The first control of its part of the console, or that part itself.
    var first = find(function () { return true; });
    if (first) { return first; }
    if (area && area.hasAttribute("tabindex")) { return { element: area }; }
    return null;
  }

  function restoreFocus() {
    var was = place;
    place = null;
    if (!was) { return; }
    var active = document.activeElement;
    // Focus is still somewhere (the region it was in was not replaced, or the facilitator moved).
    if (was.element.isConnected || (active && active !== document.body)) { return; }
    var target = successor(was);
    if (target) { target.element.focus(); }
  }

  document.addEventListener("htmx:wsBeforeMessage", remember);
  document.addEventListener("htmx:wsAfterMessage", function () {
    restoreDisclosures();
    restoreFocus();
  });
})();
