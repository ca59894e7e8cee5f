"""What goes into one reader's pack, as plain values: the plan is made from the database once,
and everything after it (building, caching, watermarking) needs neither the database nor the
app. Its :meth:`PackPlan.key` names the built pack in the cache: two readers who may see the
same items and documents get the same key and share one build."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

#: Bumped whenever the layout of the built pack changes, so old cached builds are not served.
FORMAT = 1

READY, CONVERTING, FAILED = "ready", "converting", "failed"


@dataclass(frozen=True)
class PackDocument:
    document_id: int
    title: str
    confidential: bool
    #: The version whose PDF goes into the pack: the latest ready one (None: none is ready).
    version_id: int | None
    version_number: int | None
    pdf_sha256: str | None
    #: The state of the document's newest version: "ready", "converting" or "failed". When it
    #: is not ready the agenda says so (and an older ready version, if any, is used).
    latest_number: int | None
    latest_state: str | None

    @property
    def included(self) -> bool:
        return self.pdf_sha256 is not None


@dataclass(frozen=True)
class PackItem:
    item_id: int
    position: int
    title: str
    presenting_agency: str | None
    confidential: bool
    documents: tuple[PackDocument, ...] = ()


@dataclass(frozen=True)
class PackPlan:
    meeting_id: int
    title: str
    kind: str
    starts_at: datetime
    location: str | None
    items: tuple[PackItem, ...] = field(default_factory=tuple)

    def documents(self) -> list[PackDocument]:
        return [doc for item in self.items for doc in item.documents]

    def included(self) -> list[PackDocument]:
        return [doc for doc in self.documents() if doc.included]

    def key(self) -> str:
        """SHA-256 of everything the built pack shows: the same plan, the same bytes."""
        payload = asdict(self)
        payload["starts_at"] = self.starts_at.isoformat()
        payload["format"] = FORMAT
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
