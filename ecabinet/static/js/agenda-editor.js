/* Preparing a meeting: reorder the agenda by dragging an item by its handle, with a finger or a
 * mouse (SortableJS). The new order is saved at once (PUT …/agenda-order, the CSRF token in the
 * X-CSRFToken header); the arrows beside each item do the same without a script. Started by
 * agenda-builder.js, again each time it redraws the agenda. */
import {api} from "./lib/http.js";

/** Make ``list`` (the agenda's <ol>) sortable by drag, when it may be reordered. */
export function sortable(list) {
  if (list && list.dataset.orderUrl && typeof window.Sortable === "function") {
    makeSortable(list);
  }
}

function makeSortable(list) {
  const status = document.querySelector(".order-status");

  function say(message, failed) {
    if (status) {
      status.textContent = message;
      status.classList.toggle("is-error", !!failed);
    }
  }

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll(".agenda-row"));
  }

  function renumber() {
    const all = rows();
    all.forEach((row, index) => {
      row.querySelector(".agenda-number").textContent = String(index + 1);
      const up = row.querySelector("input[name=direction][value=up] ~ button");
      const down = row.querySelector("input[name=direction][value=down] ~ button");
      if (up) {
        up.disabled = index === 0;
      }
      if (down) {
        down.disabled = index === all.length - 1;
      }
    });
  }

  function save(previous) {
    const ids = rows().map((row) => Number(row.dataset.itemId));
    list.classList.add("is-saving");
    api("PUT", list.dataset.orderUrl, {item_ids: ids}, {fallback: list.dataset.failed}).then(() => {
      say(list.dataset.saved, false);
    }).catch((error) => {
      say(error.message || list.dataset.failed, true);
      previous.forEach((row) => { list.appendChild(row); }); // back to what the server has
      renumber();
    }).then(() => {
      list.classList.remove("is-saving");
    });
  }

  let before = [];
  window.Sortable.create(list, {
    handle: ".drag-handle",
    draggable: ".agenda-row",
    animation: 150,
    forceFallback: true, // the same pointer-driven drag with a finger and with a mouse
    fallbackTolerance: 4,
    delayOnTouchOnly: false,
    ghostClass: "is-ghost",
    chosenClass: "is-chosen",
    dragClass: "is-dragging",
    onStart() {
      before = rows();
      say("", false);
    },
    onEnd(event) {
      if (event.oldIndex === event.newIndex) {
        return;
      }
      renumber();
      save(before);
    },
  });
}
