// workshop client glue: websocket reconnects, action ids, countdowns and status banners.
(function () {
  "use strict";

  // Full-jitter backoff capped at 5 s (the extension's default grows to 64 s).
  htmx.config.wsReconnectDelay = function (retryCount) {
    return Math.random() * Math.min(5000, 500 * Math.pow(2, retryCount));
  };

  var socket = null;
  var linkUp = false;

  function newActionId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function showLink(state, text) {
    var banner = document.getElementById("link-status");
    if (!banner) { return; }
    document.body.dataset.link = state;
    banner.hidden = state === "up";
    if (text) { banner.textContent = text; }
  }

  // Every action carries a fresh id, so a frame queued while offline and replayed is applied once.
  document.addEventListener("htmx:wsConfigSend", function (event) {
    event.detail.parameters.action_id = newActionId();
    event.detail.headers = null;
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    linkUp = true;
    showLink("up");
  });

  document.addEventListener("htmx:wsClose", function (event) {
    socket = event.detail.socketWrapper;
    linkUp = false;
    var code = event.detail.event.code;
    if ([1006, 1011, 1012, 1013].indexOf(code) >= 0) {
      showLink("down", "Reconnecting…");
    } else if (code === 1008) {
      showLink("ended", "This screen is no longer connected. Reload the page to rejoin.");
    } else {
      showLink("ended", "Disconnected. Reload the page to reconnect.");
    }
  });

  // A phone that wakes up should not wait out the backoff.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && socket && !linkUp) {
      socket.reconnect();
    }
  });

  // Give quick feedback on a tap; the server's notice confirms it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[ws-send]")) {
      form.classList.add("sending");
    }
  });

  // The console's people search: its results replace #found in place, and their Remove buttons
  // are set up like the rest of the page's live forms.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form.matches && form.matches("form.find-person"))) { return; }
    event.preventDefault();
    var query = new URLSearchParams(new FormData(form)).toString();
    fetch(form.action + "?" + query, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.text();
      })
      .then(function (html) {
        document.getElementById("found").outerHTML = html;
        htmx.process(document.getElementById("found"));
      })
      .catch(function () {
        var found = document.getElementById("found");
        var failed = document.createElement("p");
        failed.className = "hint";
        failed.setAttribute("role", "status");
        failed.textContent = "The search did not go through. Check the connection and try again.";
        found.replaceChildren(failed);
      });
  });

  // A composer kept across re-renders (hx-preserve) is emptied once the server accepts its post;
  // after a refusal the text stays, so nothing typed is lost.
  var pendingComposer = null;
  var lastNotice = null;
  document.addEventListener("htmx:wsAfterSend", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form.post-form")) {
      pendingComposer = form;
    }
  });

  var noticeTimer = null;
  document.addEventListener("htmx:wsAfterMessage", function () {
    var notice = document.getElementById("notice");
    if (!notice || !notice.textContent.trim()) { return; }
    if (notice.dataset.seq !== lastNotice) {
      lastNotice = notice.dataset.seq;
      if (pendingComposer) {
        if (notice.classList.contains("ok")) { pendingComposer.reset(); }
        pendingComposer.classList.remove("sending");
        pendingComposer = null;
      }
    }
    notice.classList.remove("faded");
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { notice.classList.add("faded"); }, 4000);
  });

  // A notice belongs to the step it was given in. A phone's stage names its step (data-step);
  // the notice remembers the step it arrived in, and is emptied once the stage shows another
  // (the next step or exercise, also after a reconnect). Screens whose stage names no step keep
  // their notices as before.
  document.addEventListener("htmx:wsAfterMessage", function () {
    var notice = document.getElementById("notice");
    var stage = document.getElementById("stage");
    if (!notice || !stage || !stage.hasAttribute("data-step")) { return; }
    var step = stage.getAttribute("data-step");
    if (!notice.hasAttribute("data-step")) {
      notice.setAttribute("data-step", step);
    } else if (notice.getAttribute("data-step") !== step) {
      notice.textContent = "";
      notice.setAttribute("data-step", step);
    }
  });

  // Countdowns: the server sends the seconds left when it rendered; count down from arrival.
  function tick() {
    document.querySelectorAll("#timer[data-left]").forEach(function (timer) {
      if (!timer.dataset.arrived) { timer.dataset.arrived = String(Date.now()); }
      var left = Number(timer.dataset.left);
      if (timer.dataset.running === "true") {
        left -= (Date.now() - Number(timer.dataset.arrived)) / 1000;
      }
      left = Math.max(0, Math.round(left));
      var label = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      var countdown = timer.querySelector(".countdown");
      if (countdown && countdown.textContent !== label) { countdown.textContent = label; }
      timer.classList.toggle("done", left === 0);
    });
  }
  setInterval(tick, 250);

  // Console keys (N next, R reveal, B back, P pause or resume, + one more minute) and the
  // projector's F for full screen: each presses the visible button that declares the key.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    var key = event.key === "=" ? "+" : event.key.toLowerCase();
    var buttons = document.querySelectorAll("button[data-keys]");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      if (!button.disabled && button.dataset.keys.split(" ").indexOf(key) >= 0) {
        event.preventDefault();
        button.click();
        return;
      }
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("[data-fullscreen]")) { return; }
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();
    }
  });

  // Chart bars grow from their old length to the new one, unless the viewer asked for less motion.
  var barWidths = {};
  var calm = window.matchMedia("(prefers-reduced-motion: reduce)");
  document.addEventListener("htmx:wsBeforeMessage", function () {
    barWidths = {};
    document.querySelectorAll("rect[data-bar]").forEach(function (bar) {
      barWidths[bar.dataset.bar] = bar.getAttribute("width");
    });
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (calm.matches) { return; }
    document.querySelectorAll("rect[data-bar]").forEach(function (bar) {
      var before = barWidths[bar.dataset.bar];
      var after = bar.getAttribute("width");
      if (before !== undefined && before !== after && bar.animate) {
        bar.animate([{ width: before + "px" }, { width: after + "px" }],
          { duration: 400, easing: "ease-out" });
      }
    });
  });

  // Co-facilitator and projector links: the key travels in the fragment, which no server or
  // referrer sees; the page's form posts it.
  document.addEventListener("DOMContentLoaded", function () {
    var key = document.querySelector("input[data-from-fragment]");
    if (key && location.hash.length > 1) {
      key.value = location.hash.slice(1);
      history.replaceState(null, "", location.pathname);
    }
    tick();
  });
})();
