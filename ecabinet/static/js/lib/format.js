/* Filling in the words the server renders into a page, and the numbers and times the pages show.
 * Pure functions: tested with `node --test` (tests/js). */

/** Fills gettext's ``%(name)s`` placeholders (the pages' translated words); a missing value is "". */
export function interpolate(text, values) {
  return String(text).replace(/%\((\w+)\)[sd]/g, (match, key) =>
    (values[key] === undefined || values[key] === null ? "" : values[key]));
}

/** Fills ``{name}`` placeholders (URL templates the server renders); an unknown one stays. */
export function fillTemplate(text, values) {
  return String(text).replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
}

function pad(n) {
  return (n < 10 ? "0" : "") + n;
}

/** ``seconds`` as minutes:seconds, "02:05" (a speaker's timer). */
export function clock(seconds) {
  return `${pad(Math.floor(seconds / 60))}:${pad(seconds % 60)}`;
}

/** Whole seconds from the ISO time ``startedAt`` to ``now`` (ms), never below 0. */
export function secondsSince(startedAt, now = Date.now()) {
  return Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
}

/** ``part`` of ``whole`` in whole per cent (0 of nothing). */
export function percentOf(part, whole) {
  return whole ? Math.round((100 * part) / whole) : 0;
}

/** A zoom factor as the viewer shows it: 1.25 → "125%". */
export function zoomLabel(zoom) {
  return `${Math.round(zoom * 100)}%`;
}

/** A fraction 0…1 as a CSS percentage, precise enough to place a mark on a page. */
export function cssPercent(value) {
  return `${(value * 100).toFixed(3)}%`;
}
