"""The Socket.IO packet ecabinet's server sends: python-socketio's, with a faster look for
binary data.

Before it encodes a message, python-socketio walks the whole payload to find out whether it
holds bytes (to send them as attachments), calling itself for every value and building a list
at every level. A join's answer carries the attendance (every participant's id) and the agenda:
for 500 tablets joining at once, that walk was ~290,000 calls (bench/profile_handlers.py, the
ack of each join) — as much CPU as the join's own SQL statements. This one stops at the first
bytes and does not call itself for numbers and strings, which are nearly everything here. What
it answers is the same: bytes anywhere in lists or dicts make a binary packet.
"""

from __future__ import annotations

from socketio import packet

#: What holds no bytes and nothing else (the JSON scalars).
_SCALARS = frozenset({str, int, float, bool, type(None)})


class Packet(packet.Packet):
    @classmethod
    def data_is_binary(cls, data) -> bool:
        if isinstance(data, bytes | bytearray):
            return True
        if isinstance(data, dict):
            data = data.values()
        elif not isinstance(data, list):
            return False
        scalars = _SCALARS
        return any(type(item) not in scalars and cls.data_is_binary(item) for item in data)
