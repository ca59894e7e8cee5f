/* The agenda: which item is under discussion, which were adopted, the user's position on each,
 * and for the chair and the secretariat the tally and the notes members wrote; the results of
 * the votes taken on an item are added to its row. */
import {all, one, setText, show} from "./dom.js";
import {agendaRowView} from "./state.js";
import {interpolate} from "../lib/format.js";

export function renderAgenda(room) {
  const {root, W, ui} = room;
  all(".room-item[data-item-id]", root).forEach((row) => {
    const id = Number(row.dataset.itemId);
    const view = agendaRowView(room.state, id, room.config.rules);
    row.classList.toggle("is-current", view.current);
    if (view.current) {
      row.setAttribute("aria-current", "step");
    } else {
      row.removeAttribute("aria-current");
    }
    show(one("[data-live]", row), view.current);
    show(one("[data-adopted]", row), view.adopted);
    const mine = view.mine;
    all("[data-stance]", row).forEach((button) => {
      button.setAttribute("aria-pressed", String(!!mine && mine.stance === button.dataset.stance));
    });
    // An item voted on or adopted takes no more positions (the server refuses them): its
    // outcome is shown instead (the adopted tag, the results' lines). After renderStatus,
    // which shows the positions while the status allows them.
    const stated = one("[data-positions]", row);
    if (stated && view.settled) {
      stated.hidden = true;
    }
    const note = one("[data-note]", row);
    if (note && document.activeElement !== note && !note.dataset.dirty) {
      note.value = (mine && mine.note) || "";
      if (note.value && !note.dataset.shown) {
        note.dataset.shown = "1"; // a note stated earlier is shown once, then left as the user sets it
        note.closest("details").open = true;
      }
    }
    const go = one("[data-action=go-to]", row);
    if (go) {
      go.disabled = view.current;
    }
    const tally = one("[data-tally]", row);
    if (tally) {
      const counts = ui.tallies[id];
      setText(tally, counts ? interpolate(W.tally, counts) : "");
    }
    const notes = one("[data-position-notes]", row);
    if (notes) {
      notes.replaceChildren(...(ui.notes[id] || []).map((p) => {
        const li = document.createElement("li");
        const who = document.createElement("strong");
        who.textContent = `${p.name} (${W.stances[p.stance] || p.stance}): `;
        li.appendChild(who);
        li.appendChild(document.createTextNode(p.note));
        return li;
      }));
    }
  });
}

/** A line under the item's row for a vote just closed. */
export function addResult(room, result) {
  const {root, W} = room;
  const row = one(`.room-item[data-item-id="${result.agenda_item_id}"]`, root);
  const box = row && one("[data-results]", row);
  if (!box) {
    return;
  }
  const line = document.createElement("div");
  line.className = `result-line outcome-${result.outcome}`;
  const outcome = document.createElement("strong");
  outcome.textContent = W.outcome[result.outcome] || result.outcome;
  line.appendChild(outcome);
  if (result.question) {
    const question = document.createElement("span");
    question.textContent = result.question;
    line.appendChild(question);
  }
  const counts = document.createElement("span");
  counts.className = "muted";
  counts.textContent = interpolate(W.result, result.tally);
  line.appendChild(counts);
  box.appendChild(line);
}

export const actions = {
  "go-to"(room, button) {
    room.setCurrent(Number(button.dataset.itemId));
  },
};
