// The pages' formatting (ecabinet/static/js/lib/format.js). Run: node --test tests/js
import assert from "node:assert/strict";
import {test} from "node:test";

import {
  clock, cssPercent, fillTemplate, interpolate, percentOf, secondsSince, zoomLabel,
} from "../../ecabinet/static/js/lib/format.js";

test("interpolate fills gettext placeholders, a missing value as nothing", () => {
  assert.equal(interpolate("Item %(n)s", {n: 3}), "Item 3");
  assert.equal(interpolate("%(cast)s of %(eligible)d", {cast: 0, eligible: 7}), "0 of 7");
  assert.equal(interpolate("[%(a)s|%(b)s]", {a: null}), "[|]");
  assert.equal(interpolate("100%", {}), "100%");
});

test("fillTemplate fills URL templates and keeps what it does not know", () => {
  assert.equal(fillTemplate("/d/{document}/v/{version}", {document: 4, version: 2}), "/d/4/v/2");
  assert.equal(fillTemplate("/d/{document}/{other}", {document: 4}), "/d/4/{other}");
  assert.equal(fillTemplate("Page {n}", {n: 0}), "Page 0");
});

test("clock shows minutes and seconds on two digits", () => {
  assert.equal(clock(0), "00:00");
  assert.equal(clock(65), "01:05");
  assert.equal(clock(600), "10:00");
  assert.equal(clock(6000), "100:00");
});

test("secondsSince counts whole seconds and never goes below zero", () => {
  const started = "2026-12-05T08:00:00+00:00";
  const at = Date.parse(started);
  assert.equal(secondsSince(started, at + 61999), 61);
  assert.equal(secondsSince(started, at - 5000), 0); // the tablet's clock behind the server's
});

test("percentOf rounds, and is 0 of nothing", () => {
  assert.equal(percentOf(1, 3), 33);
  assert.equal(percentOf(2, 3), 67);
  assert.equal(percentOf(5, 0), 0);
});

test("zoom and position percentages", () => {
  assert.equal(zoomLabel(1.25), "125%");
  assert.equal(zoomLabel(0.5), "50%");
  assert.equal(cssPercent(0.5), "50.000%");
  assert.equal(cssPercent(0.12345), "12.345%");
});
