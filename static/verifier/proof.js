// Checks a C2SP tlog-proof file on this device (docs/ledger.md, "Proofs to keep"): the
// record's leaf hash up the inclusion proof to the checkpoint's root (RFC 9162 2.1.3.2), the
// checkpoint's Ed25519 signature by the ledger key on the office-signed trust list
// (C2SP signed-note), and each known witness's cosignature (C2SP tlog-cosignature).
// WebCrypto does the hashing and the signatures; nothing is sent anywhere.
(function () {
  "use strict";

  const box = document.getElementById("proof-result");
  const input = document.getElementById("proof-file");
  if (!box || !input) return;
  const t = box.dataset;
  const enc = new TextEncoder();

  class ProofError extends Error {
    constructor(reason) {
      super(reason);
      this.reason = reason;
    }
  }

  function b64(text) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new ProofError("not-a-proof");
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  async function sha256(...parts) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
  }

  function equal(a, b) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }

  // "c2sp.org/tlog-proof@v1", [extra], "index N", hashes, blank line, the checkpoint note.
  function parseProof(text) {
    const split = text.indexOf("\n\n");
    if (split < 0) throw new ProofError("not-a-proof");
    const lines = text.slice(0, split).split("\n");
    const note = text.slice(split + 2);
    if (lines.shift() !== "c2sp.org/tlog-proof@v1") throw new ProofError("not-a-proof");
    let extra = null;
    if (lines.length && lines[0].startsWith("extra ")) extra = b64(lines.shift().slice(6));
    const index = /^index (0|[1-9][0-9]{0,15})$/.exec(lines.shift() || "");
    if (!index || extra === null) throw new ProofError("not-a-proof");
    const hashes = lines.map(b64);
    if (hashes.some((h) => h.length !== 32)) throw new ProofError("not-a-proof");
    return { extra, index: Number(index[1]), hashes, note };
  }

  // A signed note: its text (up to the last blank line, with its newline) and signature lines.
  function parseNote(note) {
    const split = note.lastIndexOf("\n\n");
    if (split < 0 || !note.endsWith("\n")) throw new ProofError("not-a-proof");
    const text = note.slice(0, split + 1);
    const signatures = note
      .slice(split + 2, -1)
      .split("\n")
      .map((line) => {
        const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
        if (!m) throw new ProofError("not-a-proof");
        const raw = b64(m[2]);
        return { name: m[1], keyId: raw.slice(0, 4), sig: raw.slice(4) };
      });
    const [origin, size, root] = text.split("\n");
    if (!/^[0-9]+$/.test(size || "")) throw new ProofError("not-a-proof");
    return { text, origin, size: Number(size), root: b64(root || ""), signatures };
  }

  // "<name>+<hex key id>+<base64(type || key)>", its key id checked.
  async function parseVkey(vkey, type) {
    const [name, hexId, key] = [vkey.split("+")[0], vkey.split("+")[1], vkey.split("+").slice(2).join("+")];
    const raw = b64(key);
    if (raw[0] !== type || raw.length !== 33) throw new ProofError("not-a-proof");
    const id = (await sha256(enc.encode(name + "\n"), raw)).slice(0, 4);
    if (Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("") !== hexId) throw new ProofError("not-a-proof");
    const cryptoKey = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    return { name, id, key: cryptoKey };
  }

  // RFC 9162 2.1.3.2: the root an inclusion proof leads to.
  async function rootFrom(index, size, leaf, proof) {
    if (index >= size) return null;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(Uint8Array.of(1), p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = await sha256(Uint8Array.of(1), r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  async function check(text) {
    const proof = parseProof(text);
    const checkpoint = parseNote(proof.note);
    let list;
    try {
      list = await window.IpchainOffline.trustList();
    } catch (e) {
      throw new ProofError("no-list");
    }
    // This office's log, or a peer office's it mirrors: the one the checkpoint names.
    const logs = [list.log, ...(list.peer_logs || [])];
    const log = logs.find((l) => l.origin === checkpoint.origin);
    if (!log) throw new ProofError("wrong-log");
    let logKey;
    try {
      logKey = await parseVkey(log.vkey, 0x01);
    } catch (e) {
      throw new ProofError(e instanceof ProofError ? "wrong-log" : "no-crypto");
    }
    const logSig = checkpoint.signatures.find((s) => s.name === logKey.name && equal(s.keyId, logKey.id));
    if (checkpoint.origin !== logKey.name || !logSig) throw new ProofError("wrong-log");
    if (!(await crypto.subtle.verify("Ed25519", logKey.key, logSig.sig, enc.encode(checkpoint.text)))) throw new ProofError("wrong-log");
    const leaf = await sha256(Uint8Array.of(0), proof.extra);
    const root = await rootFrom(proof.index, checkpoint.size, leaf, proof.hashes);
    if (!root || !equal(root, checkpoint.root)) throw new ProofError("not-included");
    const cosigned = [];
    for (const witness of list.witnesses || []) {
      const w = await parseVkey(witness.vkey, 0x04);
      const line = checkpoint.signatures.find((s) => s.name === w.name && equal(s.keyId, w.id));
      if (!line) continue;
      const time = line.sig.slice(0, 8).reduce((n, b) => n * 256 + b, 0);
      const message = enc.encode("cosignature/v1\ntime " + time + "\n" + checkpoint.text);
      if (!(await crypto.subtle.verify("Ed25519", w.key, line.sig.slice(8), message))) throw new ProofError("bad-cosignature");
      cosigned.push({ name: w.name, time });
    }
    return { proof, checkpoint, cosigned };
  }

  function camel(reason) {
    return reason.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  }

  function show(ok, headline, entry) {
    box.hidden = false;
    box.className = "verdict-box " + (ok ? "ok" : "bad");
    box.dataset.result = ok ? "proven" : "not-proven";
    box.querySelector("details").hidden = !ok;
    box.querySelector(".verdict-icon").textContent = ok ? "✔" : "✖";
    box.querySelector(".verdict-word").textContent = headline;
    document.getElementById("proof-entry").textContent = entry;
  }

  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const witnesses = document.getElementById("proof-witnesses");
    const record = document.getElementById("proof-record");
    witnesses.textContent = "";
    record.textContent = "";
    try {
      const { proof, checkpoint, cosigned } = await check(await file.text());
      show(true, t.proven, t.entry.replace("%(index)s", proof.index).replace("%(origin)s", checkpoint.origin).replace("%(size)s", checkpoint.size));
      for (const c of cosigned) {
        const li = document.createElement("li");
        li.textContent = t.cosigned.replace("%(name)s", c.name).replace("%(when)s", new Date(c.time * 1000).toLocaleString(document.documentElement.lang));
        witnesses.append(li);
      }
      if (!cosigned.length) {
        const li = document.createElement("li");
        li.textContent = t.noWitness;
        witnesses.append(li);
      }
      const text = new TextDecoder().decode(proof.extra);
      try {
        record.textContent = JSON.stringify(JSON.parse(text), null, 2);
      } catch (e) {
        record.textContent = text;
      }
    } catch (e) {
      const reason = e instanceof ProofError ? e.reason : e && e.name === "NotSupportedError" ? "no-crypto" : "not-a-proof";
      show(false, t.notProven, t[camel(reason)] || t.notAProof);
    }
  });
})();
