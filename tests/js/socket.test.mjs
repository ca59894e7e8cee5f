// Events sent with an acknowledgement (ecabinet/static/js/lib/socket.js), on a fake socket.
import assert from "node:assert/strict";
import {test} from "node:test";

import {ACK_TIMEOUT, connectLive, send} from "../../ecabinet/static/js/lib/socket.js";

function fakeSocket(reply) {
  const sent = [];
  return {
    sent,
    timeout(ms) {
      return {
        emit(event, payload, callback) {
          sent.push({ms, event, payload});
          reply(callback);
        },
      };
    },
  };
}

test("the server's acknowledgement is passed on as it is, at once", () => {
  const socket = fakeSocket((callback) => callback(null, {ok: true, state: {}}));
  let got = null;
  send(socket, "meeting.join", {meeting_id: 1}, (ack) => { got = ack; });
  assert.deepEqual(got, {ok: true, state: {}}); // synchronously: before any later broadcast
  assert.deepEqual(socket.sent, [{ms: ACK_TIMEOUT, event: "meeting.join", payload: {meeting_id: 1}}]);
});

test("no answer in time is a refusal with the page's words", () => {
  const socket = fakeSocket((callback) => callback(new Error("operation has timed out")));
  let got = null;
  send(socket, "vote.close", {}, (ack) => { got = ack; }, {noAnswer: "No answer.", timeout: 50});
  assert.deepEqual(got, {ok: false, error: {code: "timeout", message: "No answer."}});
  assert.equal(socket.sent[0].ms, 50);
});

test("an empty acknowledgement is a refusal", () => {
  const socket = fakeSocket((callback) => callback(null, undefined));
  let got = null;
  send(socket, "presenter.stop", {}, (ack) => { got = ack; });
  assert.deepEqual(got, {ok: false});
});

test("done is optional", () => {
  send(fakeSocket((callback) => callback(null, {ok: true})), "agenda.set_current", {});
});

test("connectLive opens /live and reconnects within five seconds", () => {
  const opened = [];
  connectLive((path, options) => { opened.push([path, options]); return {}; });
  assert.deepEqual(opened, [["/live", {reconnectionDelayMax: 5000}]]);
});
