/* The meeting room's state and how each broadcast changes it: pure functions (no DOM, no
 * socket), tested with `node --test` (tests/js/meeting-room-state.test.mjs).
 *
 * ``state`` is what meeting.join answers (see meetings/state.py) kept up to date by the
 * broadcasts; ``ui`` is what this tablet alone knows (a choice not yet confirmed, the last
 * result, the chair's tallies). Each function returns new objects and leaves its arguments as
 * they were; ``null`` means the event is not for this room and nothing changes.
 */

/** The agenda items by id. */
export function indexItems(items) {
  const byId = {};
  (items || []).forEach((item) => {
    byId[item.id] = item;
  });
  return byId;
}

/** What the tablet alone knows, before anything happened. */
export function initialUi() {
  return {
    pendingChoice: null, // chosen, not yet confirmed
    changing: false, // the member asked to change a ballot already cast
    result: null, // the last vote.closed, shown until dismissed
    panelShown: false,
    tallies: {}, // item id -> tally (chair and secretariat)
    tallyHeard: {}, // item id -> positions.changed heard for it (newer than a fetch on its way)
    notes: {}, // item id -> the positions with a note (the chair and the secretariat)
    questionEdited: false,
  };
}

/** ``me.checked_in`` as the attendance says (the attendance is the server's word). */
export function withMyAttendance(state, userId) {
  if (!state.me || !state.attendance) {
    return state;
  }
  return {...state, me: {...state.me, checked_in: state.attendance.present.indexOf(userId) !== -1}};
}

/**
 * The join's snapshot, with the positions this tablet saved while the join was on its way (the
 * snapshot may have been taken before they committed, and must not undo them on screen).
 */
export function joined(snapshot, savedSinceJoin) {
  return {...snapshot, me: {...snapshot.me, positions: {...snapshot.me.positions, ...savedSinceJoin}}};
}

/**
 * meeting.state. ``rejoin`` is true for a vote this tablet has not heard of, when it votes or
 * organises: it asks for the whole state, its own ballot included, and renders that instead.
 */
export function onMeetingState(state, pub, {meetingId, userId, hearsBallots}) {
  if (pub.meeting_id !== meetingId) {
    return null;
  }
  const next = {
    ...state,
    status: pub.status,
    current_item_id: pub.current_item_id,
    attendance: pub.attendance,
    speakers: pub.speakers,
    adopted_item_ids: pub.adopted_item_ids,
  };
  if (pub.uncontested_item_ids) {
    next.uncontested_item_ids = pub.uncontested_item_ids;
    next.uncontested_rule = pub.uncontested_rule;
  }
  const known = state.open_vote;
  if (!pub.open_vote) {
    next.open_vote = null;
  } else if (known && known.vote_id === pub.open_vote.vote_id) {
    next.open_vote = heardFigure(known, pub.open_vote);
  } else if (hearsBallots) {
    return {state: next, rejoin: true};
  } else {
    next.open_vote = pub.open_vote;
  }
  return {state: withMyAttendance(next, userId), rejoin: false};
}

/**
 * What this tablet alone shows, once the meeting's status is known: after the meeting ended no
 * vote result waits to be dismissed and no choice to be confirmed (each item's row carries its
 * outcome, as a reload shows it), so nothing on screen belongs to a session that is over.
 */
export function uiForStatus(ui, status) {
  if (status !== "closed" || (!ui.result && !ui.pendingChoice && !ui.changing)) {
    return ui;
  }
  return {...ui, result: null, pendingChoice: null, changing: false};
}

/** agenda.current */
export function onCurrentItem(state, data, meetingId) {
  if (data.meeting_id !== meetingId) {
    return null;
  }
  return {...state, current_item_id: data.agenda_item_id};
}

/** attendance.changed */
export function onAttendance(state, data, {meetingId, userId}) {
  if (data.meeting_id !== meetingId) {
    return null;
  }
  return withMyAttendance({...state, attendance: data}, userId);
}

/** speakers.changed: only the current item's queue is kept. */
export function onSpeakers(state, data, meetingId) {
  if (data.meeting_id !== meetingId || data.agenda_item_id !== state.current_item_id) {
    return null;
  }
  return {...state, speakers: data};
}

/** positions.changed (heard by the chair and the secretariat): an item's tally. */
export function onPositions(state, ui, data, meetingId) {
  if (data.meeting_id !== meetingId) {
    return null;
  }
  const id = data.agenda_item_id;
  const next = data.uncontested_item_ids ? {...state, uncontested_item_ids: data.uncontested_item_ids}
    : state;
  return {
    state: next,
    ui: {
      ...ui,
      tallies: {...ui.tallies, [id]: data.tally},
      tallyHeard: {...ui.tallyHeard, [id]: (ui.tallyHeard[id] || 0) + 1},
    },
  };
}

/**
 * The item a vote was opened on takes no more positions (the server refuses them): the join
 * lists such items (``voted_item_ids``), each vote heard of adds its own.
 */
function withVotedItem(state, itemId) {
  const voted = state.voted_item_ids || [];
  if (itemId === undefined || voted.indexOf(itemId) !== -1) {
    return state;
  }
  return {...state, voted_item_ids: [...voted, itemId]};
}

/** vote.opened: the tablet may vote when its user votes and is checked in. */
export function onVoteOpened(state, ui, vote, {isVoter}) {
  const me = state.me || {};
  const eligible = isVoter && !!me.checked_in;
  return {
    state: {...withVotedItem(state, vote.agenda_item_id),
      open_vote: {cast: 0, ...vote, mine: {eligible, voted: false, choice: null}}},
    ui: {...ui, result: null, pendingChoice: null, changing: false},
  };
}

/**
 * A figure of the server (vote.progress, meeting.state): its total, and one more figure heard
 * (``heard``: see :func:`withMyBallot`). ``floor``, what this tablet knows of its own ballot,
 * stays: the total never goes down (a ballot is changed, never withdrawn), so a figure counted
 * before the ballot committed, arriving after its acknowledgement, cannot take it back off.
 */
function heardFigure(open, figure) {
  return {...open, cast: figure.cast, eligible: figure.eligible, heard: (open.heard || 0) + 1};
}

/** vote.progress */
export function onVoteProgress(state, data) {
  const open = state.open_vote;
  if (!open || open.vote_id !== data.vote_id) {
    return null;
  }
  return {...state, open_vote: heardFigure(open, data)};
}

/**
 * vote.tallying: a verifiable vote's ballot box is closed and its trustees decrypt (who is
 * awaited: ``waiting_for``, the names in ``trustees``). The question and this tablet's own
 * tracking code stay from the open vote it knew (the broadcast is the same for everyone).
 */
export function onVoteTallying(state, ui, data) {
  const open = state.open_vote;
  const known = open && open.vote_id === data.vote_id ? open
    : state.tallying_vote && state.tallying_vote.vote_id === data.vote_id ? state.tallying_vote
      : null;
  const mine = known && (known.my_tracking_code || (known.mine && known.mine.tracking_code));
  const tallying = {
    ...data,
    question: known ? known.question : data.question,
    my_tracking_code: mine || data.my_tracking_code || null,
  };
  return {
    state: {...withVotedItem(state, data.agenda_item_id),
      open_vote: open && open.vote_id === data.vote_id ? null : open, tallying_vote: tallying},
    ui: {...ui, pendingChoice: null, changing: false},
  };
}

/**
 * vote.closed: the result (with the question this tablet knew) is shown until dismissed. A
 * verifiable vote's result says so (its record can be checked) and keeps this tablet's code.
 */
export function onVoteClosed(state, ui, result) {
  const open = state.open_vote;
  const tallying = state.tallying_vote;
  let shown = result;
  if (open && open.vote_id === result.vote_id) {
    shown = {...result, question: open.question, verifiable: !!open.verifiable,
      tracking_code: (open.mine && open.mine.tracking_code) || null};
  } else if (tallying && tallying.vote_id === result.vote_id) {
    shown = {...result, question: tallying.question, verifiable: true,
      tracking_code: tallying.my_tracking_code || null};
  }
  return {
    state: {...withVotedItem(state, result.agenda_item_id), open_vote: null,
      tallying_vote: tallying && tallying.vote_id === result.vote_id ? null : tallying || null},
    ui: {...ui, result: shown, pendingChoice: null, changing: false},
    result: shown,
  };
}

/** The position this tablet just saved, in ``me.positions``. */
export function withMyPosition(state, itemId, position) {
  return {...state, me: {...state.me, positions: {...state.me.positions, [String(itemId)]: position}}};
}

/** What :func:`withMyBallot` needs to know of the moment a ballot was sent. */
export function ballotSending(open) {
  return {voteId: open.vote_id, heard: open.heard || 0, first: !(open.mine && open.mine.voted)};
}

/**
 * The ballot just cast (``ack``), when its vote is still the open one. The count is coalesced
 * by the server (every half second), so the tablet counts its own first ballot at once: one
 * more than the last figure, as a floor (:func:`castCount`), only when that figure surely did
 * not hold it — no figure came while the ballot was on its way (one that did may have been
 * counted after the commit) and no earlier try went unanswered (it may have counted). A changed
 * ballot is not a new one. Otherwise the next figure, which the ballot itself triggers, tells.
 */
export function withMyBallot(state, ack, sent) {
  const open = state.open_vote;
  if (!open || open.vote_id !== ack.vote_id) {
    return state;
  }
  const mine = {eligible: true, voted: true, choice: ack.choice};
  if (ack.tracking_code) {
    mine.tracking_code = ack.tracking_code; // a verifiable ballot's receipt
  }
  const next = {...open, mine};
  if (sent && sent.voteId === open.vote_id && sent.first && !open.unanswered &&
      sent.heard === (open.heard || 0)) {
    next.floor = Math.max(open.floor || 0, (open.cast || 0) + 1);
  }
  return {...state, open_vote: next};
}

/** A ballot sent without an answer: it may have counted, so no later one adds to the count. */
export function withBallotUnanswered(state, voteId) {
  const open = state.open_vote;
  if (!open || open.vote_id !== voteId) {
    return state;
  }
  return {...state, open_vote: {...open, unanswered: true}};
}

/** The ballots cast in the open vote as this tablet knows: the server's figure or more. */
export function castCount(open) {
  return Math.max(open.cast || 0, open.floor || 0);
}

// --- what to show --------------------------------------------------------------------------------

/** The current item's speakers (none when the queue heard is another item's). */
export function currentSpeakers(state) {
  const speakers = state.speakers;
  if (!speakers || speakers.agenda_item_id !== state.current_item_id) {
    return [];
  }
  return speakers.queue || [];
}

/** The items the server offers for adoption without discussion (its rule, never restated here). */
export function uncontestedItems(state) {
  const offered = state.uncontested_item_ids || [];
  return (state.items || []).filter((item) => offered.indexOf(item.id) !== -1);
}

/** The item ``step`` places after (1) or before (-1) the current one, or null at either end. */
export function neighbourItem(state, step) {
  const ids = (state.items || []).map((item) => item.id);
  const at = ids.indexOf(state.current_item_id);
  const to = at + step;
  if (step > 0 ? at >= ids.length - 1 : at <= 0) {
    return null;
  }
  return ids[to];
}

/**
 * This tablet's ballot in the open vote. A secret ballot's choice is not the server's to tell:
 * ``kept`` is what this tablet stored when it cast it (null when nothing was kept).
 */
export function myBallot(open, kept) {
  const mine = open.mine || {eligible: false, voted: false, choice: null};
  if (open.secret && mine.voted && !mine.choice && kept) {
    const code = mine.tracking_code || kept.trackingCode;
    return {eligible: mine.eligible, voted: true, choice: kept.choice, secret: true,
      ...(code ? {tracking_code: code} : {})};
  }
  return mine;
}

/** The attendance card and the check-in button. */
export function attendanceView(state, {isParticipant, checkInOpen}) {
  const attendance = state.attendance || {present: [], quorum: {}};
  const quorum = attendance.quorum || {};
  const me = state.me || {};
  const open = checkInOpen.indexOf(state.status) !== -1;
  return {
    present: quorum.present || 0,
    total: quorum.total || 0,
    reached: !!quorum.reached,
    needed: quorum.needed || 0,
    presentIds: attendance.present,
    showCheckIn: isParticipant && open && !me.checked_in,
    showCheckedIn: isParticipant && !!me.checked_in,
  };
}

/**
 * One agenda row: whether it is under discussion, adopted, and the user's position on it. An
 * item is under discussion only while the session is live (``live``: the server's statuses):
 * not before it opens, nor while it is adjourned, nor once the meeting ended.
 */
export function agendaRowView(state, id, {live}) {
  const adopted = (state.adopted_item_ids || []).indexOf(id) !== -1;
  const positions = (state.me && state.me.positions) || {};
  return {
    current: id === state.current_item_id && live.indexOf(state.status) !== -1,
    adopted,
    // voted on or adopted: no more positions (the outcome is shown instead)
    settled: adopted || (state.voted_item_ids || []).indexOf(id) !== -1,
    mine: positions[String(id)],
  };
}

/** The speaker card: who speaks, who waits, and whether this user may ask for or withdraw. */
export function speakersView(state, {userId, isParticipant, hasItem, live, defaultLimit}) {
  const queue = currentSpeakers(state);
  const speaking = queue.filter((r) => r.status === "speaking")[0];
  const waiting = queue.filter((r) => r.status === "waiting");
  const mine = queue.filter((r) => r.user_id === userId)[0];
  const inSession = live && hasItem;
  return {
    speaking,
    waiting,
    limit: (state.speakers && state.speakers.limit_seconds) || defaultLimit,
    empty: !speaking && waiting.length === 0,
    canRequest: isParticipant && inSession && !mine,
    canWithdraw: inSession && !!mine && mine.status === "waiting",
    canGiveFloor: waiting.length > 0,
    canFinish: !!speaking,
  };
}

/** The vote panel while a vote is open: what this user sees and may do. */
export function ballotView(open, ui, kept) {
  const mine = myBallot(open, kept);
  const canVote = !!mine.eligible;
  const cast = castCount(open);
  const eligible = open.eligible || 0;
  return {
    mine,
    canVote,
    choosing: canVote && !ui.pendingChoice && (!mine.voted || ui.changing),
    confirming: canVote && !!ui.pendingChoice,
    done: canVote && mine.voted && !ui.changing && !ui.pendingChoice,
    cast,
    eligible,
  };
}

/** The chair's console: which of its buttons work now. */
export function consoleView(state, {live}) {
  const ids = (state.items || []).map((item) => item.id);
  const at = ids.indexOf(state.current_item_id);
  return {
    prevDisabled: !live || at <= 0,
    nextDisabled: !live || at >= ids.length - 1,
    // no vote opens while another is open or being tallied (the server refuses it too)
    canOpenVote: !state.open_vote && !state.tallying_vote,
  };
}

// --- verifiable secret votes (issue 10) ----------------------------------------------------------

/** The options in the order of a verifiable ballot's ciphertexts (meetings/verifiable.OPTIONS). */
export const BALLOT_OPTIONS = ["yes", "no", "abstain"];

/** A choice's index in the encrypted ballot. */
export function optionIndex(choice) {
  const index = BALLOT_OPTIONS.indexOf(choice);
  if (index === -1) {
    throw new Error(`no such option: ${choice}`);
  }
  return index;
}

/** A tracking code's short form, read aloud or compared at a glance: its first 12 digits. */
export function shortCode(code) {
  return code ? code.slice(0, 12).match(/.{1,4}/g).join(" ") : "";
}

/**
 * While a verifiable vote is tallied: the names still awaited, and whether this user is one
 * of them (then the tablet asks for their PIN).
 */
export function tallyingView(tallying, userId) {
  if (!tallying) {
    return null;
  }
  const waiting = tallying.waiting_for || [];
  const trustees = tallying.trustees || [];
  return {
    waitingNames: trustees.filter((t) => waiting.indexOf(t.user_id) !== -1).map((t) => t.name),
    mustDecrypt: waiting.indexOf(userId) !== -1,
    given: trustees.filter((t) => t.decrypted).length,
    threshold: tallying.threshold || trustees.length,
  };
}

/**
 * What the chair's console sends to open a vote: a verifiable one with its trustees' PINs
 * (``pins``: user id → the PIN typed), each trustee named once; ``missing`` lists the
 * trustees without a PIN (the form says so instead of sending).
 */
export function openVotePayload({question, rule, secret}, trustees, pins) {
  const payload = {question, secret: !!secret, rule};
  if (!secret) {
    return {payload, missing: []};
  }
  // Every secret vote is verifiable: its trustees each give the PIN that wraps their share.
  const missing = trustees.filter((t) => !(pins[t.user_id] || "").trim()).map((t) => t.user_id);
  payload.verifiable = true;
  payload.trustees = trustees.map((t) => ({user_id: t.user_id, pin: pins[t.user_id] || ""}));
  return {payload, missing};
}
