"""The transport of packages between organisations: one interface, the exchange service's client.

:class:`Transport` is what the inbox and outbox (:mod:`.services`) use; :class:`HttpAxisTransport`
speaks the HTTP protocol of the Government Office's exchange service (trục liên thông) as its
Java SDK (``com.vpcp.services.KnobstickServiceImp``, SDKVXP 2.x) does, and ``ecabinet axis
serve`` (:mod:`.server`) answers the same protocol, so an installation cannot tell them apart.

What the SDK shows of the protocol (its decompiled client; the official specification was not
available to us, so the details below are the SDK's behaviour, not a standard's text):

- every call is a POST to ``<endpoint>/<operation>``; the SDK's "JSON header" (``from``, ``to``,
  ``servicetype``, ``messagetype``, ``docId``, ``status``) travels as HTTP headers, one per key,
  beside ``systemid`` and the system's secret (header ``secret`` here: the SDK's base class that
  adds it was not available, see docs/interchange-transport.md);
- ``sendEdoc``: the edXML file as the body (``application/octet-stream``), ``to`` a JSON array of
  OrganIds, ``hash-file`` its SHA-256 in hex; answers ``DocId``;
- ``getReceivedEdocList``: ``data`` a list of ``{docId, from, to, serviceType, messageType,
  created_time, updated_time, status, status_desc}``; ``getEdoc`` (header ``docId``): ``data``
  the package in base64; ``updateStatus`` (``docId``, ``status``: done / fail / processing);
  ``getSentEdocList``; ``getAgenciesList``;
- every answer is JSON ``{status: "OK" | "FAIL", ErrorCode: "0" | …, ErrorDesc, …}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import Protocol

from ecabinet.errors import DomainError, Unavailable

log = logging.getLogger(__name__)

SERVICE_TYPE = "eDoc"
MESSAGE_TYPES = ("edoc", "status")
DELIVERY_STATUSES = ("done", "fail", "processing")
DEFAULT_TIMEOUT = 30.0
#: The largest package fetched; a bigger answer is cut off, not read into memory.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


class AxisUnavailable(Unavailable):
    """The exchange service did not answer, or answered as a broken server would: try later."""
    code = "axis_unavailable"


class AxisRefused(DomainError):
    """The exchange service answered and said no (bad secret, unknown recipient, too large):
    sending the same thing again will not help."""
    status, code = 502, "axis_refused"

    def __init__(self, message: str, *, error_code: str = "", status_code: int | None = None):
        super().__init__(message, details={"error_code": error_code, "http_status": status_code})
        self.error_code = error_code
        self.status_code = status_code


class AxisAuthFailed(AxisRefused):
    code = "axis_auth_failed"


@dataclass(frozen=True)
class Received:
    """One message waiting for this system, as ``getReceivedEdocList`` lists it."""
    id: str
    sender: str
    to: str
    messagetype: str
    created: str = ""
    status: str = ""
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Sent:
    """One package this system sent, per recipient, as ``getSentEdocList`` lists it."""
    id: str
    to: str
    messagetype: str
    delivery: str
    receiver_id: str = ""
    sent: str = ""
    received: str = ""


@dataclass(frozen=True)
class Agency:
    code: str
    name: str


class Transport(Protocol):
    """What the inbox and outbox need from an exchange service."""

    def send(self, package: bytes, to: list[str] | str, messagetype: str = "edoc") -> str:
        """Hand ``package`` over for ``to`` (OrganIds); returns the service's document id."""

    def received(self) -> list[Received]:
        """Messages waiting for this system, not yet acknowledged as delivered."""

    def fetch(self, remote_id: str) -> bytes:
        """The package of a received message."""

    def update_status(self, remote_id: str, status: str) -> None:
        """Delivery status of a received message: ``done``, ``fail`` or ``processing``."""

    def sent(self) -> list[Sent]:
        """What this system sent, with each recipient's delivery status."""

    def agencies(self) -> list[Agency]:
        """The organisations reachable through the service."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sdk_hash_hex(data: bytes) -> str:
    """The SDK's ``hash-file``: each byte of the SHA-256 in hex *without* its leading zero
    (``Integer.toHexString``), a quirk the real service must accept; ours accepts both."""
    return "".join(format(byte, "x") for byte in hashlib.sha256(data).digest())


def to_list(to: list[str] | str) -> list[str]:
    return [to] if isinstance(to, str) else list(to)


class HttpAxisTransport:
    """The exchange service's client over HTTP (``requests``).

    The secret goes in a header of each request and nowhere else: not in errors, logs or
    ``repr`` (an exception's message may end up in the audit trail or a clerk's screen).
    """

    def __init__(self, url: str, system_id: str, secret: str, *, sender: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 session=None):
        import requests

        if not url or not system_id or not secret:
            raise ValueError("the exchange service needs ECABINET_AXIS_URL, "
                             "ECABINET_AXIS_SYSTEM_ID and ECABINET_AXIS_SECRET")
        self.url = url.rstrip("/")
        self.system_id = system_id
        self._secret = secret
        #: The OrganId written in ``from`` (one system may speak for several agencies).
        self.sender = sender
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._http = session or requests.Session()

    def __repr__(self) -> str:
        return f"HttpAxisTransport({self.url!r}, system_id={self.system_id!r})"

    # --- the operations ----------------------------------------------------------------------

    def send(self, package: bytes, to: list[str] | str, messagetype: str = "edoc") -> str:
        if messagetype not in MESSAGE_TYPES:
            raise ValueError(f"messagetype must be one of {MESSAGE_TYPES}")
        recipients = to_list(to)
        if not recipients:
            raise ValueError("a package needs at least one recipient")
        headers = {"Content-Type": "application/octet-stream", "servicetype": SERVICE_TYPE,
                   "messagetype": messagetype, "to": json.dumps(recipients),
                   "hash-file": sha256_hex(package)}
        answer = self._call("sendEdoc", headers, body=package)
        remote_id = str(answer.get("DocId") or "")
        if not remote_id:
            raise AxisUnavailable("the exchange service accepted the package but gave no DocId")
        return remote_id

    def received(self) -> list[Received]:
        answer = self._call("getReceivedEdocList", {"servicetype": SERVICE_TYPE})
        items = []
        for item in answer.get("data") or []:
            items.append(Received(
                id=str(item.get("docId", "")), sender=str(item.get("from", "")),
                to=str(item.get("to", "")), messagetype=str(item.get("messageType", "")),
                created=str(item.get("created_time", "")), status=str(item.get("status", "")),
                extra={k: v for k, v in item.items() if k not in {
                    "docId", "from", "to", "messageType", "created_time", "status"}}))
        return [item for item in items if item.id]

    def fetch(self, remote_id: str) -> bytes:
        answer = self._call("getEdoc", {"docId": remote_id}, stream=True)
        try:
            return base64.b64decode(answer.get("data") or "", validate=True)
        except (binascii.Error, ValueError):
            raise AxisUnavailable(f"the package {remote_id} came back damaged "
                                  "(not base64)") from None

    def update_status(self, remote_id: str, status: str) -> None:
        if status not in DELIVERY_STATUSES:
            raise ValueError(f"status must be one of {DELIVERY_STATUSES}")
        self._call("updateStatus", {"docId": remote_id, "status": status})

    def sent(self) -> list[Sent]:
        answer = self._call("getSentEdocList", {"servicetype": SERVICE_TYPE})
        return [Sent(id=str(item.get("senderDocId", "")), to=str(item.get("toCode", "")),
                     messagetype=str(item.get("messageType", "")),
                     delivery=str(item.get("receiveStatus", "")),
                     receiver_id=str(item.get("receiverDocId", "")),
                     sent=str(item.get("sentTime", "")),
                     received=str(item.get("receivedTime", "")))
                for item in answer.get("data") or []]

    def agencies(self) -> list[Agency]:
        answer = self._call("getAgenciesList", {})
        return [Agency(code=str(item.get("code", "")), name=str(item.get("name", "")))
                for item in answer.get("data") or []]

    # --- one call ----------------------------------------------------------------------------

    def _call(self, operation: str, headers: dict, *, body: bytes | None = None,
              stream: bool = False) -> dict:
        import requests

        headers = {"Content-Type": "application/json", **headers,
                   "systemid": self.system_id, "secret": self._secret}
        if self.sender:
            headers["from"] = self.sender
        where = f"{self.url}/{operation}"
        try:
            # Never follow a redirect: the secret is a plain header, which requests would
            # carry to wherever the redirect points.
            response = self._http.post(where, headers=headers, data=body, timeout=self.timeout,
                                       stream=stream, allow_redirects=False)
            raw = _read_capped(response, self._answer_limit()) if stream else response.content
        except requests.Timeout:
            raise AxisUnavailable(f"the exchange service at {self.url} did not answer "
                                  f"{operation} within {self.timeout:g} s") from None
        except requests.ConnectionError:
            raise AxisUnavailable(f"the exchange service at {self.url} cannot be reached "
                                  f"({operation})") from None
        except requests.RequestException as exc:
            raise AxisUnavailable(f"{operation} at {self.url} failed: "
                                  f"{type(exc).__name__}") from None
        return self._answer(operation, response.status_code, raw)

    def _answer_limit(self) -> int:
        # base64 makes 4 bytes of 3, and the JSON around it is small.
        return self.max_bytes * 4 // 3 + 64 * 1024

    def _answer(self, operation: str, status_code: int, raw: bytes) -> dict:
        if 300 <= status_code < 400:
            raise AxisUnavailable(f"the exchange service at {self.url} answered {operation} "
                                  f"with a redirect (HTTP {status_code}), not followed: check "
                                  "ECABINET_AXIS_URL")
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            if status_code >= 500 or answer is None:
                raise AxisUnavailable(f"the exchange service answered {operation} with HTTP "
                                      f"{status_code} and no JSON")
            answer = {}
        error_code = str(answer.get("ErrorCode", "" if status_code < 400 else status_code))
        description = str(answer.get("ErrorDesc") or "")
        failed = status_code >= 400 or str(answer.get("status", "OK")).upper() == "FAIL" \
            or error_code not in ("", "0")
        if not failed:
            return answer
        message = (f"the exchange service refused {operation}: "
                   f"{description or 'no reason given'} (HTTP {status_code}, code {error_code})")
        if status_code >= 500 or status_code == 429:
            raise AxisUnavailable(message)
        if status_code in (401, 403):
            raise AxisAuthFailed(message, error_code=error_code, status_code=status_code)
        raise AxisRefused(message, error_code=error_code, status_code=status_code)


def _read_capped(response, limit: int) -> bytes:
    """The body of a streamed answer, refused past ``limit`` bytes: a service (or whoever
    stands in its place) must not make the poller read gigabytes into memory."""
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(chunk_size=256 * 1024):
            size += len(chunk)
            if size > limit:
                raise AxisRefused(f"the exchange service's answer exceeds {limit} bytes: "
                                  "refused without reading the rest", error_code="too_large")
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def transport_for(config) -> HttpAxisTransport | None:
    """The configured exchange service, or None when this installation exchanges nothing."""
    url = config.get("AXIS_URL")
    if not url:
        return None
    return HttpAxisTransport(
        url, config.get("AXIS_SYSTEM_ID") or "", config.get("AXIS_SECRET") or "",
        sender=config.get("AXIS_ORGAN_ID") or None,
        timeout=float(config.get("AXIS_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT),
        max_bytes=int(config.get("AXIS_MAX_BYTES") or DEFAULT_MAX_BYTES))
