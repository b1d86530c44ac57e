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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onReady);
  else onReady();
})();
