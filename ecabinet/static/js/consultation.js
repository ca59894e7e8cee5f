/* Consultation pages: open a "Comment" box with the cursor in it; compare versions as soon as
   one is chosen. The pages work without it. */
(function () {
  "use strict";

  document.querySelectorAll(".comment-box, .reply-box").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (box.open) {
        var field = box.querySelector("textarea");
        if (field) {
          field.focus();
        }
      }
    });
  });

  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit();
    });
  });
})();
