"""Who sees and moves an incoming document: each rule once, the Python predicate beside its
SQL twin for the lists.

- the clerks (văn thư) and the secretariat **of this installation** keep the register: they
  read it all, accept (03), refuse (02), attach to a meeting;
- the leaders: the competent persons (role ``signer``) of this installation — the head of the
  organisation and the deputies who sign for it — read it all and assign (04) what was
  presented to them (or to no one in particular);
- the handling unit's people (the organisation it was assigned to, or the one person) read
  what is assigned to them and report it in handling (05) and done (06).

"Of this installation": a user whose organisation is the installation's own (or who has
none: the installation's staff as provisioned before the directory). A clerk of a ministry
that also uses this installation does not read the Government Office's register.
A document the user may not read answers 404, as if it did not exist.
"""

from __future__ import annotations

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, false, or_, select, true

from ecabinet.errors import Forbidden, NotFound
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, Role, User
from ecabinet.interchange.incoming.models import IncomingDocument


def _own_organisation_id() -> int | None:
    """Looked up once per request (a page asks it for every user it lists)."""
    identifier = current_app.config.get("AXIS_ORGAN_ID")
    if not identifier:
        return None
    cache = g.setdefault("incoming_own_organisation", {})
    if identifier not in cache:
        cache[identifier] = db.session.scalar(
            select(Organisation.id).where(Organisation.identifier == identifier))
    return cache[identifier]


def is_staff(user: User) -> bool:
    return user.organisation_id is None or user.organisation_id == _own_organisation_id()


def is_clerk(user: User) -> bool:
    return user.has_role(Role.CLERK, Role.SECRETARIAT) and is_staff(user)


def is_leader(user: User) -> bool:
    return user.has_role(Role.SIGNER) and is_staff(user)


def keeps_register(user: User) -> bool:
    """Reads the whole register (and its quarantine)."""
    return is_clerk(user) or is_leader(user)


def is_handler(user: User, document: IncomingDocument) -> bool:
    return document.handling_user_id == user.id or (
        document.handling_organisation_id is not None
        and document.handling_organisation_id == user.organisation_id)


def can_read(user: User, document: IncomingDocument) -> bool:
    return keeps_register(user) or is_handler(user, document)


def readable(user: User) -> ColumnElement[bool]:
    """:func:`can_read` as SQL: a condition on :class:`IncomingDocument`."""
    if keeps_register(user):
        return true()
    conditions = [IncomingDocument.handling_user_id == user.id]
    if user.organisation_id is not None:
        conditions.append(IncomingDocument.handling_organisation_id == user.organisation_id)
    return or_(*conditions) if conditions else false()


def can_assign(user: User, document: IncomingDocument) -> bool:
    return is_leader(user) and document.leader_id in (None, user.id)


def can_report(user: User, document: IncomingDocument) -> bool:
    """In handling, done: the handling unit, or the clerk recording it for them."""
    return is_handler(user, document) or is_clerk(user)


def get_readable(user: User, document_id: int) -> IncomingDocument:
    document = db.session.get(IncomingDocument, document_id)
    if document is None or not can_read(user, document):
        raise NotFound(_("No such incoming document."))
    return document


def require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden(_("You may not do this with this incoming document."),
                        code="incoming_forbidden")


def require_register(user: User) -> None:
    if not keeps_register(user):
        raise Forbidden(_("Only the clerks and leaders of this organisation keep the "
                          "incoming register."), code="incoming_forbidden")
