// The door's camera button: BarcodeDetector where the browser has it (Chrome on Android), else jsQR
// (static/vendor/jsqr, loaded from our own files) on frames drawn to a canvas (Safari, WeChat,
// desktop browsers). It never does nothing: without a camera, or without permission, it says so and
// puts the cursor in the ticket-code box; the search by name below always works.
const button = document.getElementById("scan-button");
const form = document.getElementById("checkin-form");
const input = document.getElementById("id_code");
const video = document.getElementById("scan-video");
const status = document.getElementById("scan-status");

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
  const look = async () => {
    if (!stream) return;
    const text = await decode(video);
    if (text) {
      stop();
      input.value = text;
      form.submit();
    } else {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
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
