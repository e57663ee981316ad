/* Herald: show the public pages' times in the visitor's time zone.
   Progressive enhancement: the page is served the same to everyone (cached), with times
   in the page's zone; without script it stays so. With script, and when the visitor's
   zone differs from the page's, each <time datetime> is rewritten in the visitor's zone
   (its title keeps the page's text), and the footer names both zones. Loaded with
   <script src> because the CSP forbids inline scripts. */
(function () {
  "use strict";
  var note = document.querySelector("[data-page-zone]");
  if (!note || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var pageZone = note.getAttribute("data-page-zone");
  var visitorZone;
  try {
    visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!visitorZone || visitorZone === pageZone) {
    return;
  }
  // The page's language (app.i18n): English keeps Herald's own layout below; another
  // language takes its own way of writing a date and time.
  var lang = document.documentElement.getAttribute("lang") || "en";
  var english = lang === "en";
  var format = new Intl.DateTimeFormat(english ? "en-GB" : lang, {
    timeZone: visitorZone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short"
  });

  // "7 Dec 2026, 10:15 GMT+9": the page's own layout ("7 Dec 2026, 01:15 UTC").
  function text(moment) {
    if (!english) {
      return format.format(moment);
    }
    var parts = {};
    format.formatToParts(moment).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return parts.day + " " + parts.month + " " + parts.year + ", " +
      parts.hour + ":" + parts.minute + " " + parts.timeZoneName;
  }

  function partsOf(moment) {
    var parts = {};
    format.formatToParts(moment).forEach(function (part) {
      parts[part.type] = part.value;
    });
    return parts;
  }

  // Both ends of a window; the day once when it ends on the day it starts.
  function windowText(start, end) {
    if (!english) {
      return format.formatRange ? format.formatRange(start, end) : text(start) + " – " + text(end);
    }
    var a = partsOf(start);
    var b = partsOf(end);
    if (a.day === b.day && a.month === b.month && a.year === b.year) {
      return a.day + " " + a.month + " " + a.year + ", " + a.hour + ":" + a.minute + " – " +
        b.hour + ":" + b.minute + " " + b.timeZoneName;
    }
    return text(start) + " – " + text(end);
  }

  var times = document.querySelectorAll("time[datetime]");
  var changed = 0;
  for (var i = 0; i < times.length; i++) {
    var value = times[i].getAttribute("datetime");
    if (value.indexOf("T") < 0) {
      continue; // a date without a time of day is the same everywhere
    }
    var moment = new Date(value);
    if (isNaN(moment.getTime())) {
      continue;
    }
    var local = text(moment);
    if (local === times[i].textContent) {
      continue; // the same zone under another name (UTC and Etc/UTC)
    }
    times[i].setAttribute("title", times[i].textContent);
    times[i].textContent = local;
    changed++;
  }
  // A maintenance window ("10 Dec 2026, 02:00 – 03:00 UTC"): both ends, one zone named.
  var windows = document.querySelectorAll("[data-window-start][data-window-end]");
  for (var w = 0; w < windows.length; w++) {
    var start = new Date(windows[w].getAttribute("data-window-start"));
    var end = new Date(windows[w].getAttribute("data-window-end"));
    if (isNaN(start.getTime()) || isNaN(end.getTime())) {
      continue;
    }
    var range = windowText(start, end);
    if (range === windows[w].textContent) {
      continue;
    }
    windows[w].setAttribute("title", windows[w].textContent);
    windows[w].textContent = range;
    changed++;
  }
  if (changed) {
    // The sentence comes translated in the page, with {visitor} and {page} to fill.
    var sentence = note.getAttribute("data-local-note") ||
      "Times are shown in your time zone ({visitor}); this page's time zone is {page}.";
    note.textContent = sentence.replace("{visitor}", visitorZone).replace("{page}", pageZone);
  }
})();
