/* The meeting room over the document viewer: a bar at the foot of the screen with the item under
 * discussion and who has the floor (it opens onto the speakers, where a member may ask to speak),
 * and the vote panel when a vote opens — so a member reading a document never has to leave it to
 * follow the session or to vote.
 *
 * Nothing here is the room's logic again: the state and its broadcasts are meeting-room/live.js,
 * the panels are the room's own modules (speakers.js, vote.js) on the same markup
 * (meetings/_now.html, meetings/_vote_panel.html), and a ballot goes through the same
 * ``ballot.cast`` as in the room. Which vote reaches this tablet is the server's rule.
 */
import {interpolate} from "./lib/format.js";
import {bindClicks, followMeeting, makeRoom} from "./meeting-room/live.js";
import {one, setText} from "./meeting-room/dom.js";
import * as speakers from "./meeting-room/speakers.js";
import * as status from "./meeting-room/status.js";
import * as vote from "./meeting-room/vote.js";

/** The bar: the current item and the floor, in a line each. */
function renderBar(room) {
  const {root, state, W} = room;
  const item = room.itemsById[state.current_item_id];
  let title = W.noCurrent;
  if (item) {
    title = `${interpolate(W.item, {n: item.position})}. ${item.title}`;
  } else if (state.current_item_id !== null && state.current_item_id !== undefined) {
    title = W.hiddenItem;
  }
  setText(one("[data-room-item]", root), title);
  const floor = speakers.speakers(room);
  let line = W.noSpeaker;
  if (floor.speaking) {
    line = interpolate(W.speakingNow, {name: floor.speaking.name});
  }
  if (floor.waiting.length) {
    line = `${line} · ${interpolate(W.waitingCount, {n: floor.waiting.length})}`;
  }
  setText(one("[data-room-floor]", root), line);
}

function setOpen(room, open) {
  room.root.dataset.open = open ? "true" : "false";
  const toggle = one("[data-action=toggle-room]", room.root);
  if (toggle) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
}

/** Follows the meeting ``config`` (the room's config: meetings/room_config.py) over ``socket``. */
export function followTheRoom(socket, config) {
  const root = document.getElementById("viewer-room");
  if (!root) {
    return null;
  }
  const room = makeRoom(root, config, socket);
  room.inOverlay = true; // the vote panel shows over the page: nothing to scroll to
  room.render = () => {
    status.renderStatus(room);
    renderBar(room);
    speakers.renderCurrent(room);
    vote.renderVote(room);
    root.classList.toggle("has-vote", !!(one("#vote-panel", root) && !one("#vote-panel", root).hidden));
  };
  followMeeting(room, socket);
  bindClicks(room, {
    ...speakers.actions,
    ...vote.actions,
    "toggle-room"(r) {
      setOpen(r, r.root.dataset.open !== "true");
    },
  }, {choice: vote.choose});
  window.setInterval(() => speakers.tick(room), 1000);
  room.render();
  return room;
}
