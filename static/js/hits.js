// Live hits for dispatchers. The socket brings each hit at once; because a socket can drop
// messages (a reconnect, a Redis restart), the page also asks the API for every hit since the
// last one it saw, on connect and after any gap. Both paths meet on the hit's id, so a hit is
// shown once.
(function () {
  "use strict";
  const root = document.getElementById("hits");
  const connection = document.getElementById("connection");
  const template = document.getElementById("hit-template");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const seen = new Map(); // hit id -> element
  let lastCreatedAt = null;
  let soundOn = false;
  let audio = null;
  let retry = 500;
  let socket = null;

  document.getElementById("sound-toggle").addEventListener("click", function () {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    soundOn = !soundOn;
    this.textContent = soundOn ? "Mute sound" : "Enable sound";
  });

  function beep(priority) {
    if (!soundOn || !audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = priority >= 3 ? 1046 : 784;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + (priority >= 3 ? 0.6 : 0.25));
  }

  function setState(text, cls) {
    connection.textContent = text;
    connection.className = "connection " + cls;
  }

  function fill(el, hit) {
    el.dataset.id = hit.id;
    el.classList.toggle("disposed", hit.status !== "new");
    el.querySelector(".plate").textContent = hit.plate + (hit.match === "possible" ? " (possible: listed " + hit.listed_plate + ")" : "") + (hit.verify_carefully ? " (verify carefully: low-confidence read)" : "");
    const badge = el.querySelector(".badge");
    badge.textContent = hit.priority_label;
    badge.className = "badge priority-" + hit.priority;
    el.querySelector(".status").textContent = hit.status === "new" ? "NOT VERIFIED" : hit.status_label + ": " + hit.disposition_label + " by " + hit.disposed_by + (hit.action_taken ? " (" + hit.action_taken + ")" : "");
    el.querySelector(".what").textContent = hit.hotlist + ": " + hit.reason + (hit.listed_state ? " (" + hit.listed_state + ")" : "");
    el.querySelector(".where").textContent = hit.camera + " (" + hit.latitude.toFixed(4) + ", " + hit.longitude.toFixed(4) + ") at " + new Date(hit.captured_at).toLocaleString();
    const crop = el.querySelector("img.crop");
    crop.hidden = !hit.crop_url;
    if (hit.crop_url) { crop.src = hit.crop_url; crop.alt = "Plate as read: " + hit.plate; }
    const frame = el.querySelector("img.frame");
    frame.hidden = !hit.frame_url;
    if (hit.frame_url) { frame.src = hit.frame_url; frame.alt = "Frame from " + hit.camera; }
    el.querySelector("a.details").href = hit.url;
    el.querySelector("form.dispose").hidden = hit.status !== "new";
  }

  function show(hit, isNew) {
    if (!lastCreatedAt || hit.created_at > lastCreatedAt) lastCreatedAt = hit.created_at;
    const existing = seen.get(hit.id);
    if (existing) { fill(existing, hit); return; }
    const el = template.content.firstElementChild.cloneNode(true);
    fill(el, hit);
    el.querySelector("form.dispose").addEventListener("submit", function (event) {
      event.preventDefault();
      dispose(hit.id, new FormData(this), el);
    });
    document.getElementById("no-hits")?.remove();
    root.prepend(el);
    seen.set(hit.id, el);
    if (isNew && hit.status === "new") beep(hit.priority);
  }

  async function dispose(id, data, el) {
    const url = root.dataset.api + id + "/disposition/";
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({disposition: data.get("disposition"), action_taken: data.get("action_taken")}),
    });
    const body = await response.json().catch(() => ({}));
    const error = el.querySelector(".error");
    if (response.ok) { fill(el, body); error.textContent = ""; return; }
    if (body.hit) fill(el, body.hit); // already decided: show what stands, and no form
    error.textContent = body.detail || ("Not recorded (" + response.status + ")");
    error.hidden = false;
  }

  async function backfill() {
    // Overlap the window a little: ids make the overlap harmless.
    let url = root.dataset.api;
    if (lastCreatedAt) {
      const since = new Date(new Date(lastCreatedAt).getTime() - 30000).toISOString();
      url += "?since=" + encodeURIComponent(since);
    }
    const response = await fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}});
    if (!response.ok) throw new Error("backfill failed: " + response.status);
    const body = await response.json();
    body.hits.forEach(function (hit) { show(hit, true); });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.socket);
    socket.onopen = function () {
      retry = 500;
      setState("live", "live");
      backfill().catch(function () { setState("live (catch-up failed, retrying)", "degraded"); });
    };
    socket.onmessage = function (event) {
      const message = JSON.parse(event.data);
      if (message.type === "hit") show(message.hit, true);
      if (message.type === "hit_updated") show(message.hit, false);
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { setState("refused: sign in again", "down"); return; }
      setState("reconnecting…", "down");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  backfill().catch(function () {}).finally(connect);
  // For tests and for a dispatcher's console: what is shown, and the live socket.
  window.stewardHits = {
    seen: seen,
    socket: function () { return socket; },
    setRetryDelay: function (ms) { retry = ms; },
  };
})();
