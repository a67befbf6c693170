// Polls the job's API resource and updates the progress bar until the job finishes.
(function () {
  var box = document.getElementById("job");
  if (!box) return;
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };
  var labels = { queued: "排队中 / Queued", running: "进行中 / Running", succeeded: "已完成 / Succeeded", failed: "失败 / Failed" };
  function poll() {
    fetch(box.dataset.api, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        field("status").textContent = labels[job.status] || job.status;
        field("progress").value = job.percent;
        field("done").textContent = job.done;
        field("total").textContent = job.total;
        field("message").textContent = job.message;
        if (job.status === "succeeded" || job.status === "failed") {
          window.location.reload();  // the page renders the final result and download link
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
