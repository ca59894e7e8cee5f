/* The "now" card: the item under discussion, who has the floor (with a timer), who waits, and
 * the user's request to speak; the chair gives and ends the turns. */
import {busy, one, setText, show} from "./dom.js";
import {speakersView} from "./state.js";
import {clock, interpolate, secondsSince} from "../lib/format.js";

function renderItem(room, card) {
  const {state, W} = room;
  const item = room.itemsById[state.current_item_id];
  const title = one("[data-current-title]", card);
  if (state.current_item_id === null || state.current_item_id === undefined) {
    setText(title, W.noCurrent);
    setText(one("[data-current-meta]", card), "");
  } else if (!item) {
    setText(title, W.hiddenItem);
    setText(one("[data-current-meta]", card), "");
  } else {
    setText(title, `${interpolate(W.item, {n: item.position})}. ${item.title}`);
    const meta = [item.presenting_agency, item.presenter && item.presenter.name,
      item.duration_min && interpolate(W.minutes, {n: item.duration_min})].filter(Boolean);
    setText(one("[data-current-meta]", card), meta.join(" · "));
  }
  return item;
}

/** What the card and the chair's speaker buttons show. */
export function speakers(room) {
  const {config, state} = room;
  return speakersView(state, {
    userId: config.userId,
    isParticipant: config.isParticipant,
    hasItem: !!room.itemsById[state.current_item_id],
    live: room.isLive(),
    defaultLimit: config.rules.speakerLimitSeconds,
  });
}

export function renderCurrent(room) {
  const {root, config, W} = room;
  const card = one("#now", root);
  if (!card) {
    return;
  }
  renderItem(room, card);
  const view = speakers(room);
  const now = one("[data-speaker-now]", card);
  show(now, !!view.speaking);
  if (view.speaking) {
    const speaking = view.speaking;
    setText(one("[data-speaker-name]", now),
      speaking.user_id === config.userId ? `${speaking.name} — ${W.youSpeak}` : speaking.name);
    now.dataset.startedAt = speaking.started_at || "";
    now.dataset.limit = String(view.limit);
    tick(room);
  }
  const list = one("[data-speaker-queue]", card);
  const signature = JSON.stringify(view.waiting.map((r) => r.request_id));
  if (list.dataset.signature !== signature) {
    list.dataset.signature = signature;
    list.textContent = "";
    view.waiting.forEach((request) => {
      const li = document.createElement("li");
      li.className = `speaker${request.user_id === config.userId ? " is-me" : ""}`;
      const name = document.createElement("span");
      name.className = "speaker-name";
      name.textContent = request.name;
      li.appendChild(name);
      if (config.isChair) {
        const give = document.createElement("button");
        give.type = "button";
        give.className = "btn btn-small";
        give.dataset.action = "give-floor";
        give.dataset.requestId = String(request.request_id);
        give.textContent = W.giveFloor;
        li.appendChild(give);
      }
      list.appendChild(li);
    });
  }
  show(one("[data-speaker-empty]", card), view.empty);
  show(one("[data-action=request-floor]", card), view.canRequest);
  show(one("[data-action=withdraw-floor]", card), view.canWithdraw);
}

/** The speaker's timer, every second; it turns red past the speaking time. */
export function tick(room) {
  const now = one("[data-speaker-now]", room.root);
  if (!now || now.hidden || !now.dataset.startedAt) {
    return;
  }
  const seconds = secondsSince(now.dataset.startedAt);
  const timer = one("[data-timer]", now);
  setText(timer, clock(seconds));
  timer.classList.toggle("is-over", seconds > Number(now.dataset.limit || room.config.rules.speakerLimitSeconds));
}

function onCurrentItem(event, extra) {
  return (room, button) => {
    busy(button, (done) => {
      room.send(event, room.currentItemPayload(extra && extra(button)), done);
    }, room.render);
  };
}

export const actions = {
  "request-floor": onCurrentItem("speaker.request"),
  "withdraw-floor": onCurrentItem("speaker.withdraw"),
  "give-floor": onCurrentItem("speaker.give_floor", (button) => ({
    request_id: button.dataset.requestId ? Number(button.dataset.requestId) : null,
  })),
  "finish-speaker": onCurrentItem("speaker.finish"),
};
