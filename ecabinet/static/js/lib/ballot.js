/* A secret ballot encrypted on the tablet (issue 10): the browser's half of ecabinet/ballots/.
 *
 * Same group, encodings, hashes and proofs as the server's Python (docs/secret-votes.md):
 * - group: ed25519's prime-order subgroup, through @noble/curves (points: 32-byte compressed
 *   encoding; scalars: 32 bytes little endian below L; both lowercase hex in JSON);
 * - hash to scalar: SHA-512 over the length-prefixed parts (4-byte big-endian length, then the
 *   bytes; a string is its UTF-8, an integer its 4-byte big-endian form), reduced modulo L;
 * - challenges always start with the vote's context: vote id, public key, number of options.
 * No arithmetic is written here: points and scalars are @noble/curves' (Point, Point.Fn).
 *
 * In the browser the bare "@noble/…" specifiers resolve through the page's import map to
 * /static/vendor/noble/; under Node (tests/js) through node_modules. */

import {ed25519} from "@noble/curves/ed25519.js";
import {bytesToNumberLE} from "@noble/curves/utils.js";
import {sha256, sha512} from "@noble/hashes/sha2.js";
import {bytesToHex, hexToBytes, randomBytes, utf8ToBytes} from "@noble/hashes/utils.js";

const Point = ed25519.Point;
const Fn = Point.Fn;

export const BIT = "ecabinet/ballot/v1/bit";
export const SUM = "ecabinet/ballot/v1/sum";
export const TRACK = "ecabinet/ballot/v1/track";

/** The length-prefixed encoding every hash reads (ecabinet.ballots.group.encode_parts). */
export function encodeParts(...parts) {
  const chunks = [];
  for (let part of parts) {
    if (typeof part === "number") {
      if (!Number.isInteger(part) || part < 0 || part > 0xffffffff) {
        throw new Error("an integer part is 0…2^32-1");
      }
      const word = new Uint8Array(4);
      new DataView(word.buffer).setUint32(0, part);
      part = word;
    } else if (typeof part === "string") {
      part = utf8ToBytes(part);
    } else if (!(part instanceof Uint8Array)) {
      throw new Error("a part is bytes, a string or an integer");
    }
    const length = new Uint8Array(4);
    new DataView(length.buffer).setUint32(0, part.length);
    chunks.push(length, part);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Fiat–Shamir challenge: SHA-512 of the encoded parts, reduced modulo L. */
export function hashToScalar(domain, ...parts) {
  return Fn.create(bytesToNumberLE(sha512(encodeParts(domain, ...parts))));
}

function randomScalar() {
  for (;;) {
    const s = Fn.create(bytesToNumberLE(randomBytes(64)));
    if (s !== 0n) {
      return s;
    }
  }
}

const G = Point.BASE;
const hex = (value) => bytesToHex(typeof value === "bigint" ? Fn.toBytes(value) : value.toBytes());

/** s·P, 0·P and s·0 being the identity (noble's multiply wants 1 ≤ s < L). */
function mul(s, point) {
  return s === 0n || point.is0() ? Point.ZERO : point.multiply(s);
}

/** A point from outside: canonical, on the curve, in the prime-order subgroup, not the identity. */
export function readPoint(text) {
  const point = Point.fromBytes(hexToBytes(text));
  if (point.is0() || !point.isTorsionFree() || hex(point) !== text.toLowerCase()) {
    throw new Error("not an element of the prime-order group");
  }
  return point;
}

function readScalar(text) {
  const bytes = hexToBytes(text);
  const s = bytesToNumberLE(bytes);
  if (bytes.length !== 32 || s >= Fn.ORDER) {
    throw new Error("scalar not reduced modulo the group order");
  }
  return s;
}

/** s·base − c·target: the commitment a response implies. */
function commit(s, c, base, target) {
  return mul(s, base).subtract(mul(c, target));
}

function contextParts(ctx) {
  return [ctx.voteId, ctx.publicKey.toBytes(), ctx.options];
}

/** {voteId, publicKey (hex), options (a count)} → the context the proofs are bound to. */
export function context({voteId, publicKey, options}) {
  return {voteId: String(voteId), publicKey: readPoint(publicKey), options};
}

function proveBit(ctx, j, a, b, m, r) {
  const h = ctx.publicKey;
  const fake = 1 - m;
  const cFake = randomScalar();
  const sFake = randomScalar();
  const w = randomScalar();
  const shifted = fake ? b.subtract(G) : b;
  const commits = [];
  commits[fake] = [commit(sFake, cFake, G, a), commit(sFake, cFake, h, shifted)];
  commits[m] = [G.multiply(w), h.multiply(w)];
  const c = hashToScalar(BIT, ...contextParts(ctx), j, a.toBytes(), b.toBytes(),
    ...commits[0].map((p) => p.toBytes()), ...commits[1].map((p) => p.toBytes()));
  const cReal = Fn.sub(c, cFake);
  const sReal = Fn.add(w, Fn.mul(cReal, r));
  const cs = [];
  const ss = [];
  cs[m] = cReal; cs[fake] = cFake;
  ss[m] = sReal; ss[fake] = sFake;
  return {c0: hex(cs[0]), c1: hex(cs[1]), s0: hex(ss[0]), s1: hex(ss[1])};
}

function verifyBit(ctx, j, a, b, proof) {
  const [c0, c1, s0, s1] = ["c0", "c1", "s0", "s1"].map((k) => readScalar(proof[k]));
  const h = ctx.publicKey;
  const commits = [];
  for (const [v, c, s] of [[0, c0, s0], [1, c1, s1]]) {
    const shifted = v ? b.subtract(G) : b;
    commits.push(commit(s, c, G, a).toBytes(), commit(s, c, h, shifted).toBytes());
  }
  const expected = hashToScalar(BIT, ...contextParts(ctx), j, a.toBytes(), b.toBytes(),
    ...commits);
  return Fn.add(c0, c1) === expected;
}

function proveSumOne(ctx, a, b, r) {
  const w = randomScalar();
  const c = hashToScalar(SUM, ...contextParts(ctx), a.toBytes(), b.toBytes(),
    G.multiply(w).toBytes(), ctx.publicKey.multiply(w).toBytes());
  return {c: hex(c), s: hex(Fn.add(w, Fn.mul(c, r)))};
}

function verifySumOne(ctx, a, b, proof) {
  const c = readScalar(proof.c);
  const s = readScalar(proof.s);
  const commitA = commit(s, c, G, a);
  const commitB = commit(s, c, ctx.publicKey, b.subtract(G));
  return hashToScalar(SUM, ...contextParts(ctx), a.toBytes(), b.toBytes(), commitA.toBytes(),
    commitB.toBytes()) === c;
}

/** The ballot's tracking code (ecabinet.ballots.ballot.tracking_code). */
export function trackingCode(ctx, ballot) {
  const parts = [TRACK, ctx.voteId];
  ballot.ciphertexts.forEach((ct, j) => {
    const proof = ballot.proofs[j];
    parts.push(...[ct.a, ct.b, proof.c0, proof.c1, proof.s0, proof.s1].map(hexToBytes));
  });
  parts.push(hexToBytes(ballot.sum_proof.c), hexToBytes(ballot.sum_proof.s));
  return bytesToHex(sha256(encodeParts(...parts)));
}

/**
 * Encrypts the choice (an option's index) with every proof, on this device: the server only
 * ever sees the ciphertexts. Returns {ballot, trackingCode}; the ballot is what is sent.
 */
export function encryptBallot(ctx, choice) {
  if (!Number.isInteger(choice) || choice < 0 || choice >= ctx.options) {
    throw new Error("no such option");
  }
  const ciphertexts = [];
  const proofs = [];
  let sumA = Point.ZERO;
  let sumB = Point.ZERO;
  let rTotal = 0n;
  for (let j = 0; j < ctx.options; j++) {
    const m = j === choice ? 1 : 0;
    const r = randomScalar();
    const a = G.multiply(r);
    const b = m ? ctx.publicKey.multiply(r).add(G) : ctx.publicKey.multiply(r);
    ciphertexts.push({a: hex(a), b: hex(b)});
    proofs.push(proveBit(ctx, j, a, b, m, r));
    sumA = sumA.add(a);
    sumB = sumB.add(b);
    rTotal = Fn.add(rTotal, r);
  }
  const ballot = {ciphertexts, proofs, sum_proof: proveSumOne(ctx, sumA, sumB, rTotal)};
  return {ballot, trackingCode: trackingCode(ctx, ballot)};
}

/** Every check the server makes on a ballot; throws an Error saying which failed. */
export function verifyBallot(ctx, ballot) {
  if (ballot.ciphertexts?.length !== ctx.options || ballot.proofs?.length !== ctx.options) {
    throw new Error(`a ballot has ${ctx.options} ciphertexts and ${ctx.options} proofs`);
  }
  let sumA = Point.ZERO;
  let sumB = Point.ZERO;
  ballot.ciphertexts.forEach((ct, j) => {
    const a = readPoint(ct.a);
    const b = readPoint(ct.b);
    if (!verifyBit(ctx, j, a, b, ballot.proofs[j])) {
      throw new Error(`option ${j}: the proof that it encrypts 0 or 1 fails`);
    }
    sumA = sumA.add(a);
    sumB = sumB.add(b);
  });
  if (!verifySumOne(ctx, sumA, sumB, ballot.sum_proof)) {
    throw new Error("the proof that exactly one option is chosen fails");
  }
  return true;
}
