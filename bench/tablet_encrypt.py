"""A secret ballot encrypted on a tablet: ``static/js/lib/ballot.js`` in headless Chromium,
with the CPU throttled ×4 (issue 10, point 6: under 200 ms on a tablet-class CPU).

Run by hand (never by the tests):

    .venv/bin/python bench/tablet_encrypt.py                  # N=30 after 3 warm-ups, ×4 and ×1
    .venv/bin/python bench/tablet_encrypt.py --runs 100 --rate 6

What one run does: a vote key is dealt on the server side as opening a secret vote does
(``trustees.deal``, 2 of 2: the chair and the secretary; the public key is the first
commitment). ``ecabinet/static`` is served on a free loopback port with the app's own import map
(``ecabinet.security.import_map``) inline in a blank page, and the page imports
``/static/js/lib/ballot.js`` dynamically, as the room's ``meeting-room/vote.js`` does (so
@noble/curves and @noble/hashes come from ``static/vendor/noble`` through the map). Debian's
Chromium (the browser tests' flags) at 768×1024; for each mode a fresh browser context and
page (nothing cached from the other mode), the DevTools protocol's
``Emulation.setCPUThrottlingRate`` set before the import. In the page, timed with
``performance.now()``: the import (the modules fetched, parsed and linked: cold), then 3 warm-ups
and N encryptions of a yes/no/abstain ballot, each what ``encryptChoice`` does when a member
confirms: ``context()`` (the public key read and its subgroup checked) then ``encryptBallot``
(3 ciphertexts, 3 disjunctive proofs, the sum proof, the tracking code).

The last ballot of each mode is then checked by the server's code (``read_ballot``: every point
and proof, the context the server builds for the vote), its tracking code recomputed, and
decrypted with the two trustees' shares, so that what was timed is a real, valid ballot of the
chosen option. Prints median, p95 (nearest rank), max, the ratio throttled / not, and the load
average (``os.getloadavg()``) before and after each mode: the machine is shared, and a
throttled renderer is slowed further by whatever else holds the cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecabinet.ballots import elgamal, trustees  # noqa: E402
from ecabinet.ballots.ballot import read_ballot, tracking_code  # noqa: E402
from ecabinet.ballots.proofs import Context  # noqa: E402
from ecabinet.meetings.verifiable import OPTIONS  # noqa: E402
from ecabinet.security import import_map  # noqa: E402

STATIC = ROOT / "ecabinet" / "static"
CHROMIUM = "/usr/bin/chromium"
#: tests/browser/conftest.py's flags (copied: a bench does not import the test suite).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
TABLET = {"width": 768, "height": 1024}
VOTE_ID = "4242"
PAGE = ("<!doctype html><html lang=vi><head><meta charset=utf-8><title>tablet encrypt</title>"
        '<script type="importmap">{map}</script></head><body></body></html>')

#: Runs in the page: the import, then the timed encryptions (what encryptChoice does).
MEASURE = """async ({voteId, publicKey, options, choice, warmups, runs}) => {
  const t0 = performance.now();
  const lib = await import("/static/js/lib/ballot.js");
  const importMs = performance.now() - t0;
  const total = [], ctxMs = [];
  let last = null;
  for (let i = 0; i < warmups + runs; i++) {
    const start = performance.now();
    const ctx = lib.context({voteId, publicKey, options});
    const built = performance.now();
    last = lib.encryptBallot(ctx, choice);
    const end = performance.now();
    total.push(end - start);
    ctxMs.push(built - start);
  }
  return {importMs, first: total[0], warmups: total.slice(0, warmups),
          times: total.slice(warmups), ctxTimes: ctxMs.slice(warmups),
          ballot: last.ballot, trackingCode: last.trackingCode,
          userAgent: navigator.userAgent, cores: navigator.hardwareConcurrency};
}"""


def serve(page_html: str) -> ThreadingHTTPServer:
    """``/`` is the page, ``/static/…`` the app's static folder (the vendor symlink followed)."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(STATIC), **kwargs)

        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path in ("/", "/index.html"):
                body = page_html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            if not self.path.startswith("/static/"):
                self.send_error(404)
                return
            self.path = self.path[len("/static"):]
            super().do_GET()

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")  # each mode loads the modules cold
            super().end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="static").start()
    return server


def deal_key() -> tuple[bytes, dict[int, bytes]]:
    """The vote's key as ``verifiable.open_vote`` deals it: 2 of 2 trustees."""
    commitments, shares = trustees.deal(2, 2)
    return commitments[0], shares


def chosen_option(ctx: Context, ballot: dict, shares: dict[int, bytes]) -> int:
    """The one option the ballot encrypts 1 for, decrypted with both trustees' shares (a bench
    may: in a meeting no single ballot is ever decrypted, only the products)."""
    cts = read_ballot(ctx, ballot)  # raises BallotError saying which check failed
    ones = []
    for ct in cts:
        factor = trustees.combine_factors(
            {i: elgamal.partial_decrypt(share, ct) for i, share in shares.items()})
        ones.append(elgamal.discrete_log(elgamal.decrypt_point(ct, factor), 1))
    if sorted(ones) != [0] * (len(ones) - 1) + [1]:
        raise SystemExit(f"the ballot does not encrypt exactly one option: {ones}")
    return ones.index(1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(times: list[float]) -> dict:
    return {"median": statistics.median(times), "p95": percentile(times, 95), "max": max(times),
            "min": min(times)}


def measure(browser, url: str, rate: float, args: dict, timeout_ms: int) -> dict:
    context = browser.new_context(viewport=TABLET, locale="vi-VN",
                                  timezone_id="Asia/Ho_Chi_Minh")
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        load_before = os.getloadavg()
        result = page.evaluate(MEASURE, args)
        load_after = os.getloadavg()
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        if errors:
            raise RuntimeError(f"script errors in the page: {errors}")
        return {**result, "rate": rate, "load": [load_before[0], load_after[0]]}
    finally:
        context.close()


def check(result: dict, ctx: Context, shares: dict[int, bytes], choice: int) -> None:
    """The server accepts the tablet's ballot, agrees on its tracking code, and it is the choice."""
    ballot = result["ballot"]
    got = chosen_option(ctx, ballot, shares)
    if got != choice:
        raise SystemExit(f"the ballot encrypts option {got}, not {choice}")
    if tracking_code(ctx, ballot) != result["trackingCode"]:
        raise SystemExit("the tablet's tracking code is not the server's")


def report(result: dict) -> str:
    f = figures(result["times"])
    ctx_median = statistics.median(result["ctxTimes"])
    return (f"CPU ×{result['rate']:g}: median {f['median']:6.1f} ms  p95 {f['p95']:6.1f} ms  "
            f"max {f['max']:6.1f} ms  min {f['min']:6.1f} ms  (context() {ctx_median:.1f} ms "
            f"of it)\n          cold: import {result['importMs']:.0f} ms, first encryption "
            f"{result['first']:.0f} ms; warm-ups "
            + ", ".join(f"{t:.0f}" for t in result["warmups"])
            + f" ms; load {result['load'][0]:.2f} → {result['load'][1]:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--rate", type=float, default=4.0, help="CPU throttling rate (4)")
    parser.add_argument("--choice", choices=OPTIONS, default="yes")
    parser.add_argument("--target-ms", type=float, default=200.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="per mode, seconds")
    parser.add_argument("--json", help="write the figures (and one ballot) to this file")
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    public_key, shares = deal_key()
    ctx = Context(VOTE_ID, public_key, len(OPTIONS))  # as verifiable.context(vote)
    choice = OPTIONS.index(options.choice)
    args = {"voteId": VOTE_ID, "publicKey": public_key.hex(), "options": len(OPTIONS),
            "choice": choice, "warmups": options.warmups, "runs": options.runs}
    server = serve(PAGE.format(map=import_map("/static")))
    url = f"http://127.0.0.1:{server.server_port}/"
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} cores)", flush=True)
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                print(f"Chromium {browser.version}, {TABLET['width']}×{TABLET['height']}, "
                      f"{options.runs} runs after {options.warmups} warm-ups, "
                      f"3 options ({'/'.join(OPTIONS)}), choice {options.choice}", flush=True)
                for rate in (options.rate, 1.0):
                    result = measure(browser, url, rate, args, int(options.timeout * 1000))
                    check(result, ctx, shares, choice)
                    results[rate] = result
                    print(report(result), flush=True)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()

    throttled, baseline = figures(results[options.rate]["times"]), figures(results[1.0]["times"])
    print(f"ratio ×{options.rate:g} / ×1: median {throttled['median'] / baseline['median']:.2f}, "
          f"p95 {throttled['p95'] / baseline['p95']:.2f}")
    print("server check: both modes' last ballot accepted by read_ballot, tracking code equal, "
          f"decrypts to {options.choice!r}")
    verdict = "met" if throttled["p95"] < options.target_ms else "NOT met"
    print(f"target: p95 under {options.target_ms:g} ms at ×{options.rate:g}: {verdict}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if options.json:
        Path(options.json).write_text(json.dumps({
            "rate": options.rate, "runs": options.runs, "warmups": options.warmups,
            "modes": {str(rate): {**figures(r["times"]), **{k: r[k] for k in (
                "importMs", "first", "warmups", "times", "ctxTimes", "load", "userAgent",
                "cores")}} for rate, r in results.items()},
            "ballot": results[options.rate]["ballot"],
            "trackingCode": results[options.rate]["trackingCode"]}, indent=1))
    return 0 if throttled["p95"] < options.target_ms else 1


if __name__ == "__main__":
    sys.exit(main())
