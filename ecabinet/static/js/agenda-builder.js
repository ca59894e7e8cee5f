/* The agenda built in place (meetings/prepare.html): add, edit, move and remove items through
 * the API without leaving the page, by buttons a finger can press (dragging stays a shortcut).
 * Each form on the page still works without this script; with it, a form's submission is sent
 * to the API instead (http.js: the session cookie and the CSRF header), and the agenda and the
 * publication card are then read again from the page as the server now renders it (fetched,
 * not navigated to), so what the builder shows is always the server's rendering of the agenda. */
import {api} from "./lib/http.js";
import {fieldsAtFault, formValues, itemPayload, missingFields, moved} from "./agenda-logic.js";
import {sortable} from "./agenda-editor.js";

const EDIT_PREFIX = "edit-";

const first = document.getElementById("agenda");
if (first && first.dataset.addUrl) {
  start(JSON.parse(first.dataset.words || "{}"));
}

function start(words) {
  const agenda = () => document.getElementById("agenda");
  sortable(document.getElementById("agenda-list"));

  function say(message, failed) {
    const status = agenda().querySelector(".order-status");
    if (status) {
      status.textContent = message || "";
      status.classList.toggle("is-error", !!failed);
    }
  }

  function showError(form, selector, message, fields) {
    const box = form.querySelector(selector);
    if (box) {
      box.textContent = message || "";
      box.hidden = !message;
    }
    form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
    (fields || []).forEach((name) => {
      const input = form.querySelector(`[name="${name}"], [name="${EDIT_PREFIX}${name}"]`);
      if (input) {
        input.setAttribute("aria-invalid", "true");
      }
    });
  }

  /** The agenda and the publication card as the server renders them now. */
  async function redraw(message, focusSelector) {
    const response = await fetch(window.location.pathname, {
      credentials: "same-origin", headers: {Accept: "text/html"},
    });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    ["agenda", "publish"].forEach((id) => {
      const fresh = page.getElementById(id);
      const old = document.getElementById(id);
      if (fresh && old) {
        old.replaceWith(document.adoptNode(fresh));
      }
    });
    sortable(document.getElementById("agenda-list"));
    say(message, false);
    const target = focusSelector && document.querySelector(focusSelector);
    if (target) {
      target.focus();
    }
  }

  /** Run ``action`` (an API call) with the agenda marked busy; redraw after it succeeds. */
  async function act(action, done, onError) {
    agenda().classList.add("is-busy");
    try {
      const answer = await action();
      await redraw(done.message, typeof done.focus === "function" ? done.focus(answer) : done.focus);
    } catch (error) {
      if (onError) {
        onError(error);
      } else {
        say(error.message || words.failed, true);
      }
    } finally {
      agenda().classList.remove("is-busy");
    }
  }

  function rowIds() {
    return Array.from(agenda().querySelectorAll(".agenda-row")).map((row) => Number(row.dataset.itemId));
  }

  function closeEditors() {
    agenda().querySelectorAll(".agenda-row.is-editing").forEach((row) => {
      row.classList.remove("is-editing");
      const form = row.querySelector(".item-edit-form");
      if (form) {
        form.remove();
      }
    });
  }

  function openEditor(row) {
    closeEditors();
    const template = document.getElementById("item-edit-template");
    if (!template) {
      return;
    }
    const form = template.content.firstElementChild.cloneNode(true);
    const values = formValues(JSON.parse(row.dataset.item || "{}"));
    const field = (name) => form.elements.namedItem(EDIT_PREFIX + name);
    field("title").value = values.title;
    field("presenting_agency").value = values.presenting_agency;
    field("presenter_id").value = values.presenter_id;
    field("duration_min").value = values.duration_min;
    field("confidential").checked = values.confidential;
    form.querySelectorAll(`input[name="${EDIT_PREFIX}invitee_ids"]`).forEach((box) => {
      box.checked = values.invitee_ids.includes(box.value);
    });
    row.classList.add("is-editing");
    row.appendChild(form);
    field("title").focus();
  }

  // A problem once said goes as soon as it is being put right.
  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (form && (form.id === "add-item" || form.classList.contains("item-edit-form"))) {
      showError(form, form.id === "add-item" ? ".add-error" : ".edit-error", "", []);
    }
  });

  document.addEventListener("click", (event) => {
    const edit = event.target.closest("[data-edit-item]");
    if (edit && agenda().contains(edit)) {
      event.preventDefault();
      openEditor(edit.closest(".agenda-row"));
      return;
    }
    const cancel = event.target.closest(".item-edit-form [data-cancel]");
    if (cancel) {
      const row = cancel.closest(".agenda-row");
      closeEditors();
      const again = row && row.querySelector("[data-edit-item]");
      if (again) {
        again.focus();
      }
    }
  });

  // On window, so that app.js's confirmation (on document) has answered first: a declined
  // "Remove this item?" has already prevented the submission.
  window.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) {
      return;
    }
    if (form.id === "add-item") {
      event.preventDefault();
      const body = itemPayload(new FormData(form));
      const missing = missingFields(body);
      if (missing.length) {
        showError(form, ".add-error", words.titleMissing, missing);
        return;
      }
      showError(form, ".add-error", "", []);
      act(() => api("POST", agenda().dataset.addUrl, body, {fallback: words.failed}),
        {message: words.added, focus: "#add-item [name=title]"},
        (error) => showError(form, ".add-error", error.message, fieldsAtFault(error.data)))
        .then(() => {
          if (!form.querySelector(".add-error:not([hidden])")) {
            form.reset();
          }
        });
      return;
    }
    const row = form.closest(".agenda-row");
    if (!row || !agenda().contains(row)) {
      return;
    }
    const id = Number(row.dataset.itemId);
    if (form.classList.contains("item-edit-form")) {
      event.preventDefault();
      const body = itemPayload(new FormData(form), {prefix: EDIT_PREFIX});
      const missing = missingFields(body);
      if (missing.length) {
        showError(form, ".edit-error", words.titleMissing, missing);
        return;
      }
      act(() => api("PATCH", row.dataset.updateUrl, body, {fallback: words.failed}),
        {message: words.saved, focus: `#item-row-${id} [data-edit-item]`},
        (error) => showError(form, ".edit-error", error.message, fieldsAtFault(error.data)));
    } else if (form.dataset.move) {
      event.preventDefault();
      const list = document.getElementById("agenda-list");
      const order = moved(rowIds(), id, form.dataset.move);
      act(() => api("PUT", list.dataset.orderUrl, {item_ids: order}, {fallback: words.failed}),
        {message: words.moved, focus: `#item-row-${id} [data-move="${form.dataset.move}"] button:not([disabled])`});
    } else if (form.hasAttribute("data-remove")) {
      event.preventDefault();
      act(() => api("DELETE", row.dataset.removeUrl, undefined, {fallback: words.failed}),
        {message: words.removed, focus: "#add-item [name=title]"});
    }
  });
}
