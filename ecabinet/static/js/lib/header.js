/* The compact top bar of the pages a tablet works on all day (the meeting room, the viewer):
 * one short row whose navigation opens from a "Menu" button, and which slides away while the
 * user scrolls down to the content and comes back as soon as they scroll up (or reach the top).
 * base.html renders it compact when the page asks (body.compact-header). */

/** Scrolled less than this from the top, the bar always shows. */
export const TOP_ZONE = 80;
/** A movement smaller than this (px) changes nothing: a finger's jitter does not flicker it. */
export const JITTER = 6;

/**
 * Whether the bar is hidden after the page scrolled from ``lastY`` to ``y`` (pure: node --test).
 * ``hidden`` is the bar's state before; ``menuOpen``: an open menu keeps the bar in sight.
 */
export function headerHidden(hidden, {y, lastY, menuOpen = false}) {
  if (menuOpen || y <= TOP_ZONE) {
    return false;
  }
  if (Math.abs(y - lastY) < JITTER) {
    return hidden;
  }
  return y > lastY;
}

/** Wires the bar of a compact page: the menu button and hiding on scroll. */
export function collapsingHeader(doc = document, win = window) {
  const body = doc.body;
  const bar = doc.querySelector(".topbar");
  if (!bar || !body.classList.contains("compact-header")) {
    return;
  }
  const toggle = bar.querySelector("[data-nav-toggle]");
  const menuOpen = () => bar.classList.contains("is-open");
  const setMenu = (open) => {
    bar.classList.toggle("is-open", open);
    if (toggle) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  };
  if (toggle) {
    toggle.addEventListener("click", () => setMenu(!menuOpen()));
    doc.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menuOpen()) {
        setMenu(false);
        toggle.focus();
      }
    });
    doc.addEventListener("click", (event) => {
      if (menuOpen() && !bar.contains(event.target)) {
        setMenu(false);
      }
    });
  }
  let lastY = win.scrollY;
  let queued = false;
  win.addEventListener("scroll", () => {
    if (queued) {
      return;
    }
    queued = true;
    win.requestAnimationFrame(() => {
      queued = false;
      const y = win.scrollY;
      const hidden = headerHidden(body.classList.contains("header-hidden"),
        {y, lastY, menuOpen: menuOpen()});
      body.classList.toggle("header-hidden", hidden);
      if (Math.abs(y - lastY) >= JITTER || y <= TOP_ZONE) {
        lastY = y;
      }
    });
  }, {passive: true});
  // Keyboard focus inside the hidden bar brings it back.
  bar.addEventListener("focusin", () => body.classList.remove("header-hidden"));
}
