/* Document pages: while a version is being converted its badge refreshes itself (polling the
 * JSON API), and the page reloads once the PDF is ready or the conversion failed, so the reader
 * gets the "Read" button or the reason without touching anything; a decision's draft waits for
 * its PDF the same way. Upload forms refuse a file over
 * the size limit before sending it (the server refuses it too).
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var GIVE_UP_MS = 15 * 60 * 1000;

  function poll(url, badges, started) {
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (doc) {
        if (!doc) {
          return;
        }
        var changed = badges.some(function (badge) {
          var number = Number(badge.dataset.versionNumber);
          var version = (doc.versions || []).filter(function (v) {
            return v.number === number;
          })[0];
          return version && version.state !== "converting";
        });
        if (changed) {
          window.location.reload();
        } else if (Date.now() - started < GIVE_UP_MS) {
          window.setTimeout(function () { poll(url, badges, started); }, POLL_MS);
        }
      })
      .catch(function () {
        if (Date.now() - started < GIVE_UP_MS) {
          window.setTimeout(function () { poll(url, badges, started); }, POLL_MS * 2);
        }
      });
  }

  function watchConversions() {
    var byUrl = {};
    document.querySelectorAll("[data-version-state='converting'][data-status-url]")
      .forEach(function (badge) {
        var url = badge.dataset.statusUrl;
        (byUrl[url] = byUrl[url] || []).push(badge);
      });
    Object.keys(byUrl).forEach(function (url) {
      window.setTimeout(function () { poll(url, byUrl[url], Date.now()); }, POLL_MS);
    });
  }

  // A decision's draft whose PDF is being rendered ([data-render-wait]): its JSON is polled,
  // backing off (2 s, then half as long again each time, at most 15 s), and the page reloads
  // once ``render_state`` is no longer "rendering" (ready: the "Read" button; failed: why).
  var MAX_POLL_MS = 15000;

  function waitRendered(url, delay, started) {
    function again() {
      if (Date.now() - started < GIVE_UP_MS) {
        window.setTimeout(function () {
          waitRendered(url, Math.min(delay * 1.5, MAX_POLL_MS), started);
        }, delay);
      }
    }
    fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (decision) {
        if (decision && decision.render_state && decision.render_state !== "rendering") {
          window.location.reload();
        } else {
          again();
        }
      })
      .catch(again);
  }

  function watchRendering() {
    document.querySelectorAll("[data-render-wait][data-status-url]").forEach(function (box) {
      window.setTimeout(function () {
        waitRendered(box.dataset.statusUrl, POLL_MS, Date.now());
      }, POLL_MS);
    });
  }

  function guardUploads() {
    document.querySelectorAll("form.upload-form[data-max-bytes]").forEach(function (form) {
      var input = form.querySelector("input[type=file]");
      var limit = Number(form.dataset.maxBytes);
      if (!input) {
        return;
      }
      function tooLarge() {
        return input.files && input.files[0] && input.files[0].size > limit;
      }
      function showError(message) {
        var field = input.closest(".field");
        var box = field && field.querySelector("[data-size-error]");
        if (field && !box && message) {
          box = document.createElement("p");
          box.className = "error";
          box.setAttribute("role", "alert");
          box.dataset.sizeError = "";
          field.appendChild(box);
        }
        if (box && !message) {
          box.remove();
        } else if (box) {
          box.textContent = message;
        }
        if (field) {
          field.classList.toggle("has-error", Boolean(message));
        }
      }
      input.addEventListener("change", function () {
        showError(tooLarge() ? form.dataset.tooLarge : "");
      });
      form.addEventListener("submit", function (event) {
        if (tooLarge()) {
          event.preventDefault();
          showError(form.dataset.tooLarge);
          return;
        }
        var button = form.querySelector("button[type=submit][data-busy-text]");
        if (button) {
          button.disabled = true;
          button.textContent = button.dataset.busyText;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    watchConversions();
    watchRendering();
    guardUploads();
  });
}());
