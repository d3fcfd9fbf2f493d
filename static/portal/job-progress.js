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
  const bulk = document.getElementById("job");
  if (bulk) {
    poll(bulk, (el, job) => {
      el.querySelector("#bar").value = job.progress;
      text(el, "#state", job.state);
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
      text(el, ".state", job.state);
      if (job.download) el.querySelector(".download").innerHTML = '<a class="button secondary" href="' + job.download + '">⬇</a>';
    });
  });
})();
