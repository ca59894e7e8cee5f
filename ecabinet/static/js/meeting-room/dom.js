/* The few DOM helpers the room's panels share. */

export function one(selector, scope) {
  return scope.querySelector(selector);
}

export function all(selector, scope) {
  return Array.prototype.slice.call(scope.querySelectorAll(selector));
}

export function show(element, visible) {
  if (element) {
    element.hidden = !visible;
  }
}

/** Sets the text only when it changed (a screen reader re-reads a live region on every set). */
export function setText(element, text) {
  if (element && element.textContent !== text) {
    element.textContent = text;
  }
}

/** Disables ``button`` while ``work(done)`` runs; ``done()`` enables it again and calls ``after``. */
export function busy(button, work, after) {
  if (button) {
    button.disabled = true;
  }
  work(() => {
    if (button) {
      button.disabled = false;
    }
    after();
  });
}
