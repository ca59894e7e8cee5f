/* The tablet document viewer: one page at a time on a canvas (pdf.js), page thumbnails in a side
 * strip, zoom by buttons and by pinching, large previous/next buttons, private highlights and
 * notes drawn over the page, and — opened from a meeting room — following the presenter.
 *
 * An ES module (pdf.js 4 ships as modules); its worker loads from 'self'. Everything it needs
 * comes from the JSON block #viewer-data (the CSP runs no inline script). The PDF and the
 * annotations come from the JSON API with the session cookie; writes carry the CSRF header.
 */
import * as pdfjsLib from "../vendor/pdfjs/pdf.min.mjs";
import {api as request} from "./lib/http.js";
import {cssPercent, fillTemplate, zoomLabel} from "./lib/format.js";
import {connectLive as openSocket, send} from "./lib/socket.js";
import {collapsingHeader} from "./lib/header.js";
import {followTheRoom} from "./viewer-room.js";

const root = document.getElementById("viewer");
const config = JSON.parse(document.getElementById("viewer-data").textContent);
const W = config.words;

const ZOOM_MIN = 0.5;
const ZOOM_MAX = 4;
const ZOOM_STEP = 1.25;
/** Canvases larger than this many pixels are rendered at a lower resolution (tablet memory). */
const MAX_CANVAS_PIXELS = 16e6;
const THUMB_WIDTH = 96;

const el = {
  stage: one("[data-stage]"),
  sheet: one("[data-sheet]"),
  canvas: one("[data-canvas]"),
  layer: one("[data-layer]"),
  draft: one("[data-draft]"),
  thumbs: one("[data-thumbs]"),
  pageInput: one("[data-page-input]"),
  pageCount: one("[data-page-count]"),
  zoomValue: one("[data-zoom-value]"),
  status: one("[data-status]"),
  noteList: one("[data-note-list]"),
  noteEditor: one("[data-note-editor]"),
  follow: one('[data-action="toggle-follow"]'),
  present: one('[data-action="toggle-present"]'),
};

const state = {
  pdf: null,
  pages: config.pages || 0,
  page: config.page || 1,
  zoom: 1, // relative to "fit the width"
  renderTask: null,
  renderSeq: 0,
  tool: "read", // read | highlight | note
  annotations: [], // mine, every page
  pendingNote: null, // {x, y} where the note goes
  following: false,
  presenting: false,
  announcing: false,
  announceAgain: false,
  socket: null,
};

function one(selector) {
  return root.querySelector(selector);
}

function say(message) {
  el.status.textContent = message || "";
  el.status.hidden = !message;
}

function api(method, url, body) {
  return request(method, url, body, {fallback: W.saveFailed});
}

// --- loading -------------------------------------------------------------------------------------

pdfjsLib.GlobalWorkerOptions.workerSrc = config.workerSrc;

async function waitUntilReady() {
  // A version still converting: say so and poll the document until its PDF exists.
  say(W.converting);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const doc = await api("GET", config.statusUrl);
    const version = doc.versions.find((v) => v.number === config.version);
    if (version && version.state === "ready") {
      state.pages = version.pages;
      return true;
    }
    if (!version || version.state === "failed") {
      say(version && version.error ? version.error : W.loadFailed);
      return false;
    }
  }
}

async function load() {
  if (config.state === "failed") {
    say(W.loadFailed);
    return;
  }
  if (config.state === "converting" && !(await waitUntilReady())) {
    return;
  }
  say(W.loading);
  try {
    // Fetched here, whole, with the session cookie; pdf.js gets the bytes (no range requests:
    // the PDF is served private and uncached, and a tablet reads it from start to end).
    const response = await fetch(config.pdfUrl, {credentials: "same-origin"});
    if (!response.ok) {
      throw new Error(`${response.status}`);
    }
    const data = new Uint8Array(await response.arrayBuffer());
    state.pdf = await pdfjsLib.getDocument({data, isEvalSupported: false}).promise;
  } catch (error) {
    say(W.loadFailed);
    return;
  }
  state.pages = state.pdf.numPages;
  el.pageCount.textContent = state.pages;
  el.pageInput.max = state.pages;
  state.page = Math.min(Math.max(state.page, 1), state.pages);
  say("");
  buildThumbs();
  await loadAnnotations();
  await render();
  connectLive();
}

// --- rendering -----------------------------------------------------------------------------------

async function render() {
  if (!state.pdf) {
    return;
  }
  const seq = ++state.renderSeq;
  const page = await state.pdf.getPage(state.page);
  if (seq !== state.renderSeq) {
    return; // a later page turn won
  }
  const natural = page.getViewport({scale: 1});
  const room = Math.max(el.stage.clientWidth - 24, 200);
  const cssScale = (room / natural.width) * state.zoom;
  const ratio = window.devicePixelRatio || 1;
  let pixelScale = cssScale * ratio;
  const pixels = natural.width * natural.height * pixelScale * pixelScale;
  if (pixels > MAX_CANVAS_PIXELS) {
    pixelScale *= Math.sqrt(MAX_CANVAS_PIXELS / pixels);
  }
  const viewport = page.getViewport({scale: pixelScale});
  const cssWidth = natural.width * cssScale;
  const cssHeight = natural.height * cssScale;

  // Draw off-screen, then swap: the page never flashes blank between two renders.
  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  if (state.renderTask) {
    state.renderTask.cancel();
  }
  state.renderTask = page.render({canvasContext: canvas.getContext("2d"), viewport});
  try {
    await state.renderTask.promise;
  } catch (error) {
    if (error && error.name === "RenderingCancelledException") {
      return;
    }
    throw error;
  }
  if (seq !== state.renderSeq) {
    return;
  }
  const target = el.canvas;
  target.width = canvas.width;
  target.height = canvas.height;
  target.getContext("2d").drawImage(canvas, 0, 0);
  target.style.width = `${cssWidth}px`;
  target.style.height = `${cssHeight}px`;
  el.sheet.style.width = `${cssWidth}px`;
  el.sheet.style.height = `${cssHeight}px`;
  el.sheet.dataset.page = String(state.page);
  root.dataset.renderedPage = String(state.page);
  drawAnnotations();
}

function showPageNumber() {
  el.pageInput.value = state.page;
  one('[data-action="prev-page"]').disabled = state.page <= 1;
  one('[data-action="next-page"]').disabled = state.page >= state.pages;
  el.zoomValue.textContent = zoomLabel(state.zoom);
  el.thumbs.querySelectorAll(".viewer-thumb").forEach((thumb) => {
    const current = Number(thumb.dataset.page) === state.page;
    thumb.classList.toggle("is-current", current);
    if (current) {
      thumb.setAttribute("aria-current", "page");
    } else {
      thumb.removeAttribute("aria-current");
    }
  });
  const current = el.thumbs.querySelector(".viewer-thumb.is-current");
  if (current && root.dataset.thumbsOpen === "true") {
    current.scrollIntoView({block: "nearest", inline: "nearest"});
  }
}

function goTo(number, {fromPresenter = false} = {}) {
  if (!state.pdf) {
    return;
  }
  const page = Math.min(Math.max(Number(number) || 1, 1), state.pages);
  const changed = page !== state.page;
  state.page = page;
  showPageNumber();
  if (changed) {
    el.stage.scrollTop = 0;
    render();
    const url = new URL(window.location.href);
    url.searchParams.set("page", String(page));
    window.history.replaceState(null, "", url);
  }
  if (state.presenting && !fromPresenter) {
    announcePage();
  }
}

function setZoom(zoom) {
  state.zoom = Math.min(Math.max(zoom, ZOOM_MIN), ZOOM_MAX);
  showPageNumber();
  render();
}

// --- thumbnails ----------------------------------------------------------------------------------

function buildThumbs() {
  el.thumbs.textContent = "";
  const observer = "IntersectionObserver" in window
    ? new IntersectionObserver(onThumbsVisible, {root: el.thumbs, rootMargin: "200px"})
    : null;
  for (let n = 1; n <= state.pages; n += 1) {
    const thumb = document.createElement("button");
    thumb.type = "button";
    thumb.className = "viewer-thumb";
    thumb.dataset.page = String(n);
    thumb.setAttribute("aria-label", fillTemplate(W.thumbnail, {n}));
    const canvas = document.createElement("canvas");
    canvas.width = THUMB_WIDTH;
    canvas.height = Math.round(THUMB_WIDTH * 1.414);
    const label = document.createElement("span");
    label.className = "viewer-thumb-no";
    label.textContent = String(n);
    thumb.append(canvas, label);
    thumb.addEventListener("click", () => goTo(n));
    el.thumbs.append(thumb);
    if (observer) {
      observer.observe(thumb);
    } else {
      drawThumb(thumb);
    }
  }
  showPageNumber();
}

function onThumbsVisible(entries, observer) {
  entries.forEach((entry) => {
    if (entry.isIntersecting) {
      observer.unobserve(entry.target);
      drawThumb(entry.target);
    }
  });
}

async function drawThumb(thumb) {
  const page = await state.pdf.getPage(Number(thumb.dataset.page));
  const natural = page.getViewport({scale: 1});
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({scale: (THUMB_WIDTH / natural.width) * ratio});
  const canvas = thumb.querySelector("canvas");
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  await page.render({canvasContext: canvas.getContext("2d"), viewport}).promise;
  thumb.classList.add("is-drawn");
}

function setThumbsOpen(open) {
  root.dataset.thumbsOpen = open ? "true" : "false";
  one('[data-action="toggle-thumbs"]').setAttribute("aria-pressed", open ? "true" : "false");
  try {
    window.localStorage.setItem("ecabinet.viewer.thumbs", open ? "1" : "0");
  } catch (ignored) { /* private mode */ }
  render();
}

// --- zoom by pinching ----------------------------------------------------------------------------

const touches = new Map();
let pinch = null;

function distance() {
  const [a, b] = [...touches.values()];
  return Math.hypot(a.x - b.x, a.y - b.y);
}

el.stage.addEventListener("pointerdown", (event) => {
  if (event.pointerType !== "touch") {
    return;
  }
  touches.set(event.pointerId, {x: event.clientX, y: event.clientY});
  if (touches.size === 2) {
    cancelDraft();
    pinch = {start: distance(), ratio: 1};
  }
});

el.stage.addEventListener("pointermove", (event) => {
  if (!touches.has(event.pointerId)) {
    return;
  }
  touches.set(event.pointerId, {x: event.clientX, y: event.clientY});
  if (pinch && touches.size === 2) {
    const limit = (z) => Math.min(Math.max(z, ZOOM_MIN), ZOOM_MAX) / state.zoom;
    pinch.ratio = limit(state.zoom * (distance() / pinch.start));
    el.sheet.style.transform = `scale(${pinch.ratio})`;
  }
});

function endTouch(event) {
  touches.delete(event.pointerId);
  if (pinch && touches.size < 2) {
    const ratio = pinch.ratio;
    pinch = null;
    el.sheet.style.transform = "";
    setZoom(state.zoom * ratio);
  }
}

el.stage.addEventListener("pointerup", endTouch);
el.stage.addEventListener("pointercancel", endTouch);

// Ctrl + wheel (a trackpad's pinch on a laptop) zooms too.
el.stage.addEventListener("wheel", (event) => {
  if (event.ctrlKey) {
    event.preventDefault();
    setZoom(state.zoom * (event.deltaY < 0 ? 1.1 : 1 / 1.1));
  }
}, {passive: false});

// --- annotations ---------------------------------------------------------------------------------

async function loadAnnotations() {
  try {
    state.annotations = await api("GET", config.annotationsUrl);
  } catch (error) {
    state.annotations = [];
    say(error.message);
  }
}

function drawAnnotations() {
  el.layer.textContent = "";
  el.noteList.textContent = "";
  const mine = state.annotations.filter((a) => a.page === state.page);
  mine.forEach((annotation) => {
    let mark;
    if (annotation.kind === "highlight") {
      mark = document.createElement("div");
      mark.className = "annotation annotation-highlight";
      mark.style.width = cssPercent(annotation.width);
      mark.style.height = cssPercent(annotation.height);
    } else {
      mark = document.createElement("button");
      mark.type = "button";
      mark.className = "annotation annotation-note";
      mark.title = annotation.text;
      mark.setAttribute("aria-label", annotation.text);
      mark.textContent = "✎";
      mark.addEventListener("click", (event) => {
        event.stopPropagation();
        const entry = el.noteList.querySelector(`[data-annotation-id="${annotation.id}"]`);
        if (entry) {
          entry.scrollIntoView({block: "nearest"});
          entry.classList.add("is-flashing");
          setTimeout(() => entry.classList.remove("is-flashing"), 1200);
        }
      });
    }
    mark.dataset.annotationId = String(annotation.id);
    mark.style.left = cssPercent(annotation.x);
    mark.style.top = cssPercent(annotation.y);
    el.layer.append(mark);
    el.noteList.append(listEntry(annotation));
  });
  if (!mine.length) {
    const empty = document.createElement("li");
    empty.className = "muted note-empty";
    empty.textContent = W.noAnnotations;
    el.noteList.append(empty);
  }
}

function listEntry(annotation) {
  const li = document.createElement("li");
  li.className = `note-entry note-${annotation.kind}`;
  li.dataset.annotationId = String(annotation.id);
  const mark = document.createElement("span");
  mark.className = "note-mark";
  mark.setAttribute("aria-hidden", "true");
  const text = document.createElement("span");
  text.className = "note-text";
  text.textContent = annotation.kind === "note" ? annotation.text : one('[data-tool-button="highlight"]').textContent.trim();
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "btn btn-quiet btn-small";
  remove.textContent = W.deleteNote;
  remove.addEventListener("click", async () => {
    try {
      await api("DELETE", `${config.annotationsUrl}/${annotation.id}`);
      state.annotations = state.annotations.filter((a) => a.id !== annotation.id);
      drawAnnotations();
    } catch (error) {
      say(error.message);
    }
  });
  li.append(mark, text, remove);
  return li;
}

async function saveAnnotation(values) {
  try {
    const saved = await api("POST", config.annotationsUrl, {page: state.page, ...values});
    state.annotations.push(saved);
    drawAnnotations();
    say("");
  } catch (error) {
    say(error.message);
  }
}

function setTool(tool) {
  state.tool = state.tool === tool ? "read" : tool;
  root.dataset.tool = state.tool;
  root.querySelectorAll("[data-tool-button]").forEach((button) => {
    button.setAttribute("aria-pressed", button.dataset.toolButton === state.tool ? "true" : "false");
  });
  closeNoteEditor();
  say(state.tool === "highlight" ? W.highlightHint : state.tool === "note" ? W.noteHint : "");
}

function pointOnSheet(event) {
  const box = el.sheet.getBoundingClientRect();
  return {
    x: Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1),
    y: Math.min(Math.max((event.clientY - box.top) / box.height, 0), 1),
  };
}

let drag = null;

function cancelDraft() {
  drag = null;
  el.draft.hidden = true;
}

function draftBox(a, b) {
  return {x: Math.min(a.x, b.x), y: Math.min(a.y, b.y),
          width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y)};
}

el.sheet.addEventListener("pointerdown", (event) => {
  if (state.tool !== "highlight" || !event.isPrimary || touches.size > 1) {
    return;
  }
  event.preventDefault();
  el.sheet.setPointerCapture(event.pointerId);
  drag = {from: pointOnSheet(event), pointerId: event.pointerId};
});

el.sheet.addEventListener("pointermove", (event) => {
  if (!drag || event.pointerId !== drag.pointerId || touches.size > 1) {
    return;
  }
  const box = draftBox(drag.from, pointOnSheet(event));
  el.draft.hidden = false;
  el.draft.style.left = cssPercent(box.x);
  el.draft.style.top = cssPercent(box.y);
  el.draft.style.width = cssPercent(box.width);
  el.draft.style.height = cssPercent(box.height);
});

el.sheet.addEventListener("pointerup", (event) => {
  if (!drag || event.pointerId !== drag.pointerId) {
    return;
  }
  const box = draftBox(drag.from, pointOnSheet(event));
  cancelDraft();
  if (box.width > 0.01 && box.height > 0.005) {
    saveAnnotation({kind: "highlight", ...box});
  }
});

el.sheet.addEventListener("pointercancel", cancelDraft);

el.sheet.addEventListener("click", (event) => {
  if (state.tool !== "note") {
    return;
  }
  state.pendingNote = pointOnSheet(event);
  el.noteEditor.hidden = false;
  el.noteEditor.querySelector("textarea").value = "";
  el.noteEditor.querySelector("textarea").focus();
});

function closeNoteEditor() {
  state.pendingNote = null;
  el.noteEditor.hidden = true;
}

el.noteEditor.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = el.noteEditor.querySelector("textarea").value.trim();
  if (!text || !state.pendingNote) {
    return;
  }
  const at = state.pendingNote;
  closeNoteEditor();
  await saveAnnotation({kind: "note", x: at.x, y: at.y, text});
});

// --- following the presenter ---------------------------------------------------------------------

function followKey() {
  return `ecabinet.follow.${config.meetingId}`;
}

function setFollowing(on) {
  state.following = on;
  if (el.follow) {
    el.follow.setAttribute("aria-pressed", on ? "true" : "false");
  }
  root.classList.toggle("is-following", on);
  try {
    window.sessionStorage.setItem(followKey(), on ? "1" : "0");
  } catch (ignored) { /* private mode */ }
  if (on) {
    setPresenting(false);
    say(W.following);
    if (state.lastPresentation) {
      jumpTo(state.lastPresentation);
    }
  } else if (!state.presenting) {
    say("");
  }
}

function setPresenting(on) {
  if (!el.present) {
    return;
  }
  state.presenting = on;
  el.present.setAttribute("aria-pressed", on ? "true" : "false");
  root.classList.toggle("is-presenting", on);
  if (on) {
    if (state.following) {
      setFollowing(false);
    }
    say(W.presenting);
    announcePage();
  } else {
    stopPresenting();
    if (!state.following) {
      say("");
    }
  }
}

// Ending the presentation is said to the server, which tells the followers (presenter.stopped):
// without it their tablets would wait for a page turn that never comes.
function stopPresenting() {
  if (!state.socket || !state.socket.connected) {
    return;
  }
  send(state.socket, "presenter.stop", {meeting_id: config.meetingId}, () => {});
}

// One announcement in flight at a time, the latest page sent when it is answered: the server
// handles each event in its own thread, so two quick page turns sent together could be
// committed (and told to the followers) in the wrong order, leaving the room a page behind.
function announcePage() {
  if (!state.socket || !state.socket.connected) {
    return;
  }
  if (state.announcing) {
    state.announceAgain = true;
    return;
  }
  state.announcing = true;
  state.announceAgain = false;
  send(state.socket, "presenter.page", {
    meeting_id: config.meetingId, document_id: config.documentId, version: config.version,
    page: state.page,
  }, (ack) => {
    state.announcing = false;
    if (!ack.ok) {
      state.announceAgain = false;
      setPresenting(false);
      say(ack.error ? ack.error.message : W.offline);
    } else if (state.announceAgain && state.presenting) {
      announcePage();
    }
  }, {noAnswer: W.offline});
}

function jumpTo(presentation) {
  if (presentation.document_id === config.documentId && presentation.version === config.version) {
    goTo(presentation.page, {fromPresenter: true});
    return;
  }
  if (state.leaving) {
    return; // already on the way; the next page asks where the presenter is when it joins
  }
  state.leaving = true;
  const viewer = fillTemplate(config.viewerUrl,
    {document: presentation.document_id, version: presentation.version});
  const url = `${viewer}?meeting=${config.meetingId}&page=${presentation.page}&follow=1`;
  window.location.assign(url);
}

function connectLive() {
  if (!config.meetingId || typeof window.io !== "function") {
    return;
  }
  let wanted = config.follow;
  try {
    wanted = wanted || window.sessionStorage.getItem(followKey()) === "1";
  } catch (ignored) { /* private mode */ }
  const socket = openSocket();
  state.socket = socket;
  if (config.room) {
    followTheRoom(socket, config.room); // the current item, the floor and the vote, over the page
  }
  socket.on("connect", () => {
    send(socket, "presenter.follow", {meeting_id: config.meetingId}, (ack) => {
      if (!ack.ok) {
        return;
      }
      if (el.follow) {
        el.follow.hidden = false;
      }
      if (el.present && ack.can_present) {
        el.present.hidden = false;
      }
      state.lastPresentation = ack.presentation;
      if (wanted && !state.following && !state.presenting) {
        setFollowing(true);
      } else if (state.following && ack.presentation) {
        jumpTo(ack.presentation);
      }
      if (state.presenting) {
        announcePage(); // back after a reconnection: the room is told where we are
      }
    });
  });
  socket.on("disconnect", (reason) => {
    if (state.following || state.presenting) {
      say(W.offline);
    }
    if (reason === "io server disconnect") {
      window.location.reload(); // cut by the server (session ended): back to the sign-in page
    }
  });
  socket.on("presenter.page", (presentation) => {
    if (presentation.meeting_id !== config.meetingId) {
      return;
    }
    state.lastPresentation = presentation;
    if (state.following) {
      jumpTo(presentation);
    }
  });
  socket.on("presenter.stopped", () => {
    state.lastPresentation = null;
    if (state.following) {
      say(W.stopped);
    }
  });
}

// --- controls ------------------------------------------------------------------------------------

root.addEventListener("click", (event) => {
  const button = event.target.closest("[data-action], [data-tool-button]");
  if (!button || !root.contains(button)) {
    return;
  }
  if (button.dataset.toolButton) {
    setTool(button.dataset.toolButton);
    return;
  }
  switch (button.dataset.action) {
    case "prev-page": goTo(state.page - 1); break;
    case "next-page": goTo(state.page + 1); break;
    case "zoom-in": setZoom(state.zoom * ZOOM_STEP); break;
    case "zoom-out": setZoom(state.zoom / ZOOM_STEP); break;
    case "zoom-fit": setZoom(1); break;
    case "toggle-thumbs": setThumbsOpen(root.dataset.thumbsOpen !== "true"); break;
    case "toggle-follow": setFollowing(!state.following); break;
    case "toggle-present": setPresenting(!state.presenting); break;
    case "cancel-note": closeNoteEditor(); break;
    default: break;
  }
});

el.pageInput.addEventListener("change", () => goTo(el.pageInput.value));

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select")) {
    return;
  }
  if (event.key === "ArrowRight" || event.key === "PageDown") {
    goTo(state.page + 1);
  } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
    goTo(state.page - 1);
  } else if (event.key === "Escape") {
    closeNoteEditor();
    if (state.tool !== "read") {
      setTool(state.tool);
    }
  }
});

function measureBar() {
  root.style.setProperty("--viewer-bar-h", `${one(".viewer-bar").offsetHeight}px`);
}

let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    measureBar();
    render();
  }, 150);
});

(function start() {
  let open = window.matchMedia("(min-width: 600px)").matches;
  try {
    const saved = window.localStorage.getItem("ecabinet.viewer.thumbs");
    if (saved !== null) {
      open = saved === "1";
    }
  } catch (ignored) { /* private mode */ }
  root.dataset.thumbsOpen = open ? "true" : "false";
  one('[data-action="toggle-thumbs"]').setAttribute("aria-pressed", open ? "true" : "false");
  measureBar();
  collapsingHeader();
  load();
})();
