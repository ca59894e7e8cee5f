/* The meeting room: every tablet follows the session live, and the chair runs it from here.
 *
 * The page starts from the state rendered into #meeting-data, connects to /live (the session
 * cookie authenticates), joins the meeting and renders what the join answers; then it applies
 * the room's broadcasts. After a reconnection it joins again, so a tablet that dropped out is
 * right again at once, its own ballot included.
 *
 * An ES module: this file wires the panels (meeting-room/*.js) to the socket and the page; how
 * each broadcast changes the state is in meeting-room/state.js (pure, tested with node --test).
 * The server's rules the page needs (when check-in is open, …) come in the config's "rules".
 */
import {api, errorMessage} from "./lib/http.js";
import {connectLive, send} from "./lib/socket.js";
import * as agenda from "./meeting-room/agenda.js";
import * as attendance from "./meeting-room/attendance.js";
import * as chairConsole from "./meeting-room/console.js";
import * as positions from "./meeting-room/positions.js";
import * as speakers from "./meeting-room/speakers.js";
import * as status from "./meeting-room/status.js";
import * as vote from "./meeting-room/vote.js";
import {one} from "./meeting-room/dom.js";
import {
  indexItems, initialUi, joined, onAttendance, onCurrentItem, onMeetingState, onPositions,
  onSpeakers, onVoteClosed, onVoteOpened, onVoteProgress,
} from "./meeting-room/state.js";

const root = document.getElementById("meeting-room");
const dataNode = document.getElementById("meeting-data");

if (root && dataNode && typeof window.io === "function") {
  start(JSON.parse(dataNode.textContent));
}

function start(config) {
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
  };

  // --- rendering ---------------------------------------------------------------------------------

  room.render = () => {
    status.renderStatus(room);
    attendance.renderAttendance(room);
    agenda.renderAgenda(room);
    speakers.renderCurrent(room);
    vote.renderVote(room);
    chairConsole.renderConsole(room);
  };
  room.renderAgenda = () => agenda.renderAgenda(room);
  room.renderConsole = () => chairConsole.renderConsole(room);
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

  // --- talking to the server ---------------------------------------------------------------------

  const socket = connectLive();

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
  room.refreshTallies = () => positions.refreshTallies(room);

  function setState(next) {
    room.state = next;
  }

  function join() {
    room.savedSinceJoin = {};
    room.send("meeting.join", {meeting_id: config.meetingId}, (ack) => {
      if (ack.ok) {
        setState(joined(ack.state, room.savedSinceJoin));
        room.itemsById = indexItems(room.state.items);
        room.render();
        room.refreshTallies();
      }
    });
  }

  const here = {meetingId: config.meetingId, userId: config.userId};

  socket.on("connect", () => {
    status.renderConnection(room, "online");
    join();
  });
  socket.on("disconnect", (reason) => {
    status.renderConnection(room, "offline");
    if (reason === "io server disconnect") {
      // The server cut this connection (the session ended or the token was revoked) and will
      // not take it back: reloading shows the sign-in page when the session is gone.
      window.location.reload();
    }
  });
  socket.on("connect_error", () => {
    status.renderConnection(room, "offline");
  });

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
    setState(change.state);
    if (change.rejoin) {
      join(); // a vote this tablet has not heard of: ask for the whole state, own ballot included
      return;
    }
    room.render();
  });

  /** A broadcast whose state change (``update``: state.js) is rendered in full. */
  function follow(event, update) {
    socket.on(event, (data) => {
      const next = update(room.state, data);
      if (next) {
        setState(next);
        room.render();
      }
    });
  }

  follow("agenda.current", (state, data) => onCurrentItem(state, data, config.meetingId));
  follow("attendance.changed", (state, data) => onAttendance(state, data, here));
  follow("speakers.changed", (state, data) => onSpeakers(state, data, config.meetingId));

  // Only the chair's and the secretariat's connections are in the room that hears this.
  socket.on("positions.changed", (data) => {
    const change = onPositions(room.state, room.ui, data, config.meetingId);
    if (change) {
      setState(change.state);
      room.ui = change.ui;
      room.renderAgenda();
      room.renderConsole();
      positions.refreshNotes(room, data.agenda_item_id); // the broadcast carries counts, never who said what
    }
  });

  socket.on("vote.opened", (opened) => {
    const change = onVoteOpened(room.state, room.ui, opened, {isVoter: config.isVoter});
    setState(change.state);
    room.ui = change.ui;
    room.render();
  });

  socket.on("vote.progress", (data) => {
    const next = onVoteProgress(room.state, data);
    if (next) {
      setState(next);
      vote.renderVote(room);
      room.renderConsole();
    }
  });

  socket.on("vote.closed", (result) => {
    const change = onVoteClosed(room.state, room.ui, result);
    setState(change.state);
    room.ui = change.ui;
    vote.forgetBallot(result.vote_id);
    agenda.addResult(room, change.result);
    room.render();
  });

  // --- the page's controls -----------------------------------------------------------------------

  const actions = {
    ...attendance.actions, ...agenda.actions, ...speakers.actions, ...vote.actions,
    ...positions.actions, ...chairConsole.actions,
  };

  root.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target || target.disabled || !root.contains(target)) {
      return;
    }
    if (target.dataset.choice) {
      vote.choose(room, target);
      return;
    }
    if (target.dataset.stance) {
      positions.stance(room, target);
      return;
    }
    if (target.dataset.transition) {
      status.transition(room, target);
      return;
    }
    const action = actions[target.dataset.action];
    if (action) {
      action(room, target);
    }
  });

  root.addEventListener("input", (event) => {
    if (event.target.matches("[data-note]")) {
      event.target.dataset.dirty = "1";
    }
    if (event.target.name === "question") {
      room.ui.questionEdited = true;
    }
  });

  chairConsole.bindVoteForm(room);
  window.setInterval(() => speakers.tick(room), 1000);
  room.render();
}
