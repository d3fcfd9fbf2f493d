// Consignment mode: the shipment's SSCC (GS1 AI 00) or declaration reference first, then item
// after item without leaving the camera. Each code is read, counted once (by GTIN and serial),
// verified (by the node, or on the phone when offline: offline.js with the status list) and
// tallied; at the end a consignment verdict, and one case for the suspect items.
(function () {
  "use strict";

  const root = document.getElementById("consignment");
  if (!root) return;
  const t = root.dataset;
  const video = root.querySelector("video");
  const status = root.querySelector(".scan-status");
  const tallyNode = document.getElementById("consignment-tally");
  const list = document.getElementById("consignment-items");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const online = JSON.parse(document.getElementById("verdict-labels").textContent);
  const offline = JSON.parse(document.getElementById("offline-labels").textContent);

  // How each verdict counts in the consignment's tally.
  const GROUP = {
    genuine: "genuine", offline_valid: "genuine",
    forged: "suspect", revoked: "suspect", stolen: "suspect", recalled: "suspect", destroyed: "suspect",
    suspected_clone: "suspect", listed: "suspect",
    unknown: "unknown", registered: "unknown", unknown_product: "unknown", unchecked: "unknown",
  };
  const seen = new Map(); // "gtin serial" -> {text, verdict, scan}
  let reference = "";
  let running = false;

  ZXingWASM.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? t.wasm : prefix + path) },
    fireImmediately: true,
  });

  // SSCC: 18 digits with a GS1 check digit, as scanned ((00)…, raw, or a Digital Link /00/…);
  // otherwise a declaration reference (an MRN, say) as typed.
  function parseReference(text) {
    const value = text.trim();
    const digits = (/(?:^|\(00\)|\/00\/|^00)(\d{18})$/.exec(value.replace(/\s/g, "")) || [])[1];
    if (digits) {
      const body = digits.slice(0, 17).split("").reverse();
      const sum = body.reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
      if ((10 - (sum % 10)) % 10 === Number(digits[17])) return "SSCC " + digits;
    }
    if (/^[A-Za-z0-9][A-Za-z0-9 ./-]{3,40}$/.test(value) && !/^\d+$/.test(value)) return value.toUpperCase();
    return null;
  }

  async function decode(source, width, height) {
    canvas.width = width;
    canvas.height = height;
    context.drawImage(source, 0, 0, width, height);
    const results = await ZXingWASM.readBarcodes(context.getImageData(0, 0, width, height), {
      formats: ["QRCode", "DataMatrix"], tryHarder: false, maxNumberOfSymbols: 1,
    });
    return results.length && results[0].isValid ? results[0].text : null;
  }

  function counts() {
    const c = { n: seen.size, genuine: 0, suspect: 0, unknown: 0, pending: 0 };
    for (const entry of seen.values()) c[entry.verdict ? GROUP[entry.verdict] || "unknown" : "pending"]++;
    return c;
  }

  function showTally() {
    const c = counts();
    tallyNode.textContent = tallyNode.dataset.template
      .replace("%(n)s", c.n).replace("%(genuine)s", c.genuine).replace("%(suspect)s", c.suspect).replace("%(unknown)s", c.unknown);
  }

  async function verify(text) {
    if (navigator.onLine) {
      try {
        const response = await fetch(t.verifyApi, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify({ code: text }),
        });
        if (response.ok) {
          const result = await response.json();
          return { verdict: result.verdict, scan: result.scan, label: online[result.verdict] || result.verdict };
        }
      } catch (e) { /* the node unreachable: checked on the phone */ }
    }
    const result = await window.IpchainOffline.verdictFor(text);
    await window.IpchainOffline.queueScan({ id: crypto.randomUUID(), code: text, offline_verdict: result.verdict });
    return { verdict: result.verdict, scan: null, label: offline[result.verdict] || result.verdict };
  }

  function read(text) {
    let code;
    try {
      code = window.IpchainOffline.parseCode(text);
    } catch (e) {
      return; // not an item's code (the SSCC again, another barcode)
    }
    const key = code.gtin + " " + code.serial;
    if (seen.has(key)) return;
    const entry = { text, verdict: null, scan: null, at: Date.now() };
    seen.set(key, entry);
    const li = document.createElement("li");
    li.dataset.item = key;
    const name = document.createElement("span");
    name.className = "mono";
    name.dir = "ltr";
    name.textContent = "(01) " + code.gtin + " (21) " + code.serial;
    const verdict = document.createElement("strong");
    verdict.textContent = " " + t.checking;
    li.append(name, verdict);
    list.prepend(li);
    showTally();
    verify(text).then((found) => {
      Object.assign(entry, found);
      li.dataset.verdict = found.verdict;
      li.className = GROUP[found.verdict] === "suspect" ? "bad" : GROUP[found.verdict] === "genuine" ? "ok" : "warn";
      verdict.textContent = " — " + found.label;
      showTally();
    });
  }

  async function tick() {
    if (!running) return;
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        const text = await decode(video, video.videoWidth, video.videoHeight);
        if (text) read(text);
      } catch (e) { /* a frame that did not decode */ }
    }
    setTimeout(tick, 40);
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : t.csrf;
  }

  document.getElementById("consignment-start").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("consignment-ref");
    reference = parseReference(input.value);
    if (!reference) {
      input.setCustomValidity(t.badReference);
      input.reportValidity();
      input.addEventListener("input", () => input.setCustomValidity(""), { once: true });
      return;
    }
    document.getElementById("consignment-start").hidden = true;
    document.getElementById("consignment-scan").hidden = false;
    document.getElementById("consignment-label").textContent = reference;
    showTally();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
      status.textContent = navigator.onLine ? t.pointAt : t.offline;
      running = true;
      tick();
    } catch (e) {
      status.textContent = t.noCamera;
    }
  });

  document.getElementById("consignment-finish").addEventListener("click", () => {
    running = false;
    if (video.srcObject) video.srcObject.getTracks().forEach((track) => track.stop());
    const c = counts();
    const box = document.getElementById("consignment-verdict");
    box.hidden = false;
    const clean = c.suspect === 0 && c.unknown === 0 && c.pending === 0;
    box.className = "verdict-box " + (clean ? "ok" : c.suspect ? "bad" : "warn");
    box.dataset.verdict = clean ? "all_genuine" : "suspect";
    box.querySelector(".verdict-icon").textContent = clean ? "✔" : "⚠";
    box.querySelector(".verdict-word").textContent = clean
      ? t.allGenuine.replace("%(n)s", c.n)
      : t.someSuspect.replace("%(suspect)s", c.suspect).replace("%(unknown)s", c.unknown).replace("%(n)s", c.n);
    document.getElementById("consignment-detain").hidden = !(c.suspect && navigator.onLine);
    box.scrollIntoView({ block: "start" });
  });

  document.getElementById("consignment-detain").addEventListener("click", async () => {
    const suspects = [...seen.values()].filter((e) => GROUP[e.verdict] === "suspect");
    const first = suspects.find((e) => e.scan);
    const out = document.getElementById("consignment-case");
    try {
      const response = await fetch(t.casesApi, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({
          goods: t.detainGoods.replace("%(ref)s", reference).replace("%(n)s", suspects.length).slice(0, 300),
          quantity: suspects.length,
          scan: first ? first.scan : undefined,
          notes: suspects.map((e) => e.text).join("\n").slice(0, 5000),
        }),
      });
      if (!response.ok) throw new Error(String(response.status));
      const opened = await response.json();
      out.textContent = t.caseOpened;
      const link = document.createElement("a");
      link.href = "/verify/cases/" + opened.id + "/";
      link.textContent = " #" + opened.id;
      out.append(link);
      document.getElementById("consignment-detain").hidden = true;
    } catch (e) {
      out.textContent = t.caseFailed;
    }
  });

  // Scans checked on the phone are sent to the node when the network is back.
  window.addEventListener("online", () => {
    status.textContent = running ? t.pointAt : status.textContent;
    window.IpchainOffline.flushQueue().catch(() => {});
  });
  window.addEventListener("offline", () => { if (running) status.textContent = t.offline; });

  window.IpchainConsignment = { counts, seen };
})();
