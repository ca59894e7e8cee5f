// How the meeting room's state follows the broadcasts, and what its panels show
// (ecabinet/static/js/meeting-room/state.js): pure functions, no DOM, no socket.
import assert from "node:assert/strict";
import {test} from "node:test";

import {
  agendaRowView, attendanceView, ballotSending, ballotView, castCount, consoleView, currentSpeakers, indexItems, initialUi,
  joined, myBallot, neighbourItem, onAttendance, onCurrentItem, onMeetingState, onPositions,
  onSpeakers, onVoteClosed, onVoteOpened, onVoteProgress, speakersView, uiForStatus,
  uncontestedItems,
  withBallotUnanswered, withMyAttendance, withMyBallot, withMyPosition,
} from "../../ecabinet/static/js/meeting-room/state.js";

const MEETING = 7;
const ME = 42;
const here = {meetingId: MEETING, userId: ME};
const RULES = {checkInOpen: ["adjourned", "in_session", "published"]};

function attendance(present, quorum = {}) {
  return {meeting_id: MEETING, present,
    quorum: {present: present.length, total: 5, needed: 3, reached: present.length >= 3, ...quorum}};
}

function speakersOf(itemId, queue) {
  return {meeting_id: MEETING, agenda_item_id: itemId, limit_seconds: 300, queue};
}

function snapshot(extra = {}) {
  return {
    meeting_id: MEETING,
    status: "in_session",
    current_item_id: 11,
    attendance: attendance([]),
    speakers: speakersOf(11, []),
    open_vote: null,
    adopted_item_ids: [],
    items: [{id: 10, position: 1, title: "Budget"}, {id: 11, position: 2, title: "Roads"},
      {id: 12, position: 3, title: "Schools"}],
    me: {user_id: ME, role: "member", checked_in: false, positions: {}},
    ...extra,
  };
}

function publicState(extra = {}) {
  const {items, me, ...pub} = snapshot(extra);
  return pub;
}

function frozen(value) {
  return JSON.parse(JSON.stringify(value));
}

test("indexItems maps ids to items", () => {
  const byId = indexItems(snapshot().items);
  assert.equal(byId[12].title, "Schools");
  assert.deepEqual(indexItems(undefined), {});
});

test("withMyAttendance follows the attendance list", () => {
  const state = snapshot({attendance: attendance([ME])});
  assert.equal(withMyAttendance(state, ME).me.checked_in, true);
  assert.equal(withMyAttendance(state, 1).me.checked_in, false);
  const noAttendance = snapshot({attendance: null});
  assert.equal(withMyAttendance(noAttendance, ME), noAttendance);
});

test("joined keeps the positions saved while the join was on its way", () => {
  const snap = snapshot({me: {user_id: ME, checked_in: true, positions: {10: {stance: "object", note: null}}}});
  const state = joined(snap, {11: {stance: "agree", note: "yes"}});
  assert.deepEqual(state.me.positions, {10: {stance: "object", note: null}, 11: {stance: "agree", note: "yes"}});
  assert.equal(snap.me.positions[11], undefined); // the snapshot is left as it was
});

test("meeting.state of another meeting changes nothing", () => {
  assert.equal(onMeetingState(snapshot(), {...publicState(), meeting_id: 8}, {...here, hearsBallots: true}), null);
});

test("meeting.state replaces the public part and marks my attendance", () => {
  const before = snapshot();
  const copy = frozen(before);
  const pub = publicState({status: "adjourned", current_item_id: 12, attendance: attendance([ME, 2]),
    adopted_item_ids: [10]});
  const {state, rejoin} = onMeetingState(before, pub, {...here, hearsBallots: false});
  assert.equal(rejoin, false);
  assert.equal(state.status, "adjourned");
  assert.equal(state.current_item_id, 12);
  assert.deepEqual(state.adopted_item_ids, [10]);
  assert.equal(state.me.checked_in, true);
  assert.deepEqual(state.items, before.items); // the snapshot's own part stays
  assert.deepEqual(before, copy);
  assert.equal(state.uncontested_item_ids, undefined); // a member's broadcast has none
});

test("meeting.state for the chair carries the uncontested items", () => {
  const pub = {...publicState(), uncontested_item_ids: [12], uncontested_rule: "no objection"};
  const {state} = onMeetingState(snapshot({uncontested_item_ids: [10]}), pub, {...here, hearsBallots: true});
  assert.deepEqual(state.uncontested_item_ids, [12]);
  assert.equal(state.uncontested_rule, "no objection");
});

test("meeting.state updates the counts of the vote this tablet knows", () => {
  const open = {vote_id: 3, agenda_item_id: 11, question: "Approve?", cast: 1, eligible: 4,
    mine: {eligible: true, voted: true, choice: "yes"}};
  const pub = publicState({open_vote: {vote_id: 3, agenda_item_id: 11, cast: 2, eligible: 5}});
  const {state, rejoin} = onMeetingState(snapshot({open_vote: open}), pub, {...here, hearsBallots: true});
  assert.equal(rejoin, false);
  assert.deepEqual(state.open_vote, {...open, cast: 2, eligible: 5, heard: 1}); // a server figure heard
  assert.equal(open.cast, 1);
});

test("a vote this tablet has not heard of: a voter joins again, an observer takes the counts", () => {
  const pub = publicState({open_vote: {vote_id: 4, agenda_item_id: 11, cast: 0, eligible: 5}});
  const voter = onMeetingState(snapshot(), pub, {...here, hearsBallots: true});
  assert.equal(voter.rejoin, true);
  const observer = onMeetingState(snapshot(), pub, {...here, hearsBallots: false});
  assert.equal(observer.rejoin, false);
  assert.deepEqual(observer.state.open_vote, pub.open_vote);
});

test("meeting.state without a vote closes the one shown", () => {
  const {state} = onMeetingState(snapshot({open_vote: {vote_id: 3}}), publicState(), {...here, hearsBallots: true});
  assert.equal(state.open_vote, null);
});

test("agenda.current moves the current item", () => {
  assert.equal(onCurrentItem(snapshot(), {meeting_id: MEETING, agenda_item_id: 12}, MEETING).current_item_id, 12);
  assert.equal(onCurrentItem(snapshot(), {meeting_id: 8, agenda_item_id: 12}, MEETING), null);
});

test("attendance.changed replaces the attendance and marks mine", () => {
  const state = onAttendance(snapshot(), attendance([ME]), here);
  assert.deepEqual(state.attendance.present, [ME]);
  assert.equal(state.me.checked_in, true);
  assert.equal(onAttendance(snapshot(), {...attendance([ME]), meeting_id: 8}, here), null);
});

test("speakers.changed is kept for the current item only", () => {
  const queue = [{request_id: 1, user_id: ME, name: "Me", status: "waiting"}];
  assert.deepEqual(onSpeakers(snapshot(), speakersOf(11, queue), MEETING).speakers.queue, queue);
  assert.equal(onSpeakers(snapshot(), speakersOf(12, queue), MEETING), null);
  assert.equal(onSpeakers(snapshot(), {...speakersOf(11, queue), meeting_id: 8}, MEETING), null);
});

test("positions.changed counts the broadcasts heard per item", () => {
  const ui = initialUi();
  const tally = {agree: 1, object: 0, speak: 0, none: 4};
  const first = onPositions(snapshot(), ui, {meeting_id: MEETING, agenda_item_id: 11, tally}, MEETING);
  assert.deepEqual(first.ui.tallies, {11: tally});
  assert.deepEqual(first.ui.tallyHeard, {11: 1});
  assert.deepEqual(ui.tallyHeard, {});
  const second = onPositions(first.state, first.ui,
    {meeting_id: MEETING, agenda_item_id: 11, tally, uncontested_item_ids: [11]}, MEETING);
  assert.deepEqual(second.ui.tallyHeard, {11: 2});
  assert.deepEqual(second.state.uncontested_item_ids, [11]);
  assert.equal(onPositions(snapshot(), ui, {meeting_id: 8, agenda_item_id: 11}, MEETING), null);
});

test("vote.opened: a checked-in voter may vote; the last result and a pending choice go", () => {
  const vote = {vote_id: 5, agenda_item_id: 11, question: "Approve?", rule: "majority_present", secret: false};
  const ui = {...initialUi(), result: {vote_id: 4}, pendingChoice: "no", changing: true};
  const checkedIn = snapshot({me: {user_id: ME, checked_in: true, positions: {}}});
  const opened = onVoteOpened(checkedIn, ui, vote, {isVoter: true});
  assert.deepEqual(opened.state.open_vote, {cast: 0, ...vote, mine: {eligible: true, voted: false, choice: null}});
  assert.equal(opened.ui.result, null);
  assert.equal(opened.ui.pendingChoice, null);
  assert.equal(opened.ui.changing, false);
  assert.equal(onVoteOpened(snapshot(), ui, vote, {isVoter: true}).state.open_vote.mine.eligible, false);
  assert.equal(onVoteOpened(checkedIn, ui, vote, {isVoter: false}).state.open_vote.mine.eligible, false);
});

test("vote.progress updates the open vote's counts only", () => {
  const state = snapshot({open_vote: {vote_id: 5, cast: 0, eligible: 3}});
  assert.deepEqual(onVoteProgress(state, {vote_id: 5, cast: 2, eligible: 3}).open_vote,
    {vote_id: 5, cast: 2, eligible: 3, heard: 1});
  assert.equal(onVoteProgress(state, {vote_id: 6, cast: 2, eligible: 3}), null);
  assert.equal(onVoteProgress(snapshot(), {vote_id: 5, cast: 2, eligible: 3}), null);
});

test("vote.closed shows the result with the question this tablet knew", () => {
  const state = snapshot({open_vote: {vote_id: 5, question: "Approve?"}});
  const result = {vote_id: 5, agenda_item_id: 11, outcome: "adopted", tally: {yes: 3, no: 1, abstain: 0, absent: 1}};
  const closed = onVoteClosed(state, {...initialUi(), pendingChoice: "yes", changing: true}, result);
  assert.equal(closed.state.open_vote, null);
  assert.equal(closed.result.question, "Approve?");
  assert.equal(closed.ui.result, closed.result);
  assert.equal(closed.ui.pendingChoice, null);
  assert.equal(closed.ui.changing, false);
  assert.equal(result.question, undefined);
  const unknown = onVoteClosed(snapshot(), initialUi(), result);
  assert.equal(unknown.result.question, undefined);
});

test("my position and my ballot", () => {
  const state = withMyPosition(snapshot(), 11, {stance: "speak", note: null});
  assert.deepEqual(state.me.positions, {11: {stance: "speak", note: null}});
  const voting = snapshot({open_vote: {vote_id: 5, mine: {eligible: true, voted: false, choice: null}}});
  assert.deepEqual(withMyBallot(voting, {vote_id: 5, choice: "no"}).open_vote.mine,
    {eligible: true, voted: true, choice: "no"});
  assert.equal(withMyBallot(voting, {vote_id: 6, choice: "no"}), voting);
});

test("currentSpeakers is the current item's queue only", () => {
  const queue = [{request_id: 1, status: "waiting"}];
  assert.deepEqual(currentSpeakers(snapshot({speakers: speakersOf(11, queue)})), queue);
  assert.deepEqual(currentSpeakers(snapshot({speakers: speakersOf(10, queue)})), []);
  assert.deepEqual(currentSpeakers(snapshot({speakers: null})), []);
});

test("uncontestedItems lists what the server offers, in agenda order", () => {
  assert.deepEqual(uncontestedItems(snapshot({uncontested_item_ids: [12, 10]})).map((i) => i.position), [1, 3]);
  assert.deepEqual(uncontestedItems(snapshot()), []);
});

test("neighbourItem stops at either end; without a current item, next is the first", () => {
  assert.equal(neighbourItem(snapshot(), 1), 12);
  assert.equal(neighbourItem(snapshot(), -1), 10);
  assert.equal(neighbourItem(snapshot({current_item_id: 12}), 1), null);
  assert.equal(neighbourItem(snapshot({current_item_id: 10}), -1), null);
  assert.equal(neighbourItem(snapshot({current_item_id: null}), 1), 10);
  assert.equal(neighbourItem(snapshot({current_item_id: null}), -1), null);
  assert.equal(neighbourItem(snapshot({items: [], current_item_id: null}), 1), null);
});

test("myBallot: a secret ballot's choice comes from what this tablet kept", () => {
  const secret = {vote_id: 5, secret: true, mine: {eligible: true, voted: true, choice: null}};
  assert.deepEqual(myBallot(secret, {choice: "abstain"}),
    {eligible: true, voted: true, choice: "abstain", secret: true});
  assert.deepEqual(myBallot(secret, null), secret.mine);
  const open = {vote_id: 5, secret: false, mine: {eligible: true, voted: true, choice: "yes"}};
  assert.equal(myBallot(open, {choice: "no"}), open.mine);
  assert.deepEqual(myBallot({vote_id: 5}, null), {eligible: false, voted: false, choice: null});
});

test("attendanceView: check-in while the rules keep it open, until checked in", () => {
  const published = snapshot({status: "published", attendance: attendance([2, 3, 4])});
  const view = attendanceView(published, {isParticipant: true, ...RULES});
  assert.deepEqual(view, {present: 3, total: 5, reached: true, needed: 3, presentIds: [2, 3, 4],
    showCheckIn: true, showCheckedIn: false});
  assert.equal(attendanceView(snapshot({status: "closed"}), {isParticipant: true, ...RULES}).showCheckIn, false);
  assert.equal(attendanceView(published, {isParticipant: false, ...RULES}).showCheckIn, false);
  const mine = snapshot({me: {checked_in: true, positions: {}}});
  assert.equal(attendanceView(mine, {isParticipant: true, ...RULES}).showCheckIn, false);
  assert.equal(attendanceView(mine, {isParticipant: true, ...RULES}).showCheckedIn, true);
  const none = attendanceView(snapshot({attendance: null}), {isParticipant: true, ...RULES});
  assert.deepEqual([none.present, none.total, none.reached, none.needed], [0, 0, false, 0]);
});

test("agendaRowView: the current item is marked only while the session is live", () => {
  const state = snapshot({adopted_item_ids: [10], me: {positions: {11: {stance: "agree", note: "ok"}}}});
  const live = {live: ["in_session"]};
  assert.deepEqual(agendaRowView(state, 11, live),
    {current: true, adopted: false, settled: false, mine: {stance: "agree", note: "ok"}});
  assert.deepEqual(agendaRowView(state, 10, live), {current: false, adopted: true, settled: true, mine: undefined});
  // before the session opens, while it is adjourned, and after it ended (issue 9, point 8)
  for (const status of ["published", "adjourned", "closed"]) {
    assert.equal(agendaRowView({...state, status}, 11, live).current, false, status);
  }
});

test("speakersView: who speaks, who waits, and what this user may do", () => {
  const queue = [
    {request_id: 1, user_id: 2, name: "A", status: "speaking", started_at: "2026-12-05T08:00:00"},
    {request_id: 2, user_id: ME, name: "Me", status: "waiting"},
    {request_id: 3, user_id: 4, name: "B", status: "waiting"},
  ];
  const state = snapshot({speakers: speakersOf(11, queue)});
  const options = {userId: ME, isParticipant: true, hasItem: true, live: true, defaultLimit: 300};
  const view = speakersView(state, options);
  assert.equal(view.speaking.name, "A");
  assert.deepEqual(view.waiting.map((r) => r.request_id), [2, 3]);
  assert.equal(view.limit, 300);
  assert.equal(view.empty, false);
  assert.equal(view.canRequest, false); // already asked
  assert.equal(view.canWithdraw, true);
  assert.equal(view.canGiveFloor, true);
  assert.equal(view.canFinish, true);
  const other = speakersView(state, {...options, userId: 99});
  assert.equal(other.canRequest, true);
  assert.equal(other.canWithdraw, false);
  assert.equal(speakersView(state, {...options, userId: 99, live: false}).canRequest, false);
  assert.equal(speakersView(state, {...options, userId: 99, hasItem: false}).canRequest, false);
  const quiet = speakersView(snapshot({speakers: {...speakersOf(11, []), limit_seconds: 0}}),
    {...options, defaultLimit: 120});
  assert.deepEqual([quiet.empty, quiet.canGiveFloor, quiet.canFinish, quiet.limit], [true, false, false, 120]);
});

test("ballotView: choose, confirm, done, and changing a ballot", () => {
  const open = {vote_id: 5, cast: 1, eligible: 4, mine: {eligible: true, voted: false, choice: null}};
  const ui = initialUi();
  assert.deepEqual(ballotView(open, ui, null), {mine: open.mine, canVote: true, choosing: true,
    confirming: false, done: false, cast: 1, eligible: 4});
  const pending = ballotView(open, {...ui, pendingChoice: "yes"}, null);
  assert.deepEqual([pending.choosing, pending.confirming, pending.done], [false, true, false]);
  const voted = {...open, mine: {eligible: true, voted: true, choice: "yes"}};
  const done = ballotView(voted, ui, null);
  assert.deepEqual([done.choosing, done.confirming, done.done], [false, false, true]);
  const changing = ballotView(voted, {...ui, changing: true}, null);
  assert.deepEqual([changing.choosing, changing.done], [true, false]);
  const observer = ballotView({vote_id: 5}, ui, null);
  assert.deepEqual([observer.canVote, observer.choosing, observer.cast, observer.eligible], [false, false, 0, 0]);
});

test("consoleView: previous and next work during the session, not past the ends", () => {
  assert.deepEqual(consoleView(snapshot(), {live: true}), {prevDisabled: false, nextDisabled: false, canOpenVote: true});
  assert.deepEqual(consoleView(snapshot({current_item_id: 10}), {live: true}), {prevDisabled: true, nextDisabled: false, canOpenVote: true});
  assert.deepEqual(consoleView(snapshot({current_item_id: 12}), {live: true}), {prevDisabled: false, nextDisabled: true, canOpenVote: true});
  assert.deepEqual(consoleView(snapshot(), {live: false}), {prevDisabled: true, nextDisabled: true, canOpenVote: true});
});

// --- an item once voted on, or adopted, takes no more positions (issue 9 point 1) ---------------

test("agendaRowView: an item voted on or adopted is settled, from the join and as votes open", () => {
  const live = {live: ["in_session"]};
  const joinedState = snapshot({adopted_item_ids: [10], voted_item_ids: [12]});
  assert.equal(agendaRowView(joinedState, 10, live).settled, true);
  assert.equal(agendaRowView(joinedState, 11, live).settled, false);
  assert.equal(agendaRowView(joinedState, 12, live).settled, true);
  const vote = {vote_id: 5, agenda_item_id: 11, question: "Approve?", secret: false};
  const opened = onVoteOpened(joinedState, initialUi(), vote, {isVoter: true});
  assert.equal(agendaRowView(opened.state, 11, live).settled, true);
  // a tablet that heard only the close (it joined after the vote opened, without the list)
  const closed = onVoteClosed(snapshot(), initialUi(), {vote_id: 5, agenda_item_id: 11,
    outcome: "adopted", tally: {yes: 1, no: 0, abstain: 0, absent: 0}});
  assert.equal(agendaRowView(closed.state, 11, live).settled, true);
  assert.deepEqual(snapshot().voted_item_ids, undefined); // an older snapshot: nothing settled
  assert.equal(agendaRowView(snapshot(), 11, live).settled, false);
});

// --- the tablet counts its own acknowledged ballot at once (walk: "Đã biểu quyết: 0/3") ------

function openVote(extra = {}) {
  return snapshot({open_vote: {vote_id: 5, agenda_item_id: 11, question: "Approve?", secret: false,
    cast: 0, eligible: 3, mine: {eligible: true, voted: false, choice: null}, ...extra}});
}

test("a first ballot acknowledged counts at once, and the coalesced progress does not add it again", () => {
  let state = openVote();
  const sent = ballotSending(state.open_vote);
  state = withMyBallot(state, {vote_id: 5, choice: "yes"}, sent);
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 1);
  // the next figure may have been counted before the ballot committed: never below what we know
  state = onVoteProgress(state, {vote_id: 5, cast: 0, eligible: 3});
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 1);
  // the figure with it (and another member's): the server's total, not one more
  state = onVoteProgress(state, {vote_id: 5, cast: 2, eligible: 3});
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 2);
  // meeting.state carries the server's figure too
  const pub = publicState({open_vote: {vote_id: 5, agenda_item_id: 11, cast: 3, eligible: 3}});
  state = onMeetingState(state, pub, {...here, hearsBallots: true}).state;
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 3);
});

test("a changed ballot does not count twice", () => {
  let state = openVote({cast: 1, mine: {eligible: true, voted: true, choice: "yes"}});
  state = withMyBallot(state, {vote_id: 5, choice: "no"}, ballotSending(state.open_vote));
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 1);
  assert.deepEqual(state.open_vote.mine, {eligible: true, voted: true, choice: "no"});
});

test("a figure heard while the ballot was on its way may hold it already: not added", () => {
  let state = openVote({cast: 1});
  const sent = ballotSending(state.open_vote);
  state = onVoteProgress(state, {vote_id: 5, cast: 2, eligible: 3}); // counted after the commit?
  state = withMyBallot(state, {vote_id: 5, choice: "yes"}, sent);
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 2);
});

test("after an unanswered ballot (it may have counted), a retry's acknowledgement adds nothing", () => {
  let state = openVote({cast: 0});
  state = withBallotUnanswered(state, 5);
  state = onVoteProgress(state, {vote_id: 5, cast: 1, eligible: 3}); // the first try counted
  state = withMyBallot(state, {vote_id: 5, choice: "yes"}, ballotSending(state.open_vote));
  assert.equal(ballotView(state.open_vote, initialUi(), null).cast, 1);
});

test("the chair's console shows the same count as the panel", () => {
  let state = openVote();
  state = withMyBallot(state, {vote_id: 5, choice: "yes"}, ballotSending(state.open_vote));
  assert.equal(castCount(state.open_vote), 1);
  assert.equal(castCount({vote_id: 5, cast: 4}), 4);
  assert.equal(castCount({vote_id: 5}), 0);
});

// --- the meeting ended: the last result panel goes, as after a reload (walk: "Không thông qua"
// kept over an ended meeting on every tablet that had not dismissed it; issue 9, point 8) ----

test("uiForStatus: a meeting that ended keeps no vote result or choice on screen", () => {
  const result = {vote_id: 5, agenda_item_id: 10, outcome: "rejected"};
  const shown = {...initialUi(), result, pendingChoice: "yes", tallies: {10: {agree: 1}}};
  assert.equal(uiForStatus(shown, "in_session"), shown);
  assert.equal(uiForStatus(shown, "adjourned"), shown);
  const ended = uiForStatus(shown, "closed");
  assert.deepEqual([ended.result, ended.pendingChoice, ended.changing], [null, null, false]);
  assert.deepEqual(ended.tallies, {10: {agree: 1}}); // the chair's tallies stay
  assert.equal(shown.result, result); // its argument left as it was
});
