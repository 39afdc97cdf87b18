// The web chat. Every text from the server goes into a text node: nothing is parsed as HTML.
"use strict";

(function () {
  var KEY = "triage-session";
  var log = document.getElementById("log");
  var form = document.getElementById("typing");
  var input = document.getElementById("text");
  var ui = {
    busy: "Too many messages at once. Please wait a moment and try again.",
    offline: "I could not reach the server. Please check your connection and try again.",
    location_failed: "I could not get your location. Tap your region or type your town.",
    location: "Use my location",
    begin: "Begin"
  };
  var waiting = false;
  var focusNext = false;
  var RTL_LETTER = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;

  function newSession() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return hex;
  }

  function storedSession() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value && /^[0-9a-f]{32}$/.test(value) ? value : null;
    } catch (e) {
      return null;
    }
  }

  function keepSession(value) {
    try {
      if (value) window.localStorage.setItem(KEY, value);
      else window.localStorage.removeItem(KEY);
    } catch (e) { /* private mode: the session lasts as long as the page */ }
  }

  var session = storedSession();
  var isNew = !session;
  if (isNew) session = newSession();

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.appendChild(document.createTextNode(text));
    return node;
  }

  function href(link) {
    var target = String(link.target || "");
    if (link.kind === "tel" && /^\+?[0-9]{2,20}$/.test(target)) return "tel:" + target;
    if (link.kind === "mailto" && /^[^\s@<>:]+@[A-Za-z0-9.-]+$/.test(target)) {
      return "mailto:" + target;
    }
    if (link.kind === "web" && /^https?:\/\/[^\s]+$/.test(target)) return target;
    if (link.kind === "map" && target) {
      return "https://www.openstreetmap.org/search?query=" + encodeURIComponent(target);
    }
    return null;
  }

  function renderLine(line) {
    var row = el("p", line.bold ? "line bold" : "line", line.text || "");
    if (!line.text && !line.link) row.className = "line gap";
    if (line.link) {
      var url = href(line.link);
      var a = el(url ? "a" : "span", "contact", line.link.text || "");
      if (url) {
        a.href = url;
        a.rel = "noopener noreferrer";
        if (line.link.kind === "web" || line.link.kind === "map") a.target = "_blank";
        // Numbers, addresses and e-mails in Latin script read left to right, even in Arabic.
        a.dir = line.link.kind === "map" && RTL_LETTER.test(line.link.text) ? "auto" : "ltr";
      }
      row.appendChild(a);
    }
    return row;
  }

  function clearButtons() {
    var old = log.querySelectorAll(".choices");
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
  }

  function bubble(cls) {
    var node = el("div", "bubble " + cls);
    log.appendChild(node);
    return node;
  }

  function say(text) {
    bubble("bot").appendChild(el("p", "line", text));
    scrollToEnd();
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function choiceButton(label, onPress, cls) {
    var button = el("button", cls || "choice", label);
    button.type = "button";
    button.addEventListener("click", onPress);
    return button;
  }

  function setTexts(reply) {
    var strings = reply.ui || {};
    for (var key in strings) ui[key] = strings[key];
    var root = document.documentElement;
    root.lang = reply.lang || "en";
    root.dir = reply.dir === "rtl" ? "rtl" : "ltr";
    document.title = ui.title || document.title;
    document.getElementById("title").textContent = ui.title || "";
    document.getElementById("sos-label").textContent = ui.emergency || "";
    var language = document.getElementById("language");
    language.setAttribute("aria-label", ui.language || "");
    language.title = ui.language || "";
    document.getElementById("privacy").textContent = ui.privacy || "";
    document.getElementById("forget").textContent = ui.forget || "";
    document.getElementById("send").textContent = ui.send || "";
    document.getElementById("text-label").textContent = ui.placeholder || "";
    input.placeholder = ui.placeholder || "";
  }

  function render(reply) {
    setTexts(reply);
    clearButtons();
    if (reply.forget) {
      keepSession(null);
      session = newSession();
      isNew = true;
      while (log.firstChild) log.removeChild(log.firstChild);
    }
    var first = null;
    var messages = reply.messages || [];
    for (var i = 0; i < messages.length; i++) {
      var node = bubble("bot");
      var lines = messages[i].lines || [];
      for (var j = 0; j < lines.length; j++) node.appendChild(renderLine(lines[j]));
      first = first || node;
    }
    var venues = reply.venues || [];
    for (var v = 0; v < venues.length; v++) {
      var pin = venues[v];
      var a = el("a", "contact", "🗺️ " + pin.title);
      a.href = "https://www.openstreetmap.org/?mlat=" + Number(pin.lat) + "&mlon=" +
        Number(pin.lon) + "#map=17/" + Number(pin.lat) + "/" + Number(pin.lon);
      a.rel = "noopener noreferrer";
      a.target = "_blank";
      var p = el("p", "line");
      p.appendChild(a);
      bubble("bot").appendChild(p);
    }
    var box = el("div", "choices");
    var rows = reply.buttons || [];
    for (var r = 0; r < rows.length; r++) {
      var row = el("div", "row");
      for (var b = 0; b < rows[r].length; b++) {
        var button = rows[r][b];
        var node = choiceButton(button.label, tapHandler(button), "choice");
        node.setAttribute("data-choice", button.data);
        row.appendChild(node);
      }
      box.appendChild(row);
    }
    if (reply.location && navigator.geolocation) {
      box.insertBefore(choiceButton("📍 " + ui.location, shareLocation, "choice wide locate"),
        box.firstChild);
    }
    if (reply.forget) {
      box.appendChild(choiceButton(ui.begin, function () {
        send({ kind: "start", payload: "" });
      }, "choice wide"));
    }
    if (box.firstChild) log.appendChild(box);
    if (focusNext && box.querySelector("button")) {
      box.querySelector("button").focus({ preventScroll: true });
    }
    focusNext = false;
    if (first && first.offsetTop > log.scrollTop) log.scrollTop = first.offsetTop - 8;
    else scrollToEnd();
    if (!reply.forget) keepSession(session);
  }

  function tapHandler(button) {
    return function (event) {
      // Pressed with the keyboard (no pointer): the next options get the focus.
      focusNext = event.detail === 0;
      bubble("me").appendChild(el("p", "line", button.label));
      send({ kind: "tap", data: button.data });
    };
  }

  function shareLocation() {
    navigator.geolocation.getCurrentPosition(function (position) {
      // Only about a kilometre of precision leaves the browser; the bot keeps the town.
      send({
        kind: "location",
        latitude: Math.round(position.coords.latitude * 100) / 100,
        longitude: Math.round(position.coords.longitude * 100) / 100
      });
    }, function () {
      say(ui.location_failed);
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
  }

  function setWaiting(on) {
    waiting = on;
    log.setAttribute("aria-busy", on ? "true" : "false");
    var buttons = document.querySelectorAll(".choice, .send");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
  }

  function send(body) {
    if (waiting) return;
    body.session = session;
    body.lang = navigator.language || "";
    setWaiting(true);
    fetch("/api/message", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer"
    }).then(function (response) {
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (result) {
      setWaiting(false);
      if (result.data && result.data.messages) render(result.data);
      else say(result.status === 429 ? ui.busy : ui.offline);
    }, function () {
      setWaiting(false);
      say(ui.offline);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || waiting) return;
    input.value = "";
    bubble("me").appendChild(el("p", "line", text));
    send({ kind: "text", text: text });
  });
  document.getElementById("sos").addEventListener("click", function () {
    send({ kind: "command", name: "emergency" });
  });
  document.getElementById("language").addEventListener("click", function () {
    send({ kind: "command", name: "language" });
  });
  document.getElementById("privacy").addEventListener("click", function () {
    send({ kind: "command", name: "privacy" });
  });
  document.getElementById("forget").addEventListener("click", function () {
    send({ kind: "command", name: "forget" });
  });

  var start = new URLSearchParams(window.location.search).get("start");
  if (start !== null) {
    // A deep link: open where it points, then drop it so a reload does not start again.
    window.history.replaceState(null, "", window.location.pathname);
    send({ kind: "start", payload: start.slice(0, 64) });
  } else {
    send(isNew ? { kind: "start", payload: "" } : { kind: "show" });
  }
})();
