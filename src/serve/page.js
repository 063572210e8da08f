// The status page's one script: follow the server's events and put each
// fragment it sends (a whole element, named by its id) in place of the
// old one. No framework, nothing fetched from elsewhere, nothing sent.
(function () {
  "use strict";
  var conn = document.getElementById("conn");
  var live = document.getElementById("live");
  // The token already sits in an HttpOnly cookie: keep it out of the
  // address bar, the history and anything copied from it.
  if (window.location.search.indexOf("token=") >= 0 && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  if (!window.EventSource) { return; }
  var es = new EventSource("events");
  function up() {
    conn.textContent = "read-only view · live";
    conn.className = "conn";
  }
  function swap(m) {
    var old = document.getElementById(m.type);
    if (old && live.contains(old)) { old.outerHTML = m.data; }
    up();
  }
  // The fragments are fixed by the runbook: the ones on the page now.
  var frags = live.querySelectorAll("[id^='f-']");
  for (var i = 0; i < frags.length; i++) {
    es.addEventListener(frags[i].id, swap);
  }
  // A new journal line alone: on top, and as many dropped at the bottom.
  es.addEventListener("f-journal-add", function (m) {
    var ol = document.querySelector("#f-journal ol");
    if (!ol) { return; }
    ol.insertAdjacentHTML("afterbegin", m.data);
    var keep = parseInt(ol.getAttribute("data-keep"), 10) || 30;
    while (ol.children.length > keep) { ol.removeChild(ol.lastElementChild); }
    up();
  });
  es.onopen = up;
  es.onerror = function () {
    conn.textContent = "read-only view · connection lost, retrying";
    conn.className = "conn down";
  };
})();
