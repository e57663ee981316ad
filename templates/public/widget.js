/* Status banner for your site: while the status page reports an incident or maintenance
   under way, a dismissible notice links to it. Nothing shows while all is well. Remote
   text is set with textContent only. */
(function () {
  var page = {{ page_url|tojson }};
  var colours = {minor: "#9a6700", major: "#bc4c00", critical: "#cf222e", maintenance: "#0969da"};
  var key = "herald-dismissed:" + page;

  function el(tag, css, text) {
    var node = document.createElement(tag);
    node.style.cssText = css;
    if (text) node.textContent = text;
    return node;
  }

  function show(data) {
    var events = (data.incidents || []).concat((data.scheduled_maintenances || []).filter(
      function (m) { return m.status === "in_progress" || m.status === "verifying"; }));
    if (!events.length) return;
    var ids = events.map(function (e) { return e.id; }).join(",");
    try { if (sessionStorage.getItem(key) === ids) return; } catch (e) { /* no storage */ }
    var first = events[0];
    var words = (first.scheduled_for ? "Maintenance: " : "") + first.name + " (" +
      String(first.status).replace("_", " ") + ")";
    if (events.length > 1) words += " and " + (events.length - 1) + " more";
    var colour = colours[(data.status || {}).indicator] || colours.maintenance;
    var bar = el("div", "display:flex;gap:12px;align-items:center;padding:8px 16px;color:#fff;" +
      "font:14px/1.4 system-ui,sans-serif;background:" + colour);
    bar.id = "herald-status-banner";
    bar.setAttribute("role", "status");
    bar.appendChild(el("span", "flex:1", words));
    var link = el("a", "color:#fff;font-weight:600", "View status");
    link.href = page + "/";
    bar.appendChild(link);
    var close = el("button", "background:none;border:0;color:#fff;font-size:18px;cursor:pointer",
      "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss the status notice");
    close.onclick = function () {
      bar.remove();
      try { sessionStorage.setItem(key, ids); } catch (e) { /* no storage */ }
    };
    bar.appendChild(close);
    document.body.insertBefore(bar, document.body.firstChild);
  }

  function start() {
    fetch(page + "/api/v2/summary.json", {credentials: "omit"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () { /* the status page is out of reach: show nothing */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
