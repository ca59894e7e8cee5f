/* The vote panel: the open vote's question, the user's choice (chosen, then confirmed), the
 * progress, and the result once closed. A secret ballot's choice and tracking code are kept in
 * sessionStorage under the vote's id: the server never says how a secret ballot went.
 *
 * Every secret vote is verifiable (issue 10): the choice is encrypted here, on the tablet, with
 * lib/ballot.js (loaded only then: @noble through the page's import map), and only the
 * ciphertexts with their proofs are sent; the tablet shows the tracking code it computed (and
 * checks the server's answer is the same), then, while the trustees decrypt, who is awaited
 * (a trustee types their PIN here), and once closed the link to the vote's public record. */
import {all, busy, one, setText, show} from "./dom.js";
import {
  ballotSending, ballotView, onVoteTallying, optionIndex, shortCode, tallyingView,
  withBallotUnanswered, withMyBallot, BALLOT_OPTIONS,
} from "./state.js";
import {interpolate, percentOf} from "../lib/format.js";

let ballotModule = null;

/** lib/ballot.js, imported on first need (the room's other pages never load the crypto). */
export function loadBallot() {
  if (!ballotModule) {
    ballotModule = import("../lib/ballot.js");
  }
  return ballotModule;
}

/** Encrypts ``choice`` for the open verifiable vote: {ballot, trackingCode}. */
async function encryptChoice(open, choice) {
  const lib = await loadBallot();
  const ctx = lib.context({voteId: open.vote_id, publicKey: open.public_key,
    options: BALLOT_OPTIONS.length});
  return lib.encryptBallot(ctx, optionIndex(choice));
}

let warmedFor = null;

/** The first encryption of a page pays the modules' import, noble's base-point table and the
 * JIT warming up: 0.5–1 s on a tablet-class CPU (bench/tablet_encrypt.py), against ~50 ms
 * after. Paid while the member reads the question, not when they confirm: one ballot encrypted
 * when a secret vote shows, and thrown away (never sent). */
function warmUp(open) {
  if (warmedFor === open.vote_id || !open.public_key) {
    return;
  }
  warmedFor = open.vote_id;
  const idle = window.requestIdleCallback || ((fn) => window.setTimeout(fn, 0));
  idle(() => {
    encryptChoice(open, BALLOT_OPTIONS[0]).catch(() => { /* the real ballot will say */ });
  });
}

// --- secret ballots: the choice and the tracking code stay on this tablet ------------------------

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

/** What this tablet kept of a secret ballot already cast (the server has no choice to tell). */
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
  const tallying = !open && state.tallying_vote ? state.tallying_vote : null;
  const result = open || tallying ? null : ui.result;
  const visible = !!open || !!tallying || !!result;
  show(panel, visible);
  if (!visible) {
    ui.panelShown = false;
    return;
  }
  const shown = open || tallying || result;
  panel.classList.toggle("is-result", !open && !tallying);
  const voteItem = room.itemsById[shown.agenda_item_id];
  setText(one("[data-vote-item]", panel), voteItem ? interpolate(W.voteOn, {n: voteItem.position}) : "");
  setText(one("[data-vote-question]", panel), shown.question || "");
  setText(one("[data-vote-rule]", panel), W.rule[shown.rule] || "");
  if (open && open.secret) {
    warmUp(open);
  }
  const verifiable = !!(open ? open.verifiable : tallying || (result && result.verifiable));
  show(one("[data-vote-secret]", panel), !!(open && open.secret) || verifiable);
  show(one("[data-vote-verifiable]", panel), verifiable);
  show(one("[data-vote-open]", panel), !!open);
  show(one("[data-vote-result]", panel), !!result);
  show(one("[data-vote-dismiss]", panel), !!result);
  renderTallying(room, panel, tallying);
  renderRecord(panel, result);

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
    show(one("[data-vote-encrypt-note]", panel), !!open.verifiable && view.choosing);
    const note = one("[data-vote-note]", panel);
    show(note, !view.canVote);
    setText(note, config.isVoter ? W.notEligible : W.observer);
    one("[data-progress-bar]", panel).style.width = `${percentOf(view.cast, view.eligible)}%`;
    setText(one("[data-progress-text]", panel),
      interpolate(W.progress, {cast: view.cast, eligible: view.eligible}));
  } else if (result) {
    setText(one("[data-outcome]", panel), W.outcome[result.outcome] || result.outcome);
    one("[data-outcome]", panel).className = `outcome outcome-${result.outcome}`;
    ["yes", "no", "abstain", "absent"].forEach((key) => {
      setText(one(`[data-result="${key}"]`, panel), String(result.tally[key]));
    });
    show(one("[data-decided-by-chair]", panel), !!result.decided_by_chair);
  }
  const code = open ? (open.verifiable && ballotView(open, ui, keptFor(open)).mine.tracking_code)
    : (tallying ? tallying.my_tracking_code : result.tracking_code);
  renderReceipt(panel, code || null);
  if (!ui.panelShown) {
    ui.panelShown = true;
    if (open && panel.scrollIntoView && !room.inOverlay) { // over the viewer it is in sight
      panel.scrollIntoView({behavior: "smooth", block: "start"});
    }
  }
}

/** "Encrypted on this tablet" and the tracking code: short, full, and a button to copy it. */
function renderReceipt(panel, code) {
  const box = one("[data-vote-receipt]", panel);
  show(box, !!code);
  if (!box || !code) {
    return;
  }
  setText(one("[data-receipt-short]", box), shortCode(code));
  const full = one("[data-receipt-full]", box);
  if (full.value !== code) {
    full.value = code;
  }
  if (full.dataset.shown !== code) { // a new code: the "copied" of the last one goes
    full.dataset.shown = code;
    setText(one("[data-receipt-copied]", box), "");
  }
}

/** While the trustees decrypt: who is awaited, and a trustee's PIN field. */
function renderTallying(room, panel, tallying) {
  const box = one("[data-vote-tallying]", panel);
  show(box, !!tallying);
  if (!box || !tallying) {
    return;
  }
  const view = tallyingView(tallying, room.config.userId);
  setText(one("[data-waiting-names]", box),
    interpolate(room.W.waitingDecrypt, {names: view.waitingNames.join(", ")}));
  show(one("[data-decrypt]", box), view.mustDecrypt);
}

/** After a verifiable vote closed: the link to its record and how to check it. */
function renderRecord(panel, result) {
  const box = one("[data-vote-record]", panel);
  const verifiable = !!(result && result.verifiable);
  show(box, verifiable);
  if (verifiable) {
    const link = one("[data-record-link]", box);
    const href = `/api/v1/votes/${result.vote_id}/record`;
    if (link.getAttribute("href") !== href) {
      link.setAttribute("href", href);
      link.setAttribute("download", `bien-ban-kiem-phieu-${result.vote_id}.json`);
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

/** A verifiable vote's ballot: encrypted here, sent as ciphertexts with proofs, never a choice. */
function castEncrypted(room, button, open, choice, sent) {
  const {W} = room;
  busy(button, (done) => {
    encryptChoice(open, choice).then(({ballot, trackingCode}) => {
      room.send("ballot.cast", {vote_id: open.vote_id, ballot}, (ack) => {
        room.ui.pendingChoice = null;
        if (ack.ok) {
          if (ack.tracking_code !== trackingCode) {
            room.toast(W.codeMismatch); // the server did not store what this tablet sent
          }
          storeBallot(ack.vote_id, {choice, trackingCode: ack.tracking_code});
          room.state = withMyBallot(room.state, {...ack, choice}, sent);
          room.ui.changing = false;
        } else if (ack.error && ack.error.code === "timeout") {
          room.state = withBallotUnanswered(room.state, open.vote_id);
        }
        done();
      });
    }).catch((error) => {
      room.toast(interpolate(W.encryptFailed, {why: error.message}));
      done();
    });
  }, room.render);
}

/** The ack of a trustee's PIN (at closing, or afterwards): who is still awaited, at once. */
export function applyTallying(room, ack) {
  if (ack.ok && ack.status === "tallying") {
    const change = onVoteTallying(room.state, room.ui, ack);
    room.state = change.state;
    room.ui = change.ui;
  }
}

function copyCode(room, button) {
  const box = button.closest("[data-vote-receipt]");
  const full = one("[data-receipt-full]", box);
  const copied = () => setText(one("[data-receipt-copied]", box), room.W.copied);
  full.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(full.value).then(copied, () => {});
  } else if (document.execCommand && document.execCommand("copy")) {
    copied();
  }
}

export const actions = {
  "copy-tracking-code": copyCode,
  "decrypt-vote"(room, button) {
    const tallying = room.state.tallying_vote;
    const input = one("[data-decrypt-pin]", room.root);
    if (!tallying || !input) {
      return;
    }
    if (!input.value) {
      input.focus();
      return;
    }
    busy(button, (done) => {
      room.send("vote.decrypt", {vote_id: tallying.vote_id, pin: input.value}, (ack) => {
        if (ack.ok) {
          input.value = "";
          applyTallying(room, ack);
        }
        done();
      });
    }, room.render);
  },
  "confirm-ballot"(room, button) {
    const open = room.state.open_vote;
    const choice = room.ui.pendingChoice;
    if (!open || !choice) {
      return;
    }
    const payload = {vote_id: open.vote_id, choice};
    const sent = ballotSending(open); // to count this ballot at once when it is acknowledged
    if (open.secret || open.verifiable) { // a secret choice never leaves the tablet in clear
      castEncrypted(room, button, open, choice, sent);
      return;
    }
    busy(button, (done) => {
      room.send("ballot.cast", payload, (ack) => {
        room.ui.pendingChoice = null;
        if (ack.ok) {
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
