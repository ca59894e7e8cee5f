/* The chair's console: moving through the agenda, the floor, opening and closing a vote, and
 * adopting the uncontested items together (the server decides which; see meetings/queries.py).
 *
 * Every secret vote is verifiable (issue 10): the trustees (config.trustees: the chair and the
 * secretary by default) each type a vote PIN here at opening; the chair types theirs
 * again to close, which gives the chair's share at once; the others decrypt on their tablet. */
import {all, busy, one, setText, show} from "./dom.js";
import {
  castCount, consoleView, neighbourItem, openVotePayload, tallyingView, uncontestedItems,
} from "./state.js";
import {interpolate} from "../lib/format.js";
import {speakers} from "./speakers.js";
import {applyTallying} from "./vote.js";

function isTrustee(room) {
  return (room.config.trustees || []).some((t) => t.user_id === room.config.userId);
}

/** The trustees' PIN fields under "secret" (a secret vote always has its trustees). */
function renderVerifiable(form) {
  const pins = one("[data-trustee-pins]", form);
  if (pins) {
    show(pins, form.elements.secret.checked);
  }
}

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
  show(form, view.canOpenVote);
  renderVerifiable(form);
  show(one("[data-vote-running]", console_), !!open);
  if (open) {
    setText(one("[data-console-progress]", console_),
      interpolate(W.progress, {cast: castCount(open), eligible: open.eligible || 0}));
  }
  show(one("[data-close-pin-field]", console_), !!(open && open.verifiable && isTrustee(room)));
  const tallying = tallyingView(state.tallying_vote, room.config.userId);
  show(one("[data-console-tallying]", console_), !!tallying);
  if (tallying) {
    setText(one("[data-console-tallying]", console_),
      interpolate(W.waitingDecrypt, {names: tallying.waitingNames.join(", ")}));
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
  voteForm.addEventListener("change", () => renderVerifiable(voteForm));
  voteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const button = voteForm.querySelector("button[type=submit]");
    const question = voteForm.elements.question.value.trim();
    if (!question) {
      voteForm.elements.question.focus();
      return;
    }
    const pinInputs = all("[data-trustee-pin]", voteForm);
    const pins = {};
    pinInputs.forEach((input) => {
      pins[input.dataset.trusteePin] = input.value;
    });
    const {payload, missing} = openVotePayload({
      question,
      secret: voteForm.elements.secret.checked,
      rule: voteForm.elements.rule.value,
    }, room.config.trustees || [], pins);
    if (missing.length) {
      room.toast(room.W.pinsMissing);
      one(`[data-trustee-pin="${missing[0]}"]`, voteForm).focus();
      return;
    }
    busy(button, (done) => {
      room.send("vote.open", room.currentItemPayload(payload), (ack) => {
        if (ack.ok) {
          room.ui.questionEdited = false;
          voteForm.elements.question.dataset.itemId = "";
          voteForm.elements.secret.checked = false;
        }
        pinInputs.forEach((input) => {
          input.value = ""; // a PIN never stays on the screen
        });
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
    if (!open || !window.confirm(open.verifiable ? room.W.closeVerifiableConfirm
      : room.W.closeConfirm)) {
      return;
    }
    const payload = {vote_id: open.vote_id};
    const pinInput = one("[data-close-pin]", room.root);
    if (open.verifiable && pinInput && pinInput.value) {
      payload.pin = pinInput.value; // the chair's share comes along with the closing
    }
    busy(button, (done) => {
      room.send("vote.close", payload, (ack) => {
        if (pinInput) {
          pinInput.value = "";
        }
        applyTallying(room, ack);
        done();
      });
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
