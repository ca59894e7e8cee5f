/* The meeting's status (badge, what each status shows), the connection badge, and the chair's
 * buttons that move the meeting on (open, adjourn, resume, end: the JSON API). */
import {all, busy, one, setText, show} from "./dom.js";

export function renderStatus(room) {
  const {root, state, W} = room;
  root.dataset.status = state.status;
  const badge = one("[data-status-badge]", root);
  if (badge) {
    badge.className = `status-badge status-${state.status}`;
    setText(badge, W.status[state.status] || state.status);
  }
  all("[data-show-when]", root).forEach((element) => {
    show(element, element.dataset.showWhen.split(" ").indexOf(state.status) !== -1);
  });
}

/** ``name``: online or offline. */
export function renderConnection(room, name) {
  const badge = one("[data-connection]", room.root);
  if (badge) {
    badge.dataset.state = name;
    setText(badge, room.W[name]);
  }
}

/** A click on a [data-transition] button. */
export function transition(room, button) {
  const to = button.dataset.transition;
  if (to === "adjourned" && !window.confirm(room.W.adjournConfirm)) {
    return;
  }
  if (to === "closed" && !window.confirm(room.W.endConfirm)) {
    return;
  }
  busy(button, (done) => {
    room.api("POST", room.config.urls.transition, {to}).then((meeting) => {
      room.state = {...room.state, status: meeting.status};
    }).catch((error) => {
      room.toast(error.message);
    }).then(done);
  }, room.render);
}
