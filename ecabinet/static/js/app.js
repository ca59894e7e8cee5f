/* ecabinet: the little the pages need beyond HTML and CSS. No framework; CSP allows 'self' only. */
(function () {
  "use strict";

  // <form data-confirm="…"> or <button data-confirm="…">: ask before submitting or following.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm]");
    if (link && !window.confirm(link.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // Mark the current page in the top bar for assistive technology (and the style sheet).
  var links = document.querySelectorAll(".mainnav a");
  var current = null;
  links.forEach(function (link) {
    if (link.classList.contains("active")) {
      current = link;
    }
  });
  if (!current) {
    links.forEach(function (link) {
      if (link.pathname === window.location.pathname) {
        current = link;
      }
    });
  }
  var account = document.querySelector(".account-name");
  if (account && account.pathname === window.location.pathname) {
    account.setAttribute("aria-current", "page");
  }
  if (current) {
    current.setAttribute("aria-current", "page");
    var nav = current.parentNode;
    if (nav.scrollWidth > nav.clientWidth) {  // a narrow screen: bring it into view
      nav.scrollLeft = current.offsetLeft - nav.offsetLeft -
        (nav.clientWidth - current.offsetWidth) / 2;
    }
  }
})();
