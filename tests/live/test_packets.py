"""The server's packet finds bytes exactly where python-socketio's would (they are sent as
attachments), without walking every number of a join's answer the slow way."""

import pytest
from socketio import packet

from ecabinet.extensions import socketio
from ecabinet.live.packets import Packet

CASES = [None, 1, 2.5, True, "x", b"", bytearray(b"1"), [], {}, [1, "a", None],
         {"a": [1, {"b": b"x"}]}, {"a": [1, {"b": "x"}]}, [[[[b"deep"]]]], [[[[]]]],
         (1, bytearray(b"1")),  # a tuple is not walked (as python-socketio's: sent as a list)
         {"state": {"attendance": {"present": list(range(500))}}}]


@pytest.mark.parametrize("data", CASES)
def test_finds_bytes_as_python_socketio_does(data):
    assert Packet.data_is_binary(data) == packet.Packet.data_is_binary(data)


def test_the_server_sends_with_it(app):
    assert socketio.server.packet_class is Packet
    ack = Packet(packet.ACK, data=[{"ok": True, "ids": [1, 2]}], namespace="/live", id=3)
    assert ack.packet_type == packet.ACK and ack.encode() == '3/live,3[{"ok":true,"ids":[1,2]}]'
    binary = Packet(packet.ACK, data=[{"file": b"\x00"}], namespace="/live", id=4)
    assert binary.packet_type == packet.BINARY_ACK
