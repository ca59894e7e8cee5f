/* Preparing a meeting: reorder the agenda by dragging an item by its handle, with a finger or a
 * mouse (SortableJS). The new order is saved at once (PUT …/agenda-order, the CSRF token in the
 * X-CSRFToken header); the arrows beside each item do the same without a script. */
(function () {
  "use strict";

  var list = document.getElementById("agenda-list");
  if (!list || !list.dataset.orderUrl || typeof window.Sortable !== "function") {
    return;
  }
  var status = document.querySelector(".order-status");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');

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
    var all = rows();
    all.forEach(function (row, index) {
      row.querySelector(".agenda-number").textContent = String(index + 1);
      var up = row.querySelector("input[name=direction][value=up] ~ button");
      var down = row.querySelector("input[name=direction][value=down] ~ button");
      if (up) {
        up.disabled = index === 0;
      }
      if (down) {
        down.disabled = index === all.length - 1;
      }
    });
  }

  function save(previous) {
    var ids = rows().map(function (row) { return Number(row.dataset.itemId); });
    list.classList.add("is-saving");
    fetch(list.dataset.orderUrl, {
      method: "PUT",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrfMeta ? csrfMeta.content : ""
      },
      body: JSON.stringify({item_ids: ids})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error((data.error && data.error.message) || list.dataset.failed);
        }
        say(list.dataset.saved, false);
      });
    }).catch(function (error) {
      say(error.message || list.dataset.failed, true);
      previous.forEach(function (row) { list.appendChild(row); }); // back to what the server has
      renumber();
    }).then(function () {
      list.classList.remove("is-saving");
    });
  }

  var before = [];
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
    onStart: function () {
      before = rows();
      say("", false);
    },
    onEnd: function (event) {
      if (event.oldIndex === event.newIndex) {
        return;
      }
      renumber();
      save(before);
    }
  });
})();
