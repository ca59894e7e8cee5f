// The compact top bar's rule (ecabinet/static/js/lib/header.js). Run: node --test tests/js
import assert from "node:assert/strict";
import {test} from "node:test";

import {JITTER, TOP_ZONE, headerHidden} from "../../ecabinet/static/js/lib/header.js";

test("headerHidden: scrolling down past the top hides the bar, scrolling up shows it", () => {
  assert.equal(headerHidden(false, {y: TOP_ZONE + 200, lastY: TOP_ZONE + 100}), true);
  assert.equal(headerHidden(true, {y: TOP_ZONE + 150, lastY: TOP_ZONE + 200}), false);
});

test("headerHidden: near the top, or with the menu open, the bar always shows", () => {
  assert.equal(headerHidden(true, {y: TOP_ZONE, lastY: 0}), false);
  assert.equal(headerHidden(true, {y: 0, lastY: 500}), false);
  assert.equal(headerHidden(true, {y: 900, lastY: 400, menuOpen: true}), false);
});

test("headerHidden: a finger's jitter changes nothing", () => {
  const y = TOP_ZONE + 300;
  assert.equal(headerHidden(true, {y: y - (JITTER - 1), lastY: y}), true);
  assert.equal(headerHidden(false, {y: y + (JITTER - 1), lastY: y}), false);
});
