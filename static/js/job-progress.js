// Polls the job's API resource and updates the progress bar until the job finishes, then reloads
// so that the page shows the outcome (errors, downloads). No inline script: the page's CSP
// forbids it; without JavaScript a <noscript> refresh does the same, more slowly.
(function () {
  var box = document.getElementById("job");
  if (!box) return;
  var english = (document.documentElement.lang || "").indexOf("en") === 0;
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };
  var set = function (name, value) { var el = field(name); if (el) el.textContent = value; };
  // Progress messages are "中文 / English": show the reader's half.
  var inLanguage = function (text) {
    var at = (text || "").indexOf(" / ");
    if (at < 0) return text || "";
    return english ? text.slice(at + 3) : text.slice(0, at);
  };
  function poll() {
    fetch(box.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (job) {
        if (job.status !== box.dataset.status && (job.status === "succeeded" || job.status === "failed")) {
          window.location.reload();
          return;
        }
        set("status", box.dataset["label" + job.status.charAt(0).toUpperCase() + job.status.slice(1)] || job.status);
        var bar = field("progress");
        if (bar) bar.value = job.percent;
        set("done", job.done);
        set("total", job.total);
        set("message", inLanguage(job.message));
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
