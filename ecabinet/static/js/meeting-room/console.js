/* The chair's console: moving through the agenda, the floor, opening and closing a vote, and
 * adopting the uncontested items together (the server decides which; see meetings/queries.py). */
import {busy, one, setText, show} from "./dom.js";
import {castCount, consoleView, neighbourItem, uncontestedItems} from "./state.js";
import {interpolate} from "../lib/format.js";
import {speakers} from "./speakers.js";

function positionsList(items) {
  return items.map((i) => i.position).join(", ");
}

export function renderConsole(room) {
  const {root, ui, W} = room;
  const console_ = one("#chair-console", root);
  if (!console_) {
    return;
  }
  const state = room.state;
  const view = consoleView(state, {live: room.isLive()});
  one("[data-action=prev-item]", console_).disabled = view.prevDisabled;
  one("[data-action=next-item]", console_).disabled = view.nextDisabled;
  const floor = speakers(room);
  one("[data-action=give-floor]", console_).disabled = !floor.canGiveFloor;
  one("[data-action=finish-speaker]", console_).disabled = !floor.canFinish;

  const open = state.open_vote;
  const form = one("[data-vote-form]", console_);
  show(form, !open);
  show(one("[data-vote-running]", console_), !!open);
  if (open) {
    setText(one("[data-console-progress]", console_),
      interpolate(W.progress, {cast: castCount(open), eligible: open.eligible || 0}));
  }
  const item = room.itemsById[state.current_item_id];
  form.querySelector("button[type=submit]").disabled = !item;
  const question = form.elements.question;
  if (item && !ui.questionEdited && question.dataset.itemId !== String(item.id)) {
    question.value = interpolate(W.defaultQuestion, {title: item.title});
    question.dataset.itemId = String(item.id);
  }

  const uncontested = uncontestedItems(state);
  setText(one("[data-uncontested]", console_), uncontested.length ?
    interpolate(W.uncontested, {list: positionsList(uncontested)}) : W.noUncontested);
  one("[data-action=adopt-uncontested]", console_).disabled = !uncontested.length;
}

/** Opening a vote on the current item: the console's form. */
export function bindVoteForm(room) {
  const voteForm = one("[data-vote-form]", room.root);
  if (!voteForm) {
    return;
  }
  voteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = voteForm.querySelector("button[type=submit]");
    const question = voteForm.elements.question.value.trim();
    if (!question) {
      voteForm.elements.question.focus();
      return;
    }
    busy(button, (done) => {
      room.send("vote.open", room.currentItemPayload({
        question,
        secret: voteForm.elements.secret.checked,
        rule: voteForm.elements.rule.value,
      }), (ack) => {
        if (ack.ok) {
          room.ui.questionEdited = false;
          voteForm.elements.question.dataset.itemId = "";
          voteForm.elements.secret.checked = false;
        }
        done();
      });
    }, room.render);
  });
}

function move(step) {
  return (room) => {
    const to = neighbourItem(room.state, step);
    if (to !== null) {
      room.setCurrent(to);
    }
  };
}

export const actions = {
  "next-item": move(1),
  "prev-item": move(-1),
  "close-vote"(room, button) {
    const open = room.state.open_vote;
    if (!open || !window.confirm(room.W.closeConfirm)) {
      return;
    }
    busy(button, (done) => {
      room.send("vote.close", {vote_id: open.vote_id}, done);
    }, room.render);
  },
  "adopt-uncontested"(room, button) {
    const items = uncontestedItems(room.state);
    if (!items.length) {
      return;
    }
    if (!window.confirm(interpolate(room.W.adoptConfirm, {list: positionsList(items)}))) {
      return;
    }
    busy(button, (done) => {
      room.api("POST", room.config.urls.adopt, {item_ids: items.map((i) => i.id)})
        .then(() => {
          room.toast(room.W.adopted);
          room.refreshTallies();
        })
        .catch((error) => {
          room.toast(error.message);
        })
        .then(done);
    }, room.render);
  },
};
