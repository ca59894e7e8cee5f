/* Following a meeting over /live: the state a tablet keeps and the broadcasts that change it.
 *
 * Shared by the meeting room page (meeting-room.js) and the room's panels over the document
 * viewer (viewer-room.js), so a member reading a document hears the same current item, the same
 * floor and the same vote as in the room, and casts a ballot through the same ``ballot.cast``.
 * What each broadcast does to the state is in state.js (pure); this file wires them to a socket
 * and asks the page to render. Which broadcasts reach a tablet is the server's rule (one room
 * per audience: a confidential item's vote reaches only its voters); nothing is re-derived here.
 *
 * A room object carries ``root``, ``config`` (meetingId, userId, isVoter, isOrganiser, …,
 * ``rules``, ``words``, the first ``state``), and the page's ``render()``; optional hooks:
 * ``renderProgress()`` (a vote's counts only), ``onResult(result)`` (a vote just closed).
 */
import {api, errorMessage} from "../lib/http.js";
import {send} from "../lib/socket.js";
import {one} from "./dom.js";
import {
  indexItems, initialUi, joined, onAttendance, onCurrentItem, onMeetingState, onSpeakers,
  onVoteClosed, onVoteOpened, onVoteProgress, onVoteTallying, uiForStatus,
} from "./state.js";
import {forgetBallot} from "./vote.js";

/** The room object the panels render from, talking to the server through ``socket``. */
export function makeRoom(root, config, socket) {
  const W = config.words;
  const room = {
    root,
    config,
    W,
    state: config.state,
    ui: initialUi(),
    itemsById: indexItems(config.state.items),
    // Positions this tablet saved while a join was on its way: the join's snapshot may have been
    // taken before they committed, and must not undo them on screen.
    savedSinceJoin: {},
    render() {},
  };
  room.isLive = () => config.rules.live.indexOf(room.state.status) !== -1;

  let toastTimer = null;
  room.toast = (message) => {
    const box = one("[data-toast]", root);
    if (!box) {
      return;
    }
    box.textContent = message;
    box.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(() => {
      box.hidden = true;
    }, 7000);
  };

  /** Emit with an acknowledgement; ``done(ack)`` gets {ok: false, error} on a timeout too. */
  room.send = (event, payload, done) => {
    send(socket, event, payload, (ack) => {
      if (!ack.ok) {
        room.toast(errorMessage(ack, W.error));
      }
      if (done) {
        done(ack);
      }
    }, {noAnswer: W.noAnswer});
  };
  room.api = (method, url, body) => api(method, url, body, {fallback: W.error});
  room.withMeeting = (payload) => ({...payload, meeting_id: config.meetingId});
  room.currentItemPayload = (extra) =>
    ({...room.withMeeting({agenda_item_id: room.state.current_item_id}), ...(extra || {})});
  room.setCurrent = (itemId) => room.send("agenda.set_current", room.withMeeting({agenda_item_id: itemId}));
  return room;
}

/**
 * Joins the meeting on every (re)connection and applies the broadcasts to ``room.state``.
 * ``onJoined()`` runs after each join was rendered.
 */
export function followMeeting(room, socket, {onJoined} = {}) {
  const {config} = room;
  const here = {meetingId: config.meetingId, userId: config.userId};

  function join() {
    room.savedSinceJoin = {};
    room.send("meeting.join", {meeting_id: config.meetingId}, (ack) => {
      if (ack.ok) {
        room.state = joined(ack.state, room.savedSinceJoin);
        room.itemsById = indexItems(room.state.items);
        room.render();
        if (onJoined) {
          onJoined();
        }
      }
    });
  }
  room.join = join;

  socket.on("connect", join);
  socket.on("meeting.rejoin", (data) => {
    // The agenda or the invitations changed: what this tablet may hear is decided again.
    if (data.meeting_id === config.meetingId) {
      join();
    }
  });

  socket.on("meeting.state", (pub) => {
    const change = onMeetingState(room.state, pub, {
      ...here, hearsBallots: config.isVoter || config.isOrganiser,
    });
    if (!change) {
      return;
    }
    room.state = change.state;
    if (change.rejoin) {
      join(); // a vote this tablet has not heard of: ask for the whole state, own ballot included
      return;
    }
    room.ui = uiForStatus(room.ui, room.state.status);
    room.render();
  });

  /** A broadcast whose state change (``update``: state.js) is rendered in full. */
  function follow(event, update) {
    socket.on(event, (data) => {
      const next = update(room.state, data);
      if (next) {
        room.state = next;
        room.render();
      }
    });
  }

  follow("agenda.current", (state, data) => onCurrentItem(state, data, config.meetingId));
  follow("attendance.changed", (state, data) => onAttendance(state, data, here));
  follow("speakers.changed", (state, data) => onSpeakers(state, data, config.meetingId));

  socket.on("vote.opened", (opened) => {
    const change = onVoteOpened(room.state, room.ui, opened, {isVoter: config.isVoter});
    room.state = change.state;
    room.ui = change.ui;
    room.render();
  });

  socket.on("vote.progress", (data) => {
    const next = onVoteProgress(room.state, data);
    if (next) {
      room.state = next;
      (room.renderProgress || room.render)();
    }
  });

  // A verifiable vote's ballot box closed: its trustees decrypt (and who is awaited changes).
  socket.on("vote.tallying", (data) => {
    const change = onVoteTallying(room.state, room.ui, data);
    room.state = change.state;
    room.ui = change.ui;
    room.render();
  });

  socket.on("vote.closed", (result) => {
    const change = onVoteClosed(room.state, room.ui, result);
    room.state = change.state;
    room.ui = change.ui;
    forgetBallot(result.vote_id);
    if (room.onResult) {
      room.onResult(change.result);
    }
    room.render();
  });
}

/**
 * The clicks on the panels' buttons under ``room.root``: first ``special`` (a data attribute →
 * its handler: a vote's choice, a position, …), then ``actions[data-action]``.
 */
export function bindClicks(room, actions, special) {
  room.root.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target || target.disabled || !room.root.contains(target)) {
      return;
    }
    const attribute = Object.keys(special).find((name) => target.dataset[name]);
    if (attribute) {
      special[attribute](room, target);
      return;
    }
    const action = actions[target.dataset.action];
    if (action) {
      action(room, target);
    }
  });
}
