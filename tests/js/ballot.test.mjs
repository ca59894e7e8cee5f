// The tablet's ballot encryption (ecabinet/static/js/lib/ballot.js). Agreement with the server's
// Python, both ways, is tested in tests/ballots/test_browser_ballot.py; the vectors below were
// computed by ecabinet.ballots.group.
import assert from "node:assert/strict";
import {test} from "node:test";

import {ed25519} from "@noble/curves/ed25519.js";
import {bytesToHex} from "@noble/hashes/utils.js";

import {
  context, encodeParts, encryptBallot, hashToScalar, readPoint, trackingCode, verifyBallot,
} from "../../ecabinet/static/js/lib/ballot.js";

const Fn = ed25519.Point.Fn;
const publicKey = bytesToHex(ed25519.Point.BASE.multiply(123456789n).toBytes());
const ctx = context({voteId: "42", publicKey, options: 3});

test("the hash input and the challenge are the server's", () => {
  assert.equal(bytesToHex(encodeParts("ế", 258)), "00000003e1babf0000000400000102");
  const c = hashToScalar("ecabinet/test", "Biểu quyết", new Uint8Array([1, 2]), 7);
  assert.equal(bytesToHex(Fn.toBytes(c)),
    "9d30d7748727adfde2c4938dfb9100b496f12d570cc0f65a41706fe517309503");
});

test("an encrypted ballot verifies, for every choice, and says nothing in clear", () => {
  for (const choice of [0, 1, 2]) {
    const {ballot, trackingCode: code} = encryptBallot(ctx, choice);
    assert.equal(verifyBallot(ctx, ballot), true);
    assert.equal(code, trackingCode(ctx, ballot));
    assert.match(code, /^[0-9a-f]{64}$/);
    assert.equal(ballot.ciphertexts.length, 3);
  }
  // Two encryptions of the same choice share nothing.
  const [one, two] = [encryptBallot(ctx, 1).ballot, encryptBallot(ctx, 1).ballot];
  assert.notEqual(one.ciphertexts[1].a, two.ciphertexts[1].a);
});

test("a tampered ballot or one for another vote is refused", () => {
  const {ballot} = encryptBallot(ctx, 0);
  const swapped = structuredClone(ballot);
  [swapped.ciphertexts[0], swapped.ciphertexts[1]] = [swapped.ciphertexts[1], swapped.ciphertexts[0]];
  assert.throws(() => verifyBallot(ctx, swapped), /option 0/);
  const otherVote = context({voteId: "43", publicKey, options: 3});
  assert.throws(() => verifyBallot(otherVote, ballot), /option 0/);
  const badSum = structuredClone(ballot);
  badSum.sum_proof.c = badSum.proofs[0].c0;
  assert.throws(() => verifyBallot(ctx, badSum), /exactly one/);
});

test("points outside the prime-order group and bad choices are refused", () => {
  assert.throws(() => readPoint("01" + "00".repeat(31)));  // the identity
  assert.throws(() => readPoint("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"));
  assert.throws(() => encryptBallot(ctx, 3), /no such option/);
});
