// Check-in: camera scanning where the browser has a built-in QR detector; the text box always works.
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("scan-button"), video = document.getElementById("scan-video");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", async function () {
    var detector = new BarcodeDetector({formats: ["qr_code"]});
    var stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    video.srcObject = stream; video.hidden = false; await video.play();
    (async function look() {
      var codes = await detector.detect(video).catch(function () { return []; });
      if (codes.length) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        document.getElementById("id_code").value = codes[0].rawValue;
        document.getElementById("checkin-form").submit();
      } else { requestAnimationFrame(look); }
    })();
  });
})();
