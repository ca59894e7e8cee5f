// HTTP with the CSRF header (ecabinet/static/js/lib/http.js), against a stubbed fetch.
import assert from "node:assert/strict";
import {afterEach, beforeEach, test} from "node:test";

import {api, csrfToken, errorMessage} from "../../ecabinet/static/js/lib/http.js";

let calls;

function answer(status, body) {
  globalThis.fetch = async (url, options) => {
    calls.push({url, options});
    return {
      ok: status >= 200 && status < 300,
      status,
      json: async () => (typeof body === "string" ? JSON.parse(body) : body),
    };
  };
}

beforeEach(() => {
  calls = [];
  globalThis.document = {
    querySelector: (selector) => (selector === 'meta[name="csrf-token"]' ? {content: "tok"} : null),
  };
});

afterEach(() => {
  delete globalThis.fetch;
  delete globalThis.document;
});

test("the token comes from the page's meta, or is empty", () => {
  assert.equal(csrfToken(), "tok");
  assert.equal(csrfToken({querySelector: () => null}), "");
});

test("a write sends JSON with the CSRF header and the cookie", async () => {
  answer(200, {stance: "agree"});
  const data = await api("PUT", "/api/x", {stance: "agree"});
  assert.deepEqual(data, {stance: "agree"});
  const {url, options} = calls[0];
  assert.equal(url, "/api/x");
  assert.equal(options.method, "PUT");
  assert.equal(options.credentials, "same-origin");
  assert.equal(options.headers["X-CSRFToken"], "tok");
  assert.equal(options.headers["Content-Type"], "application/json");
  assert.equal(options.body, '{"stance":"agree"}');
});

test("a read sends no body and no token", async () => {
  answer(200, []);
  assert.deepEqual(await api("GET", "/api/y"), []);
  const {options} = calls[0];
  assert.equal(options.body, undefined);
  assert.equal(options.headers["X-CSRFToken"], undefined);
  assert.equal(options.headers["Content-Type"], undefined);
  assert.equal(options.headers.Accept, "application/json");
});

test("204 answers null", async () => {
  answer(204, "not json");
  assert.equal(await api("DELETE", "/api/z"), null);
});

test("a refusal rejects with the API's message and its answer", async () => {
  const refusal = {error: {code: "conflict", message: "The vote is closed."}};
  answer(409, refusal);
  await assert.rejects(api("POST", "/api/v", {}, {fallback: "Try again."}), (error) => {
    assert.equal(error.message, "The vote is closed.");
    assert.deepEqual(error.data, refusal);
    return true;
  });
});

test("a refusal without a JSON message rejects with the fallback", async () => {
  answer(502, "<html>Bad gateway</html>");
  await assert.rejects(api("POST", "/api/v", {}, {fallback: "Try again."}), {message: "Try again."});
});

test("errorMessage", () => {
  assert.equal(errorMessage({error: {message: "No."}}, "x"), "No.");
  assert.equal(errorMessage({ok: false}, "x"), "x");
  assert.equal(errorMessage(undefined, "x"), "x");
});
