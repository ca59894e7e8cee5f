/* The vote panel: the open vote's question, the user's choice (chosen, then confirmed), the
 * progress, and the result once closed. A secret ballot's receipt (needed to change it) is kept
 * in sessionStorage under the vote's id: the server never says how a secret ballot went. */
import {all, busy, one, setText, show} from "./dom.js";
import {ballotSending, ballotView, withBallotUnanswered, withMyBallot} from "./state.js";
import {interpolate, percentOf} from "../lib/format.js";

// --- secret ballots: the receipt stays on this tablet ---------------------------------------------

function ballotKey(voteId) {
  return `ecabinet.ballot.${voteId}`;
}

export function storedBallot(voteId) {
  try {
    return JSON.parse(window.sessionStorage.getItem(ballotKey(voteId)) || "null");
  } catch (e) {
    return null;
  }
}

function storeBallot(voteId, ballot) {
  try {
    window.sessionStorage.setItem(ballotKey(voteId), JSON.stringify(ballot));
  } catch (e) {
    // private mode: the ballot counts all the same; changing it will need a reload
  }
}

export function forgetBallot(voteId) {
  try {
    window.sessionStorage.removeItem(ballotKey(voteId));
  } catch (e) {
    // nothing kept
  }
}

/** The receipt kept for a secret ballot already cast, read only when the server has no choice. */
function keptFor(open) {
  const mine = open.mine || {};
  return open.secret && mine.voted && !mine.choice ? storedBallot(open.vote_id) : null;
}

// --- rendering -----------------------------------------------------------------------------------

export function renderVote(room) {
  const {config, ui, W} = room;
  const panel = document.getElementById("vote-panel");
  if (!panel) {
    return;
  }
  const state = room.state;
  const open = state.open_vote && state.open_vote.question !== undefined ? state.open_vote : null;
  const result = ui.result;
  const visible = !!open || !!result;
  show(panel, visible);
  if (!visible) {
    ui.panelShown = false;
    return;
  }
  panel.classList.toggle("is-result", !open);
  const voteItem = room.itemsById[open ? open.agenda_item_id : result.agenda_item_id];
  setText(one("[data-vote-item]", panel), voteItem ? interpolate(W.voteOn, {n: voteItem.position}) : "");
  setText(one("[data-vote-question]", panel), (open ? open.question : result.question) || "");
  setText(one("[data-vote-rule]", panel), W.rule[(open || result).rule] || "");
  show(one("[data-vote-secret]", panel), !!(open && open.secret));
  show(one("[data-vote-open]", panel), !!open);
  show(one("[data-vote-result]", panel), !open);

  if (open) {
    const view = ballotView(open, ui, keptFor(open));
    const mine = view.mine;
    show(one("[data-vote-choices]", panel), view.choosing);
    all("[data-choice]", panel).forEach((button) => {
      button.classList.toggle("is-current", mine.voted && mine.choice === button.dataset.choice);
    });
    show(one("[data-vote-confirm]", panel), view.confirming);
    setText(one("[data-confirm-choice]", panel), ui.pendingChoice ? W.choice[ui.pendingChoice] : "");
    show(one("[data-vote-done]", panel), view.done);
    setText(one("[data-done-choice]", panel), mine.choice ? W.choice[mine.choice] : W.secretVoted);
    const note = one("[data-vote-note]", panel);
    show(note, !view.canVote);
    setText(note, config.isVoter ? W.notEligible : W.observer);
    one("[data-progress-bar]", panel).style.width = `${percentOf(view.cast, view.eligible)}%`;
    setText(one("[data-progress-text]", panel),
      interpolate(W.progress, {cast: view.cast, eligible: view.eligible}));
  } else {
    setText(one("[data-outcome]", panel), W.outcome[result.outcome] || result.outcome);
    one("[data-outcome]", panel).className = `outcome outcome-${result.outcome}`;
    ["yes", "no", "abstain", "absent"].forEach((key) => {
      setText(one(`[data-result="${key}"]`, panel), String(result.tally[key]));
    });
    show(one("[data-decided-by-chair]", panel), !!result.decided_by_chair);
  }
  if (!ui.panelShown) {
    ui.panelShown = true;
    if (open && panel.scrollIntoView && !room.inOverlay) { // over the viewer it is in sight
      panel.scrollIntoView({behavior: "smooth", block: "start"});
    }
  }
}

// --- choosing and confirming ---------------------------------------------------------------------

/** A click on a choice: it is asked to be confirmed. */
export function choose(room, button) {
  room.ui.pendingChoice = button.dataset.choice;
  renderVote(room);
  const confirm = one("[data-action=confirm-ballot]", room.root);
  if (confirm) {
    confirm.focus();
  }
}

export const actions = {
  "confirm-ballot"(room, button) {
    const open = room.state.open_vote;
    const choice = room.ui.pendingChoice;
    if (!open || !choice) {
      return;
    }
    const payload = {vote_id: open.vote_id, choice};
    const kept = open.secret ? storedBallot(open.vote_id) : null;
    if (kept && kept.receipt) {
      payload.receipt = kept.receipt;
    }
    const sent = ballotSending(open); // to count this ballot at once when it is acknowledged
    busy(button, (done) => {
      room.send("ballot.cast", payload, (ack) => {
        room.ui.pendingChoice = null;
        if (ack.ok) {
          if (ack.receipt) {
            storeBallot(ack.vote_id, {receipt: ack.receipt, choice: ack.choice});
          }
          room.state = withMyBallot(room.state, ack, sent);
          room.ui.changing = false;
        } else if (ack.error && ack.error.code === "timeout") {
          room.state = withBallotUnanswered(room.state, open.vote_id);
        }
        done();
      });
    }, room.render);
  },
  "cancel-ballot"(room) {
    room.ui.pendingChoice = null;
    renderVote(room);
  },
  "change-ballot"(room) {
    room.ui.changing = true;
    renderVote(room);
  },
  "dismiss-result"(room) {
    room.ui.result = null;
    renderVote(room);
  },
};
