// The offline status list on the phone (verifier/status_list.py): fetched and checked against
// the office key pinned in the page, kept in IndexedDB, brought up to date with deltas, and
// asked about an item offline. An item in a delta is known exactly; one matching the compact
// Golomb-coded sets is "listed, check online" (an unlisted item matches about 1 in 2^P).
(function () {
  "use strict";

  const DOMAIN = "ipchain-status/v1\n";
  const enc = new TextEncoder();

  // --- The pure part (also run by bench/status_list.py in Node.js) ------------------------

  function b64urlDecode(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  // b"IPSL" | uint32 length | envelope JSON | blob
  function parseFrame(buffer) {
    const bytes = new Uint8Array(buffer);
    if (String.fromCharCode(...bytes.slice(0, 4)) !== "IPSL") throw new Error("not a status list");
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
    const envelope = JSON.parse(new TextDecoder().decode(bytes.slice(8, 8 + length)));
    const payload = b64urlDecode(envelope.payload);
    return { envelope, payload, header: JSON.parse(new TextDecoder().decode(payload)), blob: bytes.slice(8 + length) };
  }

  // A Golomb-Rice coded set of n values with parameter p, as a sorted Float64Array (values
  // stay below n * 2^p, far under 2^53).
  function decodeSet(bytes, n, p) {
    const values = new Float64Array(n);
    let bit = 0;
    let total = 0;
    const pow = 2 ** p;
    for (let i = 0; i < n; i++) {
      let q = 0;
      while ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1) {
        q++;
        bit++;
      }
      bit++;
      let r = 0;
      for (let j = 0; j < p; j++) {
        r = r * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
        bit++;
      }
      total += q * pow + r;
      values[i] = total;
    }
    return values;
  }

  // ⌊h · n·2^p / 2^64⌋ for the item's 64-bit hash h (golomb.py's multiply-shift).
  function mappedValue(hash8, n, p) {
    let h = 0n;
    for (const byte of hash8) h = (h << 8n) | BigInt(byte);
    return Number((h * (BigInt(n) << BigInt(p))) >> 64n);
  }

  function hasValue(values, target) {
    let lo = 0;
    let hi = values.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (values[mid] === target) return true;
      if (values[mid] < target) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  // The full list's sets, decoded once: {status: {n, values}}.
  function indexList(header, blob) {
    const sets = {};
    let offset = 0;
    for (const entry of header.sets) {
      sets[entry.status] = { n: entry.n, values: decodeSet(blob.subarray(offset, offset + entry.bytes), entry.n, header.p) };
      offset += entry.bytes;
    }
    return sets;
  }

  function lookupIn(sets, p, overlay, hash8) {
    const hex = Array.from(hash8, (b) => b.toString(16).padStart(2, "0")).join("");
    if (overlay && overlay[hex]) return { status: overlay[hex], exact: true };
    for (const [status, set] of Object.entries(sets)) {
      if (set.n && hasValue(set.values, mappedValue(hash8, set.n, p))) return { status, exact: false };
    }
    return { status: null, exact: false };
  }

  async function itemHash(gtin, serial) {
    const digest = await crypto.subtle.digest("SHA-256", enc.encode(DOMAIN + gtin + "\n" + serial));
    return new Uint8Array(digest).slice(0, 8);
  }

  const CODES = { 1: "recalled", 2: "stolen", 3: "destroyed", 4: "suspected_clone", 5: "revoked" };

  function deltaChanges(blob) {
    const changes = {};
    for (let i = 0; i + 9 <= blob.length; i += 9) {
      const hex = Array.from(blob.subarray(i, i + 8), (b) => b.toString(16).padStart(2, "0")).join("");
      changes[hex] = CODES[blob[i + 8]];
    }
    return changes;
  }

  const core = { parseFrame, decodeSet, mappedValue, indexList, lookupIn, itemHash, deltaChanges };
  if (typeof window === "undefined") {
    globalThis.IpchainStatusCore = core; // Node.js (the benchmark)
    return;
  }

  // --- On the phone -------------------------------------------------------------------

  function store(mode, work) {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("ipchain-status", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("kv");
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const tx = request.result.transaction("kv", mode);
        const result = work(tx.objectStore("kv"));
        tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
        tx.onerror = () => reject(tx.error);
      };
    });
  }

  const get = (key) => store("readonly", (kv) => kv.get(key));
  const put = (values) => store("readwrite", (kv) => { for (const [k, v] of Object.entries(values)) kv.put(v, k); });

  async function checked(buffer) {
    const node = document.getElementById("office-key");
    const office = node && JSON.parse(node.textContent);
    const frame = parseFrame(buffer);
    if (!office || frame.envelope.kid !== office.kid) throw new Error("not signed by this office");
    const { kty, crv, x, y } = office.jwk;
    const key = await crypto.subtle.importKey("jwk", { kty, crv, x, y, ext: true }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, b64urlDecode(frame.envelope.sig), frame.payload);
    if (!valid) throw new Error("the status list's signature does not verify");
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", frame.blob));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    if (hex !== frame.header.blob_sha256) throw new Error("the status list is damaged");
    return frame;
  }

  // Brings the stored list up to date: a delta since its version, or the full list.
  async function sync() {
    const version = await get("version");
    if (version !== undefined) {
      const response = await fetch("/verify/status-list?since=" + version, { credentials: "omit" });
      if (response.ok) {
        const frame = await checked(await response.arrayBuffer());
        const overlay = { ...((await get("overlay")) || {}), ...deltaChanges(frame.blob) };
        await put({ overlay, version: frame.header.version, issued: frame.header.issued });
        loaded = null;
        return frame.header;
      }
      if (response.status !== 410) throw new Error("status list: HTTP " + response.status);
    }
    const response = await fetch("/verify/status-list", { credentials: "omit" });
    if (!response.ok) throw new Error("status list: HTTP " + response.status);
    const buffer = await response.arrayBuffer();
    const frame = await checked(buffer);
    await put({ full: buffer, overlay: {}, version: frame.header.version, issued: frame.header.issued });
    loaded = null;
    return frame.header;
  }

  let loaded = null;
  async function load() {
    if (!loaded) {
      loaded = (async () => {
        const full = await get("full");
        if (!full) return null;
        const { header, blob } = parseFrame(full);
        const checkpoint = (header.checkpoint || "").split("\n");
        return {
          sets: indexList(header, blob),
          p: header.p,
          overlay: (await get("overlay")) || {},
          issued: (await get("issued")) || header.issued,
          checkpointSize: Number(checkpoint[1]) || null,
        };
      })();
    }
    return loaded;
  }

  // {status: "recalled"|"stolen"|"destroyed"|null, exact, issued, checkpointSize}, or null
  // when the phone has no list.
  async function lookup(gtin, serial) {
    const list = await load();
    if (!list) return null;
    const found = lookupIn(list.sets, list.p, list.overlay, await itemHash(gtin, serial));
    return { ...found, issued: list.issued, checkpointSize: list.checkpointSize };
  }

  window.IpchainStatus = { sync, lookup, ...core };
  if (navigator.onLine) sync().catch(() => {});
})();
