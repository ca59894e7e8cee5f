"""``meeting.join``'s answer is built once per meeting state and audience, shared by everyone
who joins until the state changes, with each reader's own part on top; and a confidential
item's invitee and someone not invited never get each other's."""

import threading
import time

import pytest

from ecabinet.meetings import snapshots
from tests.fixtures.secret_votes import secret_vote_body
from tests.live.test_production_server import REDIS_URL, _redis_available
from tests.meetings.conftest import connect_tablets

NS = "/live"


@pytest.fixture
def tablets(app, session_open):
    yield from connect_tablets(app, session_open.tokens)


def join(client, meeting_id) -> dict:
    ack = client.emit("meeting.join", {"meeting_id": meeting_id}, namespace=NS, callback=True)
    assert ack["ok"], ack
    return ack["state"]


def builds(app) -> int:
    return snapshots.store(app).builds


def test_joins_of_one_audience_build_the_shared_part_once(app, tablets, session_open):
    cab = session_open
    before = builds(app)
    states = {who: join(tablets[who], cab.meeting_id) for who in ("m2", "m3", "m4", "m2")}
    assert builds(app) == before + 1  # m2, m3, m4: the same items, all voting members
    # Each with its own part: m4 has not checked in, the others have.
    assert states["m4"]["me"] == {"user_id": cab.users["m4"].id, "role": "member",
                                  "checked_in": False, "positions": {}}
    assert states["m3"]["me"]["user_id"] == cab.users["m3"].id
    assert states["m3"]["me"]["checked_in"] is True
    assert states["m3"]["attendance"] == states["m4"]["attendance"]


def test_a_change_is_seen_by_the_next_join(app, tablets, session_open, api):
    cab = session_open
    mid = cab.meeting_id
    first = join(tablets["m2"], mid)
    assert cab.users["m4"].id not in first["attendance"]["present"]
    assert join(tablets["m3"], mid)["attendance"] == first["attendance"]  # shared
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/checkin", who="m4")[0] == 200
    before = builds(app)
    after = join(tablets["m3"], mid)
    assert builds(app) == before + 1
    assert cab.users["m4"].id in after["attendance"]["present"]

    # A vote opens: the next join has it; ballots do not rebuild, but the count is current.
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{cab.items[0]}/votes", {
        "question": "Thông qua?", "secret": False, "rule": "majority_of_present"}, who="chair")
    assert status == 201, vote
    opened = join(tablets["m2"], mid)["open_vote"]
    assert opened["vote_id"] == vote["id"] and opened["question"] == "Thông qua?"
    assert opened["cast"] == 0 and opened["mine"]["voted"] is False
    ack = tablets["m2"].emit("ballot.cast", {"vote_id": vote["id"], "choice": "no"},
                             namespace=NS, callback=True)
    assert ack["ok"], ack
    before = builds(app)
    mine, theirs = join(tablets["m2"], mid)["open_vote"], join(tablets["m3"], mid)["open_vote"]
    assert builds(app) == before
    assert mine["cast"] == theirs["cast"] == 1
    assert mine["mine"] == {"eligible": True, "voted": True, "choice": "no"}
    assert theirs["mine"]["voted"] is False

    # The chair moves to the next item: everyone's next join follows.
    assert api(cab, "POST", f"/api/v1/votes/{vote['id']}/close", who="chair")[0] == 200
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": cab.items[1]}, who="chair")[0] == 200
    moved = join(tablets["m2"], mid)
    assert moved["current_item_id"] == cab.items[1] and moved["open_vote"] is None


@pytest.mark.parametrize("first", ["m1", "m2"], ids=["invitee-first", "outsider-first"])
def test_an_invitee_and_a_non_invitee_never_share_a_snapshot(app, tablets, session_open, api,
                                                             first):
    """m1 is invited to the confidential item, m2 is not; whoever joins first, the other gets
    only what they may see — the item, its vote and its speakers."""
    cab = session_open
    mid, secret_item = cab.meeting_id, cab.confidential_item
    assert api(cab, "POST", f"/api/v1/meetings/{mid}/current-item",
               {"agenda_item_id": secret_item}, who="chair")[0] == 200
    ack = tablets["m1"].emit("speaker.request", {"meeting_id": mid, "agenda_item_id": secret_item},
                             namespace=NS, callback=True)
    assert ack["ok"], ack
    status, vote = api(cab, "POST", f"/api/v1/agenda-items/{secret_item}/votes",
                       secret_vote_body(cab, "Phương án nhân sự?"), who="chair")
    assert status == 201, vote
    order = [first, "m2" if first == "m1" else "m1"]
    states = {who: join(tablets[who], mid) for who in order + order}  # twice each, shared
    invitee, outsider = states["m1"], states["m2"]
    assert secret_item in [item["id"] for item in invitee["items"]]
    assert invitee["open_vote"]["question"] == "Phương án nhân sự?"
    assert [s["user_id"] for s in invitee["speakers"]["queue"]] == [cab.users["m1"].id]
    assert secret_item not in [item["id"] for item in outsider["items"]]
    assert "Phương án nhân sự" not in str(outsider)
    assert outsider["open_vote"] is None and outsider["speakers"]["queue"] == []
    assert "uncontested_item_ids" not in outsider and "uncontested_item_ids" not in invitee
    # The chair's audience (tallies, every item) is another entry again.
    chair = join(tablets["chair"], mid)
    assert "uncontested_item_ids" in chair and chair["open_vote"]["vote_id"] == vote["id"]


def test_versions_in_redis_are_shared_by_every_process(app):
    """With several workers each keeps its own entries, but a change committed by any of them
    moves the version all of them read (two stores here stand for two processes)."""
    if not _redis_available():
        pytest.skip(f"no Redis at {REDIS_URL}")
    prefix = f"test-join-{id(app)}"
    one, other = snapshots._Store(REDIS_URL, prefix), snapshots._Store(REDIS_URL, prefix)
    try:
        seen = one.versions(7)
        assert other.versions(7) == seen
        other.bump({7})
        assert one.versions(7) == (seen[0], seen[1] + 1)
        other.bump({snapshots.ALL})
        assert one.versions(7) == (seen[0] + 1, seen[1] + 1)
        assert one.versions(8)[0] == seen[0] + 1  # every meeting's
    finally:
        one.redis.delete(f"{prefix}:7", f"{prefix}:{snapshots.ALL}")
        one.redis.close()
        other.redis.close()


def test_a_meeting_reusing_an_id_is_not_served_an_old_entry(app, tablets, session_open):
    """The tests' databases start again from id 1 while the process keeps its entries: the
    meeting's creation time is part of the key."""
    cab = session_open
    join(tablets["m2"], cab.meeting_id)
    keys = [key for key in snapshots.store(app).entries if key[0] == cab.meeting_id]
    assert keys and all(key[1] is not None for key in keys)



class _CountingEvent:
    """A part's "built" event that counts who waits on it (to know the others are waiting)."""

    waiting = 0
    lock = threading.Lock()

    def __init__(self, event):
        self._event = event

    def set(self):
        self._event.set()

    def wait(self, timeout=None):
        with _CountingEvent.lock:
            _CountingEvent.waiting += 1
        return self._event.wait(timeout)


class _Counted(snapshots._Building):
    __slots__ = ()

    def __init__(self, versions):
        super().__init__(versions)
        self.done = _CountingEvent(self.done)


def _misses_at_once(monkeypatch, leader_fails: bool):
    """Eight readers miss one part at once; the first's build waits until the seven others wait
    for it. Returns (builds, what each got)."""
    monkeypatch.setattr(snapshots, "_Building", _Counted)
    monkeypatch.setattr(_CountingEvent, "waiting", 0)
    store, built, results = snapshots._Store(None, "test"), [], {}
    started = threading.Event()

    def build():
        built.append(threading.get_ident())
        if len(built) == 1:
            started.set()
            deadline = time.monotonic() + 10
            while _CountingEvent.waiting < 7:
                assert time.monotonic() < deadline
                time.sleep(0.005)
            if leader_fails:
                raise RuntimeError("the database went away")
        return {"built by": threading.get_ident()}

    def read(n):
        try:
            results[n] = snapshots.View(store, (1, "created"), (0, 0)).get("outline", build)
        except RuntimeError as error:
            results[n] = error

    first = threading.Thread(target=read, args=(0,))
    first.start()
    assert started.wait(10)
    others = [threading.Thread(target=read, args=(n,)) for n in range(1, 8)]
    for thread in [*others]:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)
    return built, results


def test_readers_missing_the_same_state_at_once_build_it_once(monkeypatch):
    # 500 joins whose callers are read in one statement all miss the kept state together:
    # each built it (bench/README.md) before the first's build was awaited by the others.
    built, results = _misses_at_once(monkeypatch, leader_fails=False)
    assert len(built) == 1
    assert len({id(value) for value in results.values()}) == 1 and len(results) == 8


def test_if_the_first_build_fails_the_others_build_their_own(monkeypatch):
    built, results = _misses_at_once(monkeypatch, leader_fails=True)
    assert isinstance(results.pop(0), RuntimeError)
    assert len(results) == 7 and not any(isinstance(r, Exception) for r in results.values())
    assert len(built) >= 2  # the first's, then at least one of the others' (the rest may
    # find that one kept, or build too: either way each got a state, none the failure)
