/* Herald: keep a broadcast's progress numbers up to date while it runs.
   The page works without this: it then reloads itself every 5 seconds (a <noscript>
   meta refresh). Loaded with <script src> because the CSP forbids inline scripts. */
(function () {
  "use strict";
  var INTERVAL = 2000;
  var MAX_FAILURES = 5;

  function start(box) {
    var url = box.getAttribute("data-progress-url");
    if (!url || box.getAttribute("data-done") === "true" || !window.fetch) {
      return;
    }
    var failures = 0;
    var timer = null;

    function setText(name, value) {
      var nodes = box.querySelectorAll('[data-field="' + name + '"]');
      for (var i = 0; i < nodes.length; i++) {
        if (nodes[i].textContent !== String(value)) {
          nodes[i].textContent = String(value);
        }
      }
    }

    function stop() {
      if (timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
    }

    function update(data) {
      ["sent", "failed", "retrying", "remaining", "total", "state_label"].forEach(function (key) {
        if (key in data) {
          setText(key, data[key]);
        }
      });
      var bar = box.querySelector("progress");
      if (bar) {
        bar.max = Math.max(data.total, 1);
        bar.value = data.sent + data.failed;
        bar.textContent = (data.sent + data.failed) + " of " + data.total;
      }
      (data.segments || []).forEach(function (segment) {
        var rect = box.querySelector('rect[data-seg="' + segment.name + '"]');
        if (rect) {
          rect.setAttribute("x", segment.x);
          rect.setAttribute("width", segment.width);
        }
      });
      if (data.done) {
        stop();
        box.setAttribute("data-done", "true");
        var note = box.querySelector("[data-finished]");
        if (note) {
          note.hidden = false;
        }
      }
    }

    function poll() {
      if (document.hidden) {
        return; // no requests from a tab nobody looks at
      }
      window
        .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          update(data);
        })
        .catch(function () {
          failures += 1;
          if (failures >= MAX_FAILURES) {
            stop(); // signed out or the server is gone: keep the last numbers shown
          }
        });
    }

    timer = window.setInterval(poll, INTERVAL);
  }

  function init() {
    var boxes = document.querySelectorAll(".progress[data-progress-url]");
    for (var i = 0; i < boxes.length; i++) {
      start(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
