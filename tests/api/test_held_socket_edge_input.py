"""Edge input over /live: every event answers {"ok": false, "error": {code, message}} with a
4xx-like code (422/400/404...), never internal_error, for ids > 2^31, wrong types, NUL, lone
surrogates, deep nesting."""

import pytest

from tests.meetings.conftest import connect_tablets

NS = "/live"
EVENTS = ["agenda.set_current", "attendance.checkin", "ballot.cast", "meeting.join",
          "presenter.follow", "presenter.page", "presenter.stop", "speaker.finish",
          "speaker.give_floor", "speaker.request", "speaker.withdraw", "vote.close",
          "vote.open"]


def deep(n):
    value = 1
    for _ in range(n):
        value = {"a": value}
    return value


@pytest.fixture
def chair(app, session_open):
    yield from connect_tablets(app, {"chair": session_open.tokens["chair"]})


def payloads(mid, item):
    base = {"meeting_id": mid, "agenda_item_id": item, "vote_id": 1, "document_id": 1,
            "version": 1, "page": 1, "request_id": 1, "choice": "yes", "question": "q",
            "rule": "majority_of_all"}
    big = {k: 2**63 for k in ("meeting_id", "agenda_item_id", "vote_id", "document_id",
                              "version", "page", "request_id")}
    yield {**base, **big}
    yield {**base, **{k: 2**31 for k in big}}
    yield {**base, **{k: -1 for k in big}}
    yield {**base, **{k: True for k in big}}
    yield {**base, **{k: 1.5 for k in big}}
    yield {**base, **{k: "1" for k in big}}
    yield {**base, **{k: [1] for k in big}}
    yield {**base, **{k: None for k in big}}
    yield {**base, "question": "a\x00b", "choice": "\x00", "receipt": "\ud800"}
    yield {**base, "question": "\ud800", "rule": "\udfff"}
    yield {**base, "receipt": deep(150), "request_id": deep(150)}
    yield {**base, "question": "x" * 1_000_000}
    yield {**base, "request_id": {"$gt": 0}}


def test_no_internal_error(chair, session_open):
    client = chair["chair"]
    mid, item = session_open.meeting_id, session_open.items[0]
    bad = []
    for event in EVENTS:
        for data in [None, [], "x", 5, *payloads(mid, item)]:
            ack = client.emit(event, data, namespace=NS, callback=True)
            if not isinstance(ack, dict) or (not ack.get("ok") and
                                             ack["error"]["code"] == "internal_error"):
                bad.append((event, repr(data)[:80], ack))
    assert bad == []
