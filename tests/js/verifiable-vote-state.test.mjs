// A verifiable secret vote on the tablet (issue 10): how the room's state follows the ballot
// box closing and the trustees decrypting, what the panels show, what the console sends
// (ecabinet/static/js/meeting-room/state.js), and that a choice encrypted the way the panel
// does it (lib/ballot.js) is a ballot the server's checks accept.
import assert from "node:assert/strict";
import {test} from "node:test";

import {ed25519} from "@noble/curves/ed25519.js";
import {bytesToHex} from "@noble/hashes/utils.js";

import {context, encryptBallot, verifyBallot} from "../../ecabinet/static/js/lib/ballot.js";
import {
  BALLOT_OPTIONS, consoleView, initialUi, joined, myBallot, onMeetingState, onVoteClosed,
  onVoteTallying, openVotePayload, optionIndex, shortCode, tallyingView, withMyBallot,
} from "../../ecabinet/static/js/meeting-room/state.js";

const MEETING = 7;
const ME = 42;
const CODE = "3f2a9c1b77e0" + "ab".repeat(26);
const TRUSTEES = [{user_id: 1, name: "Trần Minh Quang"}, {user_id: 2, name: "Vũ Thị Lan"}];

function openVote(extra = {}) {
  return {vote_id: 5, agenda_item_id: 11, question: "Thông qua?", secret: true, verifiable: true,
    public_key: "ab", rule: "majority_of_present", cast: 1, eligible: 4,
    mine: {eligible: true, voted: true, choice: "yes", tracking_code: CODE}, ...extra};
}

function tallying(waiting = [2]) {
  return {vote_id: 5, agenda_item_id: 11, status: "tallying", threshold: 2,
    trustees: TRUSTEES.map((t, i) => ({...t, number: i + 1, decrypted: waiting.indexOf(t.user_id) === -1})),
    waiting_for: waiting};
}

const base = {meeting_id: MEETING, status: "in_session", items: [{id: 11}], me: {positions: {}}};

test("the ack's tracking code is the tablet's receipt of its ballot", () => {
  const state = {...base, open_vote: openVote({mine: {eligible: true, voted: false, choice: null}})};
  const next = withMyBallot(state, {ok: true, vote_id: 5, tracking_code: CODE, choice: "no"}, null);
  assert.deepEqual(next.open_vote.mine, {eligible: true, voted: true, choice: "no", tracking_code: CODE});
  // a reconnected tablet: the server says it voted (with its code), the choice kept here
  const rejoined = openVote({mine: {eligible: true, voted: true, choice: null, tracking_code: CODE}});
  assert.equal(myBallot(rejoined, {choice: "no", trackingCode: CODE}).tracking_code, CODE);
  assert.equal(myBallot(rejoined, {choice: "no", trackingCode: "kept"}).tracking_code, CODE);
  const lost = openVote({mine: {eligible: true, voted: true, choice: null}});
  assert.equal(myBallot(lost, {choice: "no", trackingCode: CODE}).choice, "no");
  assert.equal(myBallot(lost, {choice: "no", trackingCode: CODE}).tracking_code, CODE);
});

test("the box closing: the open vote goes, the tallying keeps the question and my code", () => {
  const state = {...base, open_vote: openVote()};
  const change = onVoteTallying(state, {...initialUi(), pendingChoice: "yes"}, tallying());
  assert.equal(change.state.open_vote, null);
  assert.equal(change.state.tallying_vote.question, "Thông qua?");
  assert.equal(change.state.tallying_vote.my_tracking_code, CODE);
  assert.equal(change.ui.pendingChoice, null);
  // a second trustee's decryption heard later: still my code and the question
  const later = onVoteTallying(change.state, change.ui, tallying([]));
  assert.equal(later.state.tallying_vote.my_tracking_code, CODE);
  assert.equal(later.state.tallying_vote.question, "Thông qua?");
  assert.deepEqual(later.state.tallying_vote.waiting_for, []);
  // meeting.state (open_vote null) leaves the tallying alone
  const heard = onMeetingState(later.state, {meeting_id: MEETING, status: "in_session",
    current_item_id: 11, attendance: {present: []}, speakers: {}, adopted_item_ids: [], open_vote: null},
  {meetingId: MEETING, userId: ME, hearsBallots: true});
  assert.equal(heard.state.tallying_vote.vote_id, 5);
});

test("a join during the tallying carries it (with this reader's code)", () => {
  const snapshot = {...base, open_vote: null, tallying_vote: {...tallying(), my_tracking_code: CODE}};
  assert.equal(joined(snapshot, {}).tallying_vote.my_tracking_code, CODE);
});

test("the result of a verifiable vote says so and keeps my tracking code", () => {
  const during = onVoteTallying({...base, open_vote: openVote()}, initialUi(), tallying()).state;
  const result = {vote_id: 5, agenda_item_id: 11, outcome: "adopted", rule: "majority_of_present",
    tally: {yes: 3, no: 0, abstain: 1, absent: 0}, decided_by_chair: false};
  const closed = onVoteClosed(during, initialUi(), result);
  assert.equal(closed.state.tallying_vote, null);
  assert.equal(closed.ui.result.verifiable, true);
  assert.equal(closed.ui.result.tracking_code, CODE);
  assert.equal(closed.ui.result.question, "Thông qua?");
  // a plain vote's result: not verifiable, no code
  const plain = onVoteClosed({...base, open_vote: openVote({verifiable: false,
    mine: {eligible: true, voted: true, choice: "yes"}})}, initialUi(), result);
  assert.equal(plain.ui.result.verifiable, false);
  assert.equal(plain.ui.result.tracking_code, null);
});

test("who is awaited, by name, and whether this user must give their PIN", () => {
  assert.equal(tallyingView(null, ME), null);
  const view = tallyingView(tallying([2]), 2);
  assert.deepEqual(view.waitingNames, ["Vũ Thị Lan"]);
  assert.equal(view.mustDecrypt, true);
  assert.equal(view.given, 1);
  assert.equal(tallyingView(tallying([2]), 1).mustDecrypt, false);
  assert.deepEqual(tallyingView(tallying([1, 2]), ME).waitingNames, ["Trần Minh Quang", "Vũ Thị Lan"]);
});

test("no vote opens from the console while one is tallied", () => {
  assert.equal(consoleView({...base, open_vote: null}, {live: true}).canOpenVote, true);
  assert.equal(consoleView({...base, open_vote: openVote()}, {live: true}).canOpenVote, false);
  assert.equal(consoleView({...base, open_vote: null, tallying_vote: tallying()}, {live: true})
    .canOpenVote, false);
});

test("the console's opening: every secret vote with its trustees' PINs, a named one without", () => {
  const fields = {question: "Q?", rule: "majority_of_present"};
  assert.deepEqual(openVotePayload({...fields, secret: false}, TRUSTEES, {1: "x"}),
    {payload: {question: "Q?", rule: "majority_of_present", secret: false}, missing: []});
  // "verifiable" is not the console's to choose any more: secret means verifiable.
  const unasked = openVotePayload({...fields, secret: true, verifiable: false}, TRUSTEES, {});
  assert.equal(unasked.payload.verifiable, true);
  assert.deepEqual(unasked.missing, [1, 2]);
  const {payload, missing} = openVotePayload({...fields, secret: true}, TRUSTEES,
    {1: "246810", 2: "  "});
  assert.deepEqual(missing, [2]);
  assert.equal(payload.verifiable, true);
  assert.deepEqual(payload.trustees, [{user_id: 1, pin: "246810"}, {user_id: 2, pin: "  "}]);
});

test("short codes and the options' order", () => {
  assert.equal(shortCode(CODE), "3f2a 9c1b 77e0");
  assert.equal(shortCode(null), "");
  assert.deepEqual(BALLOT_OPTIONS, ["yes", "no", "abstain"]);
  assert.equal(optionIndex("abstain"), 2);
  assert.throws(() => optionIndex("maybe"));
});

test("a choice encrypted as the panel does is a ballot the checks accept", () => {
  const publicKey = bytesToHex(ed25519.Point.BASE.multiply(123456789n).toBytes());
  const ctx = context({voteId: 5, publicKey, options: BALLOT_OPTIONS.length});
  const {ballot, trackingCode} = encryptBallot(ctx, optionIndex("no"));
  assert.equal(verifyBallot(ctx, ballot), true);
  assert.match(trackingCode, /^[0-9a-f]{64}$/);
  assert.equal(JSON.stringify(ballot).indexOf("no"), -1); // no choice in clear
});
