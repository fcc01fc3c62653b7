// The door. The camera button scans continuously: BarcodeDetector where the browser has it (Chrome on
// Android), else jsQR (static/vendor/jsqr, loaded from our own files) on frames drawn to a canvas
// (Safari, WeChat, desktop browsers). Each ticket seen is checked in at once (no tap), confirmed by a
// beep, a flash and the fan's name, or refused with the reason; the same ticket held in front of the
// camera is sent once. Without a camera, or without permission, it says so and puts the cursor in the
// ticket-code box; the search by name below always works.
//
// Offline (pretixSCAN's way): the page keeps the door list (names and SHA-256 hashes of ticket codes,
// never the codes) in localStorage, checks tickets against it while the network is down, queues the
// check-ins and sends them when the network is back (POST door/sync, each scan with its own id, so a
// sync sent twice counts once; a ticket another phone let in first comes back as a logged conflict).
const button = document.getElementById("scan-button");
const form = document.getElementById("checkin-form");
const input = document.getElementById("id_code");
const video = document.getElementById("scan-video");
const status = document.getElementById("scan-status");
const door = document.getElementById("door");

// ---- the QR decoders -------------------------------------------------------------------------------

let jsqr = null;
function loadJsQR() {
  if (!jsqr) {
    jsqr = new Promise((resolve, reject) => {
      if (window.jsQR) return resolve(window.jsQR);
      const script = document.createElement("script");
      script.src = button.dataset.jsqr;
      script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR missing")));
      script.onerror = () => reject(new Error("jsQR did not load"));
      document.head.append(script);
    });
  }
  return jsqr;
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return async (source) => {
      const codes = await detector.detect(source).catch(() => []);
      return codes.length ? codes[0].rawValue : null;
    };
  } catch {
    return null;
  }
}

async function jsqrDecoder() {
  const decode = await loadJsQR();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (source) => {
    const width = source.videoWidth, height = source.videoHeight;
    if (!width || !height) return null;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    const found = decode(context.getImageData(0, 0, width, height).data, width, height, {
      inversionAttempts: "dontInvert",
    });
    return found ? found.data : null;
  };
}

function say(text, error) {
  status.textContent = text;
  status.className = error ? "msg error" : "msg";
  status.hidden = false;
}

function manual(text) {
  say(text, true);
  input.focus();
}

// ---- the door list, the queue, the server ---------------------------------------------------------

const t = (name, values = {}) =>
  (door.dataset["t" + name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())] || name).replace(
    /%\((\w+)\)s/g,
    (_, key) => String(values[key] ?? ""),
  );
const meetup = door && door.dataset.meetup;
const listKey = `fancity.door.${meetup}.list`;
const queueKey = `fancity.door.${meetup}.queue`;
const load = (key, fallback) => {
  try {
    return JSON.parse(localStorage.getItem(key)) ?? fallback;
  } catch {
    return fallback;
  }
};
const store = (key, value) => localStorage.setItem(key, JSON.stringify(value));
let list = door ? load(listKey, null) : null;
const queue = () => load(queueKey, []);
const csrf = () => (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok && response.status !== 400) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

function showStats(stats) {
  if (!stats) return;
  for (const [key, value] of Object.entries(stats)) {
    const cell = document.querySelector(`#door-stats [data-stat="${key}"]`);
    if (cell) cell.textContent = value;
  }
}

function showNetwork() {
  const line = document.getElementById("door-network");
  const waiting = queue().length;
  let text = "";
  if (!navigator.onLine) text = list ? t("offline", { time: clock(list.generated_at) }) : t("no-list");
  else if (list) text = t("ready", { n: list.tickets.length, time: clock(list.generated_at) });
  if (waiting) text += " " + t("queued", { n: waiting });
  line.textContent = text;
  line.className = navigator.onLine ? "muted" : "msg warning";
  door.dataset.queued = waiting;
  door.dataset.online = navigator.onLine ? "yes" : "no";
}

async function refreshList() {
  if (!navigator.onLine) return;
  try {
    const response = await fetch(door.dataset.list, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = await response.json();
    // Check-ins this phone made offline and has not sent yet stay marked.
    const pending = new Set(queue().map((scan) => scan.registration));
    for (const ticket of fresh.tickets) if (pending.has(ticket.r)) ticket.in = true;
    list = fresh;
    store(listKey, list);
    door.dataset.tickets = list.tickets.length;
    showStats(fresh.stats);
  } catch {
    // Offline or the server is away: the list downloaded before stays.
  }
  showNetwork();
}

function markInList(registration, checkedIn) {
  if (!list) return;
  const ticket = list.tickets.find((entry) => entry.r === registration);
  if (ticket) {
    ticket.in = checkedIn;
    store(listKey, list);
  }
}

// ---- telling the door staff: a flash, a beep, a vibration, the name --------------------------------

let audio = null;
function beep(ok) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = ok ? 880 : 220;
    gain.gain.value = 0.2;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (ok ? 0.12 : 0.4));
  } catch {
    // No sound on this browser: the flash and the text still say it.
  }
  if (navigator.vibrate) navigator.vibrate(ok ? 80 : [80, 60, 80]);
}

let lastUndo = null;
function showResult(ok, text, undo) {
  const box = document.getElementById("door-result");
  box.hidden = false;
  box.className = ok ? "door-result ok" : "door-result refused";
  box.dataset.result = ok ? "ok" : "refused";
  void box.offsetWidth; // restart the flash animation
  box.classList.add("flash");
  document.getElementById("door-result-text").textContent = text;
  const undoButton = document.getElementById("door-result-undo");
  lastUndo = undo || null;
  undoButton.hidden = !undo;
  beep(ok);
}

function logEntry(name, registration, action, label, offline) {
  const log = document.getElementById("door-log");
  log.querySelector(".door-log-empty")?.remove();
  const item = document.createElement("li");
  item.className = `door-entry ${action}`;
  item.dataset.registration = registration;
  item.dataset.action = action;
  const strong = document.createElement("strong");
  strong.textContent = name;
  item.append(strong, ` · ${label} ${clock(new Date().toISOString())}`);
  if (offline) item.dataset.offline = "yes";
  if (action === "check_in") {
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "secondary door-undo";
    undo.textContent = t("undo");
    undo.addEventListener("click", () => undoCheckIn(registration, name));
    item.append(" ", undo);
  }
  log.prepend(item);
}

// ---- scanning ----------------------------------------------------------------------------------------

function ticketCode(text) {
  text = (text || "").trim();
  if (text.includes(":")) {
    // A signed token (django.core.signing): base64url JSON, then its timestamp and signature.
    try {
      const part = text.split(":")[0].replace(/-/g, "+").replace(/_/g, "/");
      const data = JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
      return typeof data.c === "string" ? data.c : null;
    } catch {
      return null;
    }
  }
  const code = text.replace(/\s+/g, "").toUpperCase();
  return /^[A-Z0-9]{1,12}$/.test(code) ? code : null;
}

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function checkOffline(text) {
  if (!list) return showResult(false, t("no-list"));
  const code = ticketCode(text);
  if (!code) return showResult(false, t("invalid"));
  const hash = await sha256(`${list.salt}:${code}`);
  const ticket = list.tickets.find((entry) => entry.h === hash);
  if (!ticket) return showResult(false, t("unknown"));
  if (ticket.in) return showResult(false, t("already", { name: ticket.n }));
  ticket.in = true;
  store(listKey, list);
  const scans = queue();
  scans.push({ id: crypto.randomUUID(), registration: ticket.r, at: new Date().toISOString(), name: ticket.n });
  store(queueKey, scans);
  showResult(true, t("welcome-offline", { name: ticket.n }), { registration: ticket.r, name: ticket.n });
  logEntry(ticket.n, ticket.r, "check_in", "✓", true);
  showNetwork();
}

async function checkTicket(text) {
  if (!navigator.onLine) return checkOffline(text);
  let answer;
  try {
    answer = await post(door.dataset.scan, { code: text });
  } catch {
    return checkOffline(text); // the network went away under us: the list answers
  }
  showStats(answer.stats);
  if (answer.result === "checked_in") {
    markInList(answer.registration, true);
    showResult(true, t("welcome", { name: answer.name }), { registration: answer.registration, name: answer.name });
    logEntry(answer.name, answer.registration, "check_in", "✓", false);
  } else {
    if (answer.already) markInList(answer.registration, true);
    showResult(false, answer.message);
  }
  syncSoon();
}

async function undoCheckIn(registration, name) {
  const scans = queue();
  const pending = scans.filter((scan) => scan.registration === registration);
  if (pending.length) {
    // Not sent yet: the check-in never reaches the server.
    store(queueKey, scans.filter((scan) => scan.registration !== registration));
    markInList(registration, false);
  } else if (!navigator.onLine) {
    return showResult(false, t("undo-offline"));
  } else {
    let answer;
    try {
      answer = await post(door.dataset.undo, { registration });
    } catch {
      return showResult(false, t("undo-offline"));
    }
    showStats(answer.stats);
    if (answer.result !== "undone") return showResult(false, answer.message);
    markInList(registration, false);
  }
  showResult(true, t("undone", { name }));
  document
    .querySelectorAll(`#door-log [data-registration="${registration}"] .door-undo`)
    .forEach((undo) => undo.closest("form, button").remove());
  logEntry(name, registration, "undo", "↺", !navigator.onLine);
  showNetwork();
}

let syncing = false;
async function sync() {
  const scans = queue();
  if (syncing || !scans.length || !navigator.onLine) return showNetwork();
  syncing = true;
  try {
    const answer = await post(door.dataset.sync, {
      scans: scans.map(({ id, registration, at }) => ({ id, registration, at })),
    });
    if (!answer.results) return;
    const done = new Set(answer.results.map((result) => result.id));
    store(queueKey, queue().filter((scan) => !done.has(scan.id)));
    const names = Object.fromEntries(scans.map((scan) => [scan.id, scan]));
    let sent = 0;
    for (const result of answer.results) {
      const scan = names[result.id];
      if (result.result === "checked_in" || result.result === "recorded") sent += 1;
      else if (result.result === "conflict") {
        // This phone's check-in did not count: its undo would take back the other phone's.
        document
          .querySelectorAll(`#door-log [data-registration="${scan?.registration}"][data-offline="yes"] .door-undo`)
          .forEach((undo) => undo.remove());
        showResult(false, t("conflict", { name: result.name || scan?.name }));
        logEntry(result.name || scan?.name || "", scan?.registration, "conflict", "⚠", true);
      } else if (scan) {
        markInList(scan.registration, false);
        showResult(false, `${scan.name}: ${result.message}`);
      }
    }
    showStats(answer.stats);
    if (sent) document.getElementById("door-network").dataset.synced = sent;
    await refreshList();
  } catch {
    // Still away: the queue waits for the next try.
  } finally {
    syncing = false;
    showNetwork();
  }
}
let syncTimer = null;
const syncSoon = () => {
  clearTimeout(syncTimer);
  syncTimer = setTimeout(sync, 200);
};

// The same code is sent once while it stays in front of the camera (and for 4 s after it was last
// seen), and one scan at a time.
const REPEAT_MS = 4000;
let last = { text: "", seen: 0 };
let busy = false;
async function seen(text) {
  const now = Date.now();
  if (text === last.text && now - last.seen < REPEAT_MS) {
    last.seen = now;
    return;
  }
  if (busy) return;
  last = { text, seen: now };
  busy = true;
  try {
    await checkTicket(text);
  } finally {
    busy = false;
  }
}

let stream = null;
function stop() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  video.hidden = true;
  button.textContent = button.dataset.label;
}

async function scan() {
  if (stream) return stop();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return manual(button.dataset.noCamera);
  let decode = await nativeDetector();
  if (!decode) {
    try {
      decode = await jsqrDecoder();
    } catch {
      return manual(button.dataset.noDecoder);
    }
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  } catch (error) {
    const denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    return manual(denied ? button.dataset.denied : button.dataset.noCamera);
  }
  video.srcObject = stream;
  video.hidden = false;
  button.textContent = button.dataset.stop;
  say(button.dataset.aim, false);
  try {
    await video.play();
  } catch {
    stop();
    return manual(button.dataset.noCamera);
  }
  // A few looks a second: enough for a queue at the door, light on a phone's battery.
  const look = async () => {
    if (!stream) return;
    const text = await decode(video);
    if (text) await seen(text);
    setTimeout(look, 120);
  };
  look();
}

if (button && form && input && video && status) {
  button.dataset.label = button.textContent;
  button.hidden = false;
  // Without a built-in detector, fetch the decoder now, so the first tap scans at once.
  if (!("BarcodeDetector" in window)) {
    loadJsQR().then(
      () => (button.dataset.decoder = "jsqr"),
      () => (button.dataset.decoder = "none"),
    );
  } else {
    button.dataset.decoder = "native";
  }
  button.addEventListener("click", () => {
    scan().catch(() => manual(button.dataset.noCamera));
  });
}

if (door) {
  door.hidden = false;
  showNetwork();
  document.getElementById("door-result-undo").addEventListener("click", () => {
    if (lastUndo) undoCheckIn(lastUndo.registration, lastUndo.name);
  });
  // Server-rendered undo buttons: the same undo without a page load.
  document.querySelectorAll("#door-log .door-undo-form").forEach((undoForm) =>
    undoForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const item = undoForm.closest("li");
      undoCheckIn(Number(item.dataset.registration), item.querySelector("strong").textContent);
    }),
  );
  // A typed code while offline is checked against the list; online, the form asks the server.
  if (form) {
    form.addEventListener("submit", (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      seen(input.value).then(() => (input.value = ""));
    });
  }
  window.addEventListener("online", () => sync().then(refreshList));
  window.addEventListener("offline", showNetwork);
  refreshList().then(sync);
  setInterval(() => {
    if (!navigator.onLine) return;
    if (queue().length) sync();
    else
      fetch(door.dataset.stats, { credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : null))
        .then((answer) => answer && showStats(answer.stats))
        .catch(() => {});
  }, 10000);
}
