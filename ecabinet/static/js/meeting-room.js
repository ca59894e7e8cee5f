/* The meeting room: every tablet follows the session live, and the chair runs it from here.
 *
 * The page starts from the state rendered into #meeting-data, connects to /live (the session
 * cookie authenticates), joins the meeting and renders what the join answers; then it applies
 * the room's broadcasts (meeting-room/live.js, shared with the panels over the document viewer).
 * After a reconnection it joins again, so a tablet that dropped out is right again at once, its
 * own ballot included.
 *
 * An ES module: this file wires the panels (meeting-room/*.js) to the socket and the page; how
 * each broadcast changes the state is in meeting-room/state.js (pure, tested with node --test).
 * The server's rules the page needs (when check-in is open, …) come in the config's "rules".
 */
import {connectLive} from "./lib/socket.js";
import * as agenda from "./meeting-room/agenda.js";
import * as attendance from "./meeting-room/attendance.js";
import * as chairConsole from "./meeting-room/console.js";
import {collapsingHeader} from "./lib/header.js";
import {bindClicks, followMeeting, makeRoom} from "./meeting-room/live.js";
import * as positions from "./meeting-room/positions.js";
import * as speakers from "./meeting-room/speakers.js";
import * as status from "./meeting-room/status.js";
import * as vote from "./meeting-room/vote.js";
import {onPositions} from "./meeting-room/state.js";

const root = document.getElementById("meeting-room");
const dataNode = document.getElementById("meeting-data");

if (root && dataNode && typeof window.io === "function") {
  start(JSON.parse(dataNode.textContent));
}

function start(config) {
  const socket = connectLive();
  const room = makeRoom(root, config, socket);

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
  room.renderProgress = () => {
    vote.renderVote(room);
    room.renderConsole();
  };
  room.onResult = (result) => agenda.addResult(room, result);
  room.refreshTallies = () => positions.refreshTallies(room);

  followMeeting(room, socket, {onJoined: room.refreshTallies});

  socket.on("connect", () => {
    status.renderConnection(room, "online");
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

  // Only the chair's and the secretariat's connections are in the room that hears this.
  socket.on("positions.changed", (data) => {
    const change = onPositions(room.state, room.ui, data, config.meetingId);
    if (change) {
      room.state = change.state;
      room.ui = change.ui;
      room.renderAgenda();
      room.renderConsole();
      positions.refreshNotes(room, data.agenda_item_id); // the broadcast carries counts, never who said what
    }
  });

  // --- the page's controls -----------------------------------------------------------------------

  bindClicks(room, {
    ...attendance.actions, ...agenda.actions, ...speakers.actions, ...vote.actions,
    ...positions.actions, ...chairConsole.actions,
  }, {
    choice: vote.choose,
    stance: positions.stance,
    transition: status.transition,
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
  collapsingHeader();
  room.render();
}
