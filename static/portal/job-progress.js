// Poll a job's status endpoint and update its progress until it finishes.
(function () {
  "use strict";
  function poll(el, render) {
    const url = el.dataset.statusUrl;
    const tick = async () => {
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (response.ok) {
          const job = await response.json();
          render(el, job);
          if (job.finished || job.state === "done" || job.state === "failed") return;
        }
      } catch (e) { /* network blip: try again */ }
      setTimeout(tick, 1000);
    };
    if (el.dataset.finished !== "1") tick();
  }
  const text = (el, sel, value) => { const node = el.querySelector(sel); if (node) node.textContent = value; };
  // States in the reader's words (the page's json), never the API's codes.
  const labelsNode = document.getElementById("state-labels");
  const stateLabels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  const stateWord = (state) => stateLabels[state] || state;
  const bulk = document.getElementById("job");
  if (bulk) {
    poll(bulk, (el, job) => {
      el.querySelector("#bar").value = job.progress;
      text(el, "#state", stateWord(job.state));
      ["processed_rows", "total_rows", "registered_rows", "bad_rows"].forEach((k) =>
        text(el, "#" + { processed_rows: "processed", total_rows: "total", registered_rows: "registered", bad_rows: "bad" }[k], job[k]));
      text(el, "#message", job.message);
      if (job.finished) setTimeout(() => window.location.reload(), 300);
    });
  }
  document.querySelectorAll("tr.label-job").forEach((row) => {
    poll(row, (el, job) => {
      const bar = el.querySelector("progress"); bar.max = job.total || 1; bar.value = job.done;
      text(el, ".count", job.done + " / " + job.total);
      text(el, ".state", stateWord(job.state));
      const cell = el.querySelector(".download");
      if (job.download && !cell.querySelector("a")) {
        const link = document.createElement("a");
        link.className = "button secondary";
        link.href = job.download;
        link.textContent = document.getElementById("download-word").textContent;
        cell.append(link);
      }
    });
  });
})();
