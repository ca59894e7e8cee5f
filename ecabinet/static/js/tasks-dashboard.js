/* The follow-up dashboard stays current: on ``tasks.changed`` (ids only) the page fetches itself
 * again, with its filters, and swaps the figures in (parsed nodes, no innerHTML). */
import {connectLive, send} from "./lib/socket.js";

const figures = document.getElementById("figures");
let pending = null;

function refresh() {
  pending = null;
  fetch(window.location.href, {credentials: "same-origin"})
    .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
    .then((html) => {
      const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("figures");
      const current = document.getElementById("figures");
      if (fresh && current) {
        const node = document.importNode(fresh, true);
        node.querySelector("#figures-updated")?.removeAttribute("hidden");
        current.replaceWith(node);
      }
    })
    .catch(() => {});
}

if (figures && globalThis.io) {
  const socket = connectLive();
  socket.on("connect", () => send(socket, "tasks.follow", {}));
  socket.on("tasks.changed", () => {
    // A burst of changes (a whole notice assigned) is one refresh.
    if (pending === null) {
      pending = setTimeout(refresh, 800);
    }
  });
}
