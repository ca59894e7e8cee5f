"""The dashboard's sections. Features fill them by registering a provider for a section:
``register_provider("meetings", fn)`` where ``fn(user)`` returns a list of
:class:`DashboardItem`. A section with no provider yet shows its empty state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ecabinet.identity.models import Role


@dataclass(frozen=True)
class DashboardItem:
    title: str
    url: str
    detail: str = ""
    badge: str = ""


@dataclass
class Section:
    key: str
    title: str
    empty: str
    icon: str
    roles: frozenset[Role]
    items: list[DashboardItem] = field(default_factory=list)


SECTIONS = [
    ("meetings", _l("My meetings"), _l("No upcoming meetings."), "calendar",
     frozenset(Role) - {Role.CLERK}),
    ("polls", _l("Polls to answer"), _l("No written polls are waiting for your answer."), "ballot",
     frozenset({Role.MEMBER})),
    ("polls_followup", _l("Written polls under way"),
     _l("No written poll is waiting for answers."), "ballot", frozenset({Role.SECRETARIAT})),
    ("drafts", _l("Drafts to review"), _l("No drafts are waiting for your comments."), "draft",
     frozenset({Role.MEMBER, Role.SECRETARIAT, Role.GUEST})),
    ("signatures", _l("Documents to sign"), _l("Nothing is awaiting your signature."), "pen",
     frozenset({Role.SIGNER, Role.CLERK})),
    # The tasks the Government assigned (ecabinet/tasks): due soon or late, for the lead's
    # liaison (and its clerk, when it has some: see PERSONAL).
    ("tasks", _l("Tasks"), _l("No task is due."), "calendar", frozenset({Role.LIAISON})),
    # Issued documents sent to the user or their organisation: the in-app notice of issue.
    # Incoming documents presented to a leader, waiting for a handling unit (Decree 30 Art. 23).
    ("to_assign", _l("Incoming documents to assign"),
     _l("No incoming document is waiting for your direction."), "draft",
     frozenset({Role.SIGNER})),
    ("received", _l("Documents received"), _l("No document has been sent to you."), "draft",
     frozenset(Role)),
]

_providers: dict[str, list[Callable]] = {}


def register_provider(section: str, provider: Callable) -> None:
    """Idempotent: every app built in the process (workers, tests) registers the same ones."""
    providers = _providers.setdefault(section, [])
    if provider not in providers:
        providers.append(provider)


#: Sections addressed to a person, not to a role: shown to anyone they hold items for (an
#: invitation reaches a clerk invited to a meeting as it reaches a member).
PERSONAL = frozenset({"meetings", "tasks"})


def sections_for(user) -> list[Section]:
    visible = []
    for key, title, empty, icon, roles in SECTIONS:
        by_role = user.has_role(*roles)
        if not by_role and key not in PERSONAL:
            continue
        section = Section(key, str(title), str(empty), icon, roles)
        for provider in _providers.get(key, []):
            section.items.extend(provider(user))
        if by_role or section.items:
            visible.append(section)
    return visible
