/* The meeting pack is built in the job queue: show its progress, then download it. */
(function () {
  "use strict";

  var island = document.getElementById("pack-data");
  if (!island) {
    return;
  }
  var config = JSON.parse(island.textContent);
  var bar = document.getElementById("pack-progress");
  var percent = document.getElementById("pack-percent");
  var message = document.getElementById("pack-message");
  var delay = Math.max(1, config.poll_seconds || 1) * 1000;

  function show(status) {
    bar.value = status.progress;
    bar.textContent = status.progress + "%";
    percent.textContent = String(status.progress);
  }

  function download() {
    // A link with the download attribute: the file is saved and this page stays (no navigation).
    var link = document.createElement("a");
    link.href = config.pdf_url;
    link.setAttribute("download", "");
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function poll() {
    fetch(config.status_url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.state === "ready") {
          message.textContent = message.dataset.ready;
          download();
          return;
        }
        if (status.state === "failed") {
          message.textContent = message.dataset.failed;
        }
        window.setTimeout(poll, status.state === "failed" ? 15 * delay : delay);
      })
      .catch(function () {
        window.setTimeout(poll, 5 * delay);
      });
  }

  window.setTimeout(poll, delay);
})();
