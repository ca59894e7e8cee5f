/* Positions on the items (in favour, against, asking to speak, with a note) before and during
 * the session. The chair and the secretariat see the tally and the notes: fetched after each
 * join (what changed while this page was not in the room); from then on positions.changed keeps
 * the tally right. A fetch answered after a broadcast it may predate is not shown. */
import {one, setText} from "./dom.js";
import {withMyPosition} from "./state.js";

function positionsUrl(room, itemId) {
  return room.config.urls.positions.replace("{id}", itemId);
}

function withNotes(data) {
  return (data.positions || []).filter((p) => p.note);
}

/** The notes members wrote to their positions (a broadcast never carries them). */
export function refreshNotes(room, itemId) {
  room.api("GET", positionsUrl(room, itemId)).then((data) => {
    room.ui.notes[itemId] = withNotes(data);
    room.renderAgenda();
  }).catch(() => {
    // a help, not a requirement
  });
}

export function refreshTallies(room) {
  if (!room.config.isChair && !room.config.isOrganiser) {
    return;
  }
  (room.state.items || []).forEach((item) => {
    const heard = room.ui.tallyHeard[item.id] || 0;
    room.api("GET", positionsUrl(room, item.id)).then((data) => {
      if ((room.ui.tallyHeard[item.id] || 0) !== heard) {
        return;
      }
      room.ui.tallies[item.id] = data.tally;
      room.ui.notes[item.id] = withNotes(data);
      room.renderAgenda();
      room.renderConsole();
    }).catch(() => {
      // the tally is a help, not a requirement: leave it out
    });
  });
}

export function savePosition(room, row, stance) {
  const id = Number(row.dataset.itemId);
  const note = one("[data-note]", row);
  const status = one("[data-position-status]", row);
  room.api("PUT", positionsUrl(room, id), {
    stance, note: note && note.value.trim() ? note.value.trim() : null,
  }).then((data) => {
    const position = {stance: data.stance, note: data.note};
    room.state = withMyPosition(room.state, id, position);
    room.savedSinceJoin[String(id)] = position;
    if (note) {
      delete note.dataset.dirty;
    }
    setText(status, room.W.saved);
    room.renderAgenda(); // a chair's own tally comes with positions.changed, like anyone's
  }).catch((error) => {
    room.toast(error.message);
  });
}

/** A click on a stance button. */
export function stance(room, button) {
  savePosition(room, button.closest(".room-item"), button.dataset.stance);
}

export const actions = {
  "refresh-tally"(room) {
    refreshTallies(room);
  },
  "save-note"(room, button) {
    const row = button.closest(".room-item");
    const mine = room.state.me.positions[row.dataset.itemId];
    savePosition(room, row, mine ? mine.stance : "agree");
  },
};
