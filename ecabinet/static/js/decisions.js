/* The signing and issuing inboxes: "select all" and a live count of the documents selected. */
["sign-form", "issue-form"].forEach(function (id) {
  "use strict";
  var form = document.getElementById(id);
  if (!form) {
    return;
  }
  var boxes = Array.prototype.slice.call(form.querySelectorAll("[data-pick]:not([disabled])"));
  var count = form.querySelector("[data-pick-count]");
  var all = form.querySelector("[data-pick-all]");
  var submit = form.querySelector("button[type=submit]");

  function update() {
    var selected = boxes.filter(function (box) { return box.checked; }).length;
    if (count) {
      count.textContent = selected ? (count.dataset.label || "✓") + " " + selected : "";
    }
    if (submit) {
      submit.disabled = selected === 0;
    }
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (all) {
    all.addEventListener("click", function () {
      var every = boxes.every(function (box) { return box.checked; });
      boxes.forEach(function (box) { box.checked = !every; });
      update();
    });
  }
  update();
});
