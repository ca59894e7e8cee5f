/* The live connection (Socket.IO namespace /live; the session cookie authenticates) and events
 * sent with an acknowledgement that may not come. */

/** Seconds a page waits for the server's acknowledgement before it says there was no answer. */
export const ACK_TIMEOUT = 10000;

/** The page's connection to /live (the vendored socket.io client sets window.io). */
export function connectLive(io = globalThis.io) {
  return io("/live", {reconnectionDelayMax: 5000});
}

/**
 * Emits ``event`` and calls ``done(ack)`` with the server's acknowledgement: {ok: false, error:
 * {code: "timeout", message: noAnswer}} when none comes in time, {ok: false} when it is empty.
 * ``done`` runs inside the acknowledgement's callback, so the ack is applied before any event
 * the server sent after it.
 */
export function send(socket, event, payload, done, {noAnswer = "", timeout = ACK_TIMEOUT} = {}) {
  socket.timeout(timeout).emit(event, payload, (err, ack) => {
    const answer = err ? {ok: false, error: {code: "timeout", message: noAnswer}} : ack;
    if (done) {
      done(answer || {ok: false});
    }
  });
}
