// Small enhancements of the server-rendered pages; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // The pages' own calls of the JSON API: same-origin, with the session cookie and the form token.
  window.horae = {
    api: function (path, options) {
      options = options || {};
      var headers = Object.assign({ Accept: "application/json", "X-CSRF-Token": csrfToken() }, options.headers || {});
      if (options.body && typeof options.body !== "string") {
        headers["Content-Type"] = "application/json";
        options.body = JSON.stringify(options.body);
      }
      return fetch(path, Object.assign({}, options, { headers: headers, credentials: "same-origin" })).then(function (response) {
        if (response.status === 401) {
          window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
        }
        return response;
      });
    },
  };

  function onReady() {
    // Phone layout: the menu button shows and hides the navigation.
    var toggle = document.querySelector("[data-menu-toggle]");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        nav.classList.toggle("open", open);
      });
    }

    // Drop-down menus close on a click elsewhere and on Escape.
    var dropdowns = Array.prototype.slice.call(document.querySelectorAll("details[data-dropdown]"));
    document.addEventListener("click", function (event) {
      dropdowns.forEach(function (details) {
        if (details.open && !details.contains(event.target)) details.open = false;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      dropdowns.forEach(function (details) {
        if (details.open) {
          details.open = false;
          details.querySelector("summary").focus();
        }
      });
    });

    // Forms with data-confirm ask first (revoking a token).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });

    // Copy buttons.
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.getElementById(button.getAttribute("data-copy"));
        field.select();
        var done = function () {
          button.textContent = button.getAttribute("data-copied-text") || button.textContent;
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(done);
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
    document.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });

    // Colours come from data attributes: the content security policy forbids inline styles.
    document.querySelectorAll("[data-color]").forEach(function (element) {
      var color = element.getAttribute("data-color");
      if (/^#[0-9a-fA-F]{3,6}$/.test(color)) element.style.backgroundColor = color;
    });
    document.querySelectorAll("[data-swatch-for]").forEach(function (swatch) {
      var select = document.getElementById(swatch.getAttribute("data-swatch-for"));
      var paint = function () {
        swatch.style.backgroundColor = select.value || "transparent";
        swatch.classList.toggle("empty", !select.value);
      };
      select.addEventListener("change", paint);
      paint();
    });
  }

  // Customer → project → activity: a choice hides the options of the next select that do not
  // belong to it (global activities, without a project, always stay).
  function narrowSelects() {
    document.querySelectorAll("select[data-narrowed-by]").forEach(function (child) {
      var parent = document.getElementById(child.getAttribute("data-narrowed-by"));
      if (!parent) return;
      var apply = function () {
        var chosen = parent.value;
        Array.prototype.forEach.call(child.options, function (option) {
          var owner = option.getAttribute("data-parent");
          if (owner === null) return;
          var shown = !chosen || owner === chosen || (owner === "" && child.hasAttribute("data-keep-global"));
          option.hidden = !shown;
          option.disabled = !shown;
        });
        var selected = child.options[child.selectedIndex];
        if (selected && selected.disabled) {
          child.value = "";
          child.dispatchEvent(new Event("change"));
        }
      };
      parent.addEventListener("change", apply);
      apply();
    });
  }

  // Running timers show their elapsed time, updated every second.
  function tickTimers() {
    var timers = document.querySelectorAll("[data-since]");
    if (!timers.length) return;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var update = function () {
      var now = Date.now();
      timers.forEach(function (element) {
        var seconds = Math.max(0, Math.floor((now - Number(element.getAttribute("data-since"))) / 1000));
        element.textContent = Math.floor(seconds / 3600) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
      });
    };
    update();
    window.setInterval(update, 1000);
  }

  // Alt+Shift+S stops the newest running timer, or opens the start form.
  function timerShortcut() {
    document.addEventListener("keydown", function (event) {
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey || event.code !== "KeyS") return;
      var stop = document.querySelector("[data-stop-timer]");
      var start = document.querySelector("[data-start-timer]");
      var field = document.getElementById("start-customer");
      event.preventDefault();
      if (stop) stop.form.requestSubmit(stop);
      else if (field) field.focus();
      else if (start) window.location.assign(start.getAttribute("href"));
    });
    if (window.location.hash === "#start") {
      var field = document.getElementById("start-customer");
      if (field) field.focus();
    }
  }

  // The calendar places entries by their minutes; without JavaScript they stay a list per day.
  function layoutCalendar() {
    var calendar = document.querySelector(".calendar[data-first-minute]");
    if (!calendar) return;
    var first = Number(calendar.getAttribute("data-first-minute"));
    var last = Number(calendar.getAttribute("data-last-minute"));
    var span = Math.max(60, last - first);
    calendar.classList.add("calendar-placed");
    calendar.querySelectorAll(".calendar-entries").forEach(function (column) {
      column.style.height = (span / 60) * 3 + "rem";
    });
    calendar.querySelectorAll(".calendar-entry").forEach(function (entry) {
      var start = Number(entry.getAttribute("data-start"));
      var end = Number(entry.getAttribute("data-end"));
      entry.style.top = ((start - first) * 100 / span) + "%";
      entry.style.height = (Math.max(end - start, 20) * 100 / span) + "%";
      var accent = entry.getAttribute("data-accent");
      if (/^#[0-9a-fA-F]{3,6}$/.test(accent)) entry.style.borderLeftColor = accent;
    });
  }

  function onTrackingReady() {
    narrowSelects();
    tickTimers();
    timerShortcut();
    layoutCalendar();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onTrackingReady);
  else onTrackingReady();

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onReady);
  else onReady();
})();
