/* Attendance and quorum: the counts, each person's presence, and the user's check-in. */
import {all, busy, one, setText, show} from "./dom.js";
import {attendanceView} from "./state.js";
import {interpolate} from "../lib/format.js";

export function renderAttendance(room) {
  const {root, W, config} = room;
  const view = attendanceView(room.state, {
    isParticipant: config.isParticipant, checkInOpen: config.rules.checkInOpen,
  });
  setText(one("[data-present]", root), String(view.present));
  setText(one("[data-total]", root), String(view.total));
  const badge = one("[data-quorum]", root);
  if (badge) {
    badge.classList.toggle("is-reached", view.reached);
    setText(badge, view.reached ? W.quorumReached : W.quorumMissing);
  }
  setText(one("[data-needed]", root), interpolate(W.needed, {n: view.needed}));
  show(one("[data-action=checkin]", root), view.showCheckIn);
  show(one("[data-checked-in]", root), view.showCheckedIn);
  all(".person[data-user-id]", root).forEach((row) => {
    const here = view.presentIds.indexOf(Number(row.dataset.userId)) !== -1;
    row.classList.toggle("is-present", here);
    setText(one("[data-presence-text]", row), here ? W.present : W.absent);
  });
}

export const actions = {
  checkin(room, button) {
    busy(button, (done) => {
      room.send("attendance.checkin", room.withMeeting({}), (ack) => {
        if (ack.ok) {
          room.state = {...room.state, me: {...room.state.me, checked_in: true}};
        }
        done();
      });
    }, room.render);
  },
};
