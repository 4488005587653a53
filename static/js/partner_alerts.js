// Hotlist alerts shared with a partner agency. A closed socket with code 4403 means the agency's
// access ended (suspension, revocation): the page says so and does not reconnect.
(function () {
  "use strict";
  const list = document.getElementById("partner-alerts");
  const state = document.getElementById("alert-connection");
  let retry = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/partner/alerts/");
    socket.onopen = function () { retry = 1000; state.textContent = "live"; state.className = "connection live"; };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.type !== "alert") return;
      const alert = message.alert;
      document.getElementById("no-alerts")?.remove();
      const item = document.createElement("li");
      item.textContent = alert.plate + ": " + alert.hotlist + " (" + alert.reason + "), " + alert.camera +
        ", " + alert.city + ", " + new Date(alert.captured_at).toLocaleString();
      list.prepend(item);
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { state.textContent = "no alerts for your agency"; state.className = "connection down"; return; }
      state.textContent = "reconnecting…"; state.className = "connection down";
      setTimeout(connect, retry); retry = Math.min(retry * 2, 15000);
    };
  }
  connect();
})();
