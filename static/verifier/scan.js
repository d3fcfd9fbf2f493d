// The officer's scanner: camera frames (or a photo) decoded in the browser, then the verdict.
// Uses the browser's BarcodeDetector where it exists, else zxing-wasm served from this node.
// Installs the service worker that keeps the verifier working offline (offline.js).
(function () {
  "use strict";
  const root = document.getElementById("scanner");
  if (!root) return;
  const video = root.querySelector("video");
  const status = root.querySelector(".scan-status");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let position = null;
  let done = false;

  const wasmUrl = root.dataset.wasm;
  ZXingWASM.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
    fireImmediately: true,
  });

  const say = (text) => { status.textContent = text; };

  async function decode(source, width, height) {
    canvas.width = width; canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    if ("BarcodeDetector" in window) {
      try {
        const found = await new window.BarcodeDetector({ formats: ["qr_code", "data_matrix"] }).detect(canvas);
        if (found.length) return found[0].rawValue;
      } catch (e) { /* fall through to zxing-wasm */ }
    }
    const results = await ZXingWASM.readBarcodes(context.getImageData(0, 0, width, height), {
      formats: ["QRCode", "DataMatrix"], tryHarder: true, maxNumberOfSymbols: 1,
    });
    return results.length && results[0].isValid ? results[0].text : null;
  }

  // Online, the node gives the verdict; offline (or when the node cannot be reached, through
  // the service worker) the offline page checks the signature on the phone.
  // Online the code and the device's position go in the body of a POST (never in a URL,
  // where a crafted link could set a position); offline the service worker's page reads the
  // code from its URL and asks the device for its position itself.
  function go(text) {
    done = true;
    say(root.dataset.found);
    if (!navigator.onLine) {
      window.location.assign(root.dataset.offlineUrl + "?" + new URLSearchParams({ code: text }).toString());
      return;
    }
    const form = document.createElement("form");
    form.method = "post";
    form.action = root.dataset.verifyUrl;
    const fields = { csrfmiddlewaretoken: csrfToken(), code: text };
    if (position) { fields.latitude = position.latitude; fields.longitude = position.longitude; }
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden"; input.name = name; input.value = value;
      form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : root.dataset.csrf;
  }

  async function tick() {
    if (done) return;
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        const text = await decode(video, video.videoWidth, video.videoHeight);
        if (text) return go(text);
      } catch (e) { /* a frame that did not decode */ }
    }
    setTimeout(tick, 150);
  }

  async function start() {
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition((p) => { position = p.coords; }, () => {}, { maximumAge: 600000, timeout: 5000 });
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
      say(root.dataset.pointAt);
      tick();
    } catch (e) {
      say(root.dataset.noCamera);
    }
  }

  const photo = root.querySelector("input[type=file]");
  photo.addEventListener("change", async () => {
    const file = photo.files[0];
    if (!file) return;
    const image = await createImageBitmap(file);
    const text = await decode(image, image.width, image.height);
    if (text) go(text); else say(root.dataset.notFound);
  });

  // --- Offline: the installable app, the network banner, the queue of offline scans ----

  const banner = document.getElementById("net-status");
  const queued = document.getElementById("queued");

  function showNetwork() {
    banner.hidden = navigator.onLine;
    banner.textContent = banner.dataset.offline;
  }

  async function sendQueued() {
    if (!window.IpchainOffline || !navigator.onLine) return;
    try {
      const sent = await IpchainOffline.flushQueue();
      if (sent.length) queued.textContent = root.dataset.sent.replace("%(n)s", sent.length);
      IpchainOffline.showSent(sent, document.getElementById("sent"));
      const left = (await IpchainOffline.queuedScans()).length;
      if (left) queued.textContent = root.dataset.queued.replace("%(n)s", left);
    } catch (e) { /* the node is unreachable: they stay queued */ }
  }

  window.addEventListener("online", () => { showNetwork(); sendQueued(); });
  window.addEventListener("offline", showNetwork);
  showNetwork();
  sendQueued();
  start();
})();
