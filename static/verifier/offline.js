// Verification without the network: the label's signature checked with WebCrypto against
// the office-signed trust list, and scans queued in IndexedDB until the network returns.
// The same rules as ipchain/registry/digital_link.py (parse_code, label_message) and
// verifier/trustlist.py; docs/verifier.md describes them.
(function () {
  "use strict";

  const LABEL_DOMAIN = "ipchain-label/v1\n";
  const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;
  const MAX_CODE_LENGTH = 1024;
  const encoder = new TextEncoder();

  class CodeError extends Error {
    constructor(reason, message) { super(message); this.reason = reason; }
  }

  // --- Reading a code -----------------------------------------------------------------

  function checkDigit(digits) {
    let total = 0;
    for (let i = 0; i < digits.length; i++) {
      const d = digits.charCodeAt(digits.length - 1 - i) - 48;
      total += d * (i % 2 === 0 ? 3 : 1);
    }
    return (10 - (total % 10)) % 10;
  }

  function normalizeGtin(value) {
    if (!/^\d+$/.test(value) || ![8, 12, 13, 14].includes(value.length)) {
      throw new CodeError("bad_gtin", "a GTIN is 8, 12, 13 or 14 digits");
    }
    const gtin = value.padStart(14, "0");
    if (Number(gtin[13]) !== checkDigit(gtin.slice(0, 13))) {
      throw new CodeError("bad_check_digit", "wrong GTIN check digit");
    }
    return gtin;
  }

  function validSerial(serial) {
    if (!CSET82.test(serial)) throw new CodeError("bad_serial", "a serial is 1-20 characters of GS1 character set 82");
    return serial;
  }

  function b64urlDecode(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
      throw new CodeError("malformed_signature", "the code's signature is not base64url");
    }
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    const raw = atob(b64);
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function parseCode(text) {
    if (typeof text !== "string") throw new CodeError("not_a_code", "a code is text");
    if (text.length > MAX_CODE_LENGTH) throw new CodeError("too_long", "a code is at most 1024 characters");
    text = text.trim();
    for (const prefix of ["]Q1", "]Q3", "]C1", "]d2", "]e0"]) {
      if (text.startsWith(prefix)) text = text.slice(prefix.length);
    }
    if (/^https?:\/\//i.test(text)) {
      let url;
      try { url = new URL(text); } catch (e) { throw new CodeError("not_a_code", "not a valid URI"); }
      const parts = url.pathname.split("/");
      const values = {};
      for (let i = 0; i < parts.length - 1; i++) {
        if ((parts[i] === "01" || parts[i] === "21") && !(parts[i] in values)) {
          try { values[parts[i]] = decodeURIComponent(parts[i + 1]); } catch (e) { values[parts[i]] = parts[i + 1]; }
        }
      }
      if (!("01" in values)) throw new CodeError("not_a_code", "the URI has no GTIN (AI 01)");
      if (!("21" in values)) throw new CodeError("bad_serial", "the URI has no serial number (AI 21)");
      const query = url.searchParams;
      const sig = query.has("s") ? b64urlDecode(query.get("s")) : null;
      return { gtin: normalizeGtin(values["01"]), serial: validSerial(values["21"]), kid: query.get("k"), sig };
    }
    if (text.startsWith("(01)")) {
      const fields = {};
      for (const m of text.matchAll(/\((\d{2,4})\)([^(]*)/g)) if (!(m[1] in fields)) fields[m[1]] = m[2];
      if (!("21" in fields)) throw new CodeError("bad_serial", "no serial number (AI 21)");
      return { gtin: normalizeGtin(fields["01"]), serial: validSerial(fields["21"]), kid: null, sig: null };
    }
    throw new CodeError("not_a_code", "not a GS1 Digital Link URI or element string");
  }

  function labelMessage(gtin14, serial) {
    return encoder.encode(LABEL_DOMAIN + gtin14 + "\n" + serial + "\n");
  }

  // --- The trust list -----------------------------------------------------------------

  function pinnedOfficeKey() {
    const node = document.getElementById("office-key");
    return node ? JSON.parse(node.textContent) : null;
  }

  function importKey(jwk) {
    const { kty, crv, x, y } = jwk;
    return crypto.subtle.importKey("jwk", { kty, crv, x, y, ext: true }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  }

  function verifyP256(key, signature, message) {
    return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, message);
  }

  // The signed trust list, verified over its exact bytes before it is parsed. The network
  // first; the service worker answers from its cache when there is none.
  async function trustList() {
    const office = pinnedOfficeKey();
    if (!office) throw new CodeError("no_office_key", "this page carries no office key");
    let signed;
    try {
      const response = await fetch("/verify/trust-list.json", { credentials: "omit" });
      if (!response.ok) throw new Error(String(response.status));
      signed = await response.json();
    } catch (e) {
      throw new CodeError("no_trust_list", "no trust list: none cached and no network");
    }
    if (signed.kid !== office.kid) throw new CodeError("bad_trust_list", "the trust list is not signed by this office's key");
    const payload = b64urlDecode(signed.payload);
    const valid = await verifyP256(await importKey(office.jwk), b64urlDecode(signed.sig), payload);
    if (!valid) throw new CodeError("bad_trust_list", "the trust list's signature does not verify");
    const list = JSON.parse(new TextDecoder().decode(payload));
    if (list.type !== "trust_list" || !Array.isArray(list.keys)) throw new CodeError("bad_trust_list", "not a trust list");
    return list;
  }

  // --- The offline verdict ------------------------------------------------------------

  // One of: offline_valid, forged (reason bad_signature or unknown_key), revoked,
  // unknown_product (the signer's holder has no such product), unchecked (no signature in
  // the code). The item's status (stolen, recalled, clones)
  // needs the node: offline_valid says only that a registered key signed this label.
  async function verdictFor(text, now = Date.now()) {
    const code = parseCode(text);
    const list = await trustList();
    const base = {
      gtin: code.gtin,
      serial: code.serial,
      trust_list_issued: list.issued,
      trust_list_age_seconds: Math.max(0, (now - Date.parse(list.issued)) / 1000),
    };
    if (!code.sig || !code.kid) return { ...base, verdict: "unchecked", reason: "unsigned" };
    const key = list.keys.find((k) => k.kid === code.kid);
    if (!key || key.kind !== "brand") return { ...base, verdict: "forged", reason: "unknown_key" };
    const valid = code.sig.length === 64 &&
      await verifyP256(await importKey(key.jwk), code.sig, labelMessage(code.gtin, code.serial));
    if (!valid) return { ...base, verdict: "forged", reason: "bad_signature", brand: key.name };
    // A key revoked (compromised) from a moment on: offline we cannot tell whether the label
    // was registered before that moment (the node can), so it is not called valid. A key
    // that is not valid yet by its own dates signed nothing genuine.
    if (Date.parse(key.valid_from) > now + 86400000) {
      return { ...base, verdict: "forged", reason: "key_not_yet_valid", brand: key.name };
    }
    if (key.revoked_from && Date.parse(key.revoked_from) <= now) {
      return { ...base, verdict: "revoked", reason: "key_revoked", brand: key.name, revoked_from: key.revoked_from };
    }
    // The key's holder did not register this product (as of the list): not the holder's
    // label, or a product newer than the list. Only the node can tell which.
    if (Array.isArray(key.gtins) && !key.gtins.includes(code.gtin)) {
      return { ...base, verdict: "unknown_product", reason: "not_holders_product", brand: key.name };
    }
    return withStatus({ ...base, verdict: "offline_valid", reason: "signature_valid", brand: key.name }, now);
  }

  // The item's status by the phone's status list (status.js), when it has one: an item in a
  // delta is known exactly and given its status; one matching the compact sets is "listed",
  // to check online, never called recalled or stolen outright.
  async function withStatus(result, now) {
    let found = null;
    try {
      found = window.IpchainStatus ? await window.IpchainStatus.lookup(result.gtin, result.serial) : null;
    } catch (e) {
      found = null;
    }
    if (!found) return { ...result, status_list_issued: null };
    const listed = {
      ...result,
      status_list_issued: found.issued,
      status_list_age_seconds: Math.max(0, (now - Date.parse(found.issued)) / 1000),
      status_list_checkpoint: found.checkpointSize,
    };
    if (!found.status) return listed;
    if (found.exact) return { ...listed, verdict: found.status, reason: "status_list" };
    return { ...listed, verdict: "listed", reason: found.status };
  }

  // --- Scans waiting for the network --------------------------------------------------

  function openQueue() {
    return new Promise((resolve, reject) => {
      // Version 2: each queued scan keyed by the UUID the node logs it under (idempotent resend).
      const request = indexedDB.open("ipchain-verifier", 2);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (db.objectStoreNames.contains("queue")) db.deleteObjectStore("queue");
        db.createObjectStore("queue", { keyPath: "id" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStore(mode, work) {
    const db = await openQueue();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("queue", mode);
      const request = work(tx.objectStore("queue"));
      tx.oncomplete = () => { db.close(); resolve(request ? request.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  function queueScan(scan) {
    const entry = { ...scan, id: scan.id || crypto.randomUUID(), scanned_at: scan.scanned_at || new Date().toISOString() };
    return withStore("readwrite", (store) => store.put(entry)).then(() => entry);
  }

  function queuedScans() {
    return withStore("readonly", (store) => store.getAll());
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Send what is queued; each scan is verified online and logged at the time it was made.
  // Each carries its id, so a batch whose answer was lost is sent again harmlessly. Kept
  // for later: when the node is unreachable or busy, or the officer is signed out; a batch
  // the node refuses for good (bad input, not an officer) is dropped.
  async function flushQueue() {
    const scans = await queuedScans();
    if (!scans.length) return [];
    const batch = scans.slice(0, 100);
    const response = await fetch("/api/v1/verify/offline", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify({
        scans: batch.map(({ id, code, scanned_at, latitude, longitude, offline_verdict }) => {
          const scan = { id, code, scanned_at, offline_verdict: offline_verdict || "" };
          if (latitude != null && longitude != null) { scan.latitude = latitude; scan.longitude = longitude; }
          return scan;
        }),
      }),
    });
    if (response.status === 401 || response.status === 403) {
      // Signed out: kept until the officer signs in again. Signed in but not a customs
      // officer: the node will never take them (they were checked on the phone all the same).
      const body = await response.json().catch(() => ({}));
      if (!(body.error && body.error.reason === "permission_denied")) {
        throw new Error("sign in to send the scans made offline");
      }
    } else if (response.status >= 500 || response.status === 429) {
      throw new Error("the node did not take the scans now (" + response.status + ")");
    }
    const results = response.ok ? (await response.json()).results : batch.map(() => null);
    await withStore("readwrite", (store) => { batch.forEach((scan) => store.delete(scan.id)); });
    return batch.map((scan, i) => ({ scan, result: results[i] }));
  }

  // The offline verdicts and the node's verdicts that say the same thing. Anything else is a
  // difference the officer must see: a stolen or recalled item read as "signature valid"
  // offline, say, can only be known once the node has seen the scan.
  const AGREES = {
    offline_valid: ["genuine"],
    recalled: ["recalled"],
    stolen: ["stolen"],
    destroyed: ["destroyed"],
    suspected_clone: ["suspected_clone"],
    listed: ["recalled", "stolen", "destroyed", "suspected_clone", "revoked", "genuine"],
    forged: ["forged"],
    revoked: ["revoked"],
    unknown_product: ["forged", "unknown"],
    unchecked: ["registered", "unknown"],
  };

  function differs(offlineVerdict, onlineVerdict) {
    return !(AGREES[offlineVerdict] || []).includes(onlineVerdict);
  }

  // The scans just sent, one line each: the code, the node's verdict (a link to the whole
  // verdict) and, where it is not what the phone said offline, a warning. The report is an
  // alert when any differ. `report` holds the words in its data attributes.
  function showSent(sent, report) {
    const words = report.dataset;
    const online = JSON.parse(document.getElementById("verdict-labels").textContent);
    const offline = JSON.parse(document.getElementById("offline-labels").textContent);
    const list = report.querySelector("ul");
    let different = 0;
    for (const { scan, result } of sent) {
      if (!result || !result.verdict) continue;
      const li = document.createElement("li");
      li.dataset.verdict = result.verdict;
      const link = document.createElement("a");
      link.href = "/verify/?code=" + encodeURIComponent(scan.code);
      const code = document.createElement("bdi");
      code.className = "mono";
      code.textContent = codeLabel(scan.code);
      link.append(code, " — ", online[result.verdict] || result.verdict);
      li.append(link);
      if (scan.offline_verdict && differs(scan.offline_verdict, result.verdict)) {
        different += 1;
        li.classList.add("differs");
        const note = document.createElement("strong");
        note.textContent = " ⚠ " + words.differs.replace("%(offline)s", offline[scan.offline_verdict] || scan.offline_verdict);
        li.append(note);
      }
      list.appendChild(li);
    }
    if (!list.children.length) return;
    report.hidden = false;
    report.querySelector("h2").textContent = different ? words.headlineDiffers : words.headline;
    if (different) {
      report.classList.add("notice", "bad");
      report.setAttribute("role", "alert");
    }
  }

  function codeText(gtin, serial) {
    return "(01) " + gtin + " (21) " + serial;
  }

  function codeLabel(text) {
    try {
      const code = parseCode(text);
      return codeText(code.gtin, code.serial);
    } catch (e) {
      return text;
    }
  }

  window.IpchainOffline = { parseCode, labelMessage, trustList, verdictFor, queueScan, queuedScans, flushQueue, showSent, differs, CodeError };

  // --- The offline verdict page -------------------------------------------------------

  const page = document.getElementById("offline-verdict");
  if (!page) return;
  const t = page.dataset;
  // A valid signature offline is amber, not green: the item may be stolen or recalled since.
  const STYLE = { suspected_clone: ["bad", "⚠"], recalled: ["bad", "!"], stolen: ["bad", "!"], destroyed: ["bad", "✖"], listed: ["warn", "?"], offline_valid: ["warn", "✔"], forged: ["bad", "✖"], revoked: ["bad", "✖"], unchecked: ["warn", "?"], unknown_product: ["warn", "?"], error: ["bad", "✖"], no_list: ["warn", "!"], no_network: ["warn", "!"] };

  function show(kind, headline, detail) {
    const [style, icon] = STYLE[kind];
    page.className = "verdict-box " + style;
    page.dataset.verdict = kind;
    page.querySelector(".verdict-icon").textContent = icon;
    page.querySelector(".verdict-word").textContent = headline;
    page.querySelector(".verdict-advice").textContent = detail || "";
  }

  function scannedText() {
    const params = new URLSearchParams(location.search);
    if (params.get("code")) return params.get("code");
    if (params.get("gtin") || params.get("serial")) return "(01)" + (params.get("gtin") || "") + "(21)" + (params.get("serial") || "");
    if (location.pathname.startsWith("/01/")) return location.href;
    return null;
  }

  async function countQueued() {
    const node = document.getElementById("queued");
    if (!node) return;
    const n = (await queuedScans()).length;
    node.textContent = n ? t.queued.replace("%(n)s", n) : "";
  }

  async function run() {
    const text = scannedText();
    if (!text) {
      // Another page of the app opened with no network: say so, and offer the scanner.
      show("no_network", t.noNetwork, t.noNetworkDetail);
      await countQueued();
      if (navigator.onLine) sendQueued();
      return;
    }
    let result;
    try {
      result = await verdictFor(text);
    } catch (e) {
      const reasons = JSON.parse(document.getElementById("offline-reasons").textContent);
      const why = reasons[e.reason] || e.message;
      if (e.reason === "no_trust_list" || e.reason === "bad_trust_list" || e.reason === "no_office_key") {
        show("no_list", t.noList, why);
      } else {
        show("error", t.notACode, why);
      }
      return;
    }
    const code = document.getElementById("offline-code");
    code.textContent = codeText(result.gtin, result.serial);
    const unknownKey = result.reason === "unknown_key" || result.reason === "key_not_yet_valid";
    const statusWord = { recalled: t.statusRecalled, stolen: t.statusStolen, destroyed: t.statusDestroyed, suspected_clone: t.statusSuspectedClone, revoked: t.statusRevoked }[result.reason] || "";
    const headline = { offline_valid: result.status_list_issued ? t.validListed : t.valid, recalled: t.recalled, stolen: t.stolen, destroyed: t.destroyed, suspected_clone: t.suspectedClone, listed: (t.listed || "").replace("%(status)s", statusWord), forged: unknownKey ? t.unknownKey : t.forged, revoked: result.reason === "status_list" ? t.revokedListed : t.revoked, unknown_product: t.unknownProduct, unchecked: t.unchecked }[result.verdict];
    const detail = { offline_valid: result.status_list_issued ? t.validListedDetail : t.validDetail, recalled: t.byListDetail, stolen: t.byListDetail, destroyed: t.byListDetail, suspected_clone: t.byListDetail, listed: t.listedDetail, forged: unknownKey ? t.unknownKeyDetail : t.forgedDetail, revoked: result.reason === "status_list" ? t.byListDetail : t.revokedDetail, unknown_product: t.unknownProductDetail, unchecked: t.uncheckedDetail }[result.verdict];
    show(result.verdict, headline, detail);
    page.dataset.reason = result.reason;
    // Whose key made the signature, only where it verified: a forged label is nobody's.
    const signer = document.getElementById("offline-signer");
    if (result.brand && result.verdict !== "forged") {
      const [before, after] = t.keyOf.split("%(brand)s");
      const name = document.createElement("bdi");
      name.textContent = result.brand;
      signer.replaceChildren(before, name, after || "");
    }
    const age = document.getElementById("list-age");
    age.textContent = t.listAge.replace("%(age)s", ageInWords(result.trust_list_age_seconds)).replace("%(issued)s", when(result.trust_list_issued));
    if (result.trust_list_age_seconds > Number(t.maxAge)) {
      age.classList.add("notice", "warn");
      age.setAttribute("role", "alert");
      age.textContent = "⚠ " + age.textContent + " " + t.stale;
    }
    // The status list's age, on every offline verdict it took part in (or that there is none).
    const statusAge = document.getElementById("status-age");
    if (statusAge && ["offline_valid", "recalled", "stolen", "destroyed", "suspected_clone", "revoked", "listed"].includes(result.verdict)) {
      statusAge.textContent = result.status_list_issued
        ? t.statusAge.replace("%(age)s", ageInWords(result.status_list_age_seconds)).replace("%(issued)s", when(result.status_list_issued)) +
          (result.status_list_checkpoint ? " " + t.statusCheckpoint.replace("%(size)s", result.status_list_checkpoint) : "")
        : t.noStatusList;
    }
    // One queued scan per page: a reload of this page sends it once (the same id).
    const key = "ipchain-queued:" + location.href;
    const scan = { id: sessionStorage.getItem(key) || crypto.randomUUID(), code: text, offline_verdict: result.verdict };
    sessionStorage.setItem(key, scan.id);
    const queuedEntry = await queueScan(scan);
    // Where the device is, asked of the device (never taken from the URL); the scan is queued
    // at once and given the position when the device answers, if it is still waiting then.
    devicePosition().then(async (position) => {
      if (!position) return;
      const waiting = (await queuedScans()).some((s) => s.id === queuedEntry.id);
      if (waiting) await queueScan({ ...queuedEntry, latitude: position.latitude, longitude: position.longitude });
    });
    await countQueued();
    if (navigator.onLine) sendQueued();
  }

  // "5 minutes", "1 minute", "3 дня": the plural forms of the page's language, from the
  // browser's own locale data.
  function ageInWords(seconds) {
    const [unit, n] = seconds >= 86400 ? ["day", Math.floor(seconds / 86400)] : seconds >= 3600 ? ["hour", Math.floor(seconds / 3600)] : ["minute", Math.floor(seconds / 60)];
    if (unit === "minute" && n < 1) return t.underAMinute;
    return new Intl.NumberFormat(lang(), { style: "unit", unit, unitDisplay: "long" }).format(n);
  }

  // One date format a page, as the server writes its dates: the locale's own, the zone named.
  function when(iso) {
    return new Date(iso).toLocaleString(lang(), { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  }

  function lang() {
    return document.documentElement.lang || undefined;
  }

  function devicePosition() {
    return new Promise((resolve) => {
      if (!navigator.geolocation) return resolve(null);
      const timer = setTimeout(() => resolve(null), 3000);
      navigator.geolocation.getCurrentPosition(
        (p) => { clearTimeout(timer); resolve(p.coords); },
        () => { clearTimeout(timer); resolve(null); },
        { maximumAge: 600000, timeout: 3000 },
      );
    });
  }

  async function sendQueued() {
    try {
      showSent(await flushQueue(), document.getElementById("sent"));
    } catch (e) { /* still offline: they stay queued */ }
    await countQueued();
  }

  window.addEventListener("online", sendQueued);
  run();
})();
