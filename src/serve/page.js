// The status page's one script: follow the server's events and replace the
// live part. No framework, nothing fetched from elsewhere, nothing sent.
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
  es.addEventListener("page", function (m) {
    live.innerHTML = m.data;
    conn.textContent = "read-only view · live";
    conn.className = "conn";
  });
  es.onerror = function () {
    conn.textContent = "read-only view · connection lost, retrying";
    conn.className = "conn down";
  };
})();
