"""What the audit page shows of an entry to the person reading it.

Every entry is listed — who acted, what kind of act, when — but its details (a title, a vote's
question, what was chosen) are shown only to who may see the object the entry is about. Each
feature says how to check that for its objects, by object type (:func:`rule`), with its own
access rules; an entry whose type has no rule is shown whole. The page never decides by
reading the details.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ecabinet.audit.models import AuditEntry

#: ``check(viewer, entry, details) -> bool``: may the viewer see this entry's details?
Check = Callable[[object, AuditEntry, dict], bool]

_RULES: dict[str, Check] = {}


def rule(object_type: str) -> Callable[[Check], Check]:
    """Declare how to decide who may see entries about objects of ``object_type``."""

    def register(check: Check) -> Check:
        _RULES[object_type] = check
        return check

    return register


@dataclass(frozen=True)
class Line:
    """An entry as one viewer sees it: ``redacted`` hides its details."""

    entry: AuditEntry
    redacted: bool


def _details(entry: AuditEntry) -> dict:
    try:
        found = json.loads(entry.details or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def may_see(viewer, entry: AuditEntry) -> bool:
    check = _RULES.get(entry.object_type or "")
    return True if check is None else bool(check(viewer, entry, _details(entry)))


def lines_for(viewer, entries: list[AuditEntry]) -> list[Line]:
    return [Line(entry, not may_see(viewer, entry)) for entry in entries]
