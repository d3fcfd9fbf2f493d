// Installs the verifier's service worker (templates/verifier/sw.js) from every verifier
// page, so that landing on a verdict straight from the camera (the scanner page left at
// once) still leaves the phone ready to work offline.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) return;
  navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(() => {});
})();
