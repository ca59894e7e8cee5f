"""The wrapper every socket handler goes through (request hooks do not run for sockets)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, wraps

from flask import session
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, select, true
from sqlalchemy.orm import contains_eager, defer, lazyload

from ecabinet.database import unit_of_work
from ecabinet.errors import DomainError, Unauthorized
from ecabinet.extensions import db, socketio
from ecabinet.group_commit import ForMany, GroupCommit
from ecabinet.identity.access import check_roles
from ecabinet.identity.callers import Caller
from ecabinet.identity.models import ApiToken, Role, SignIn, User, UserRole
from ecabinet.inputs import check_text
from ecabinet.live.namespace import NAMESPACE

log = logging.getLogger(__name__)

#: Keys in the connection's own session (Flask-SocketIO keeps one per socket, not a module dict,
#: so it works the same with several workers).
USER_KEY, TOKEN_KEY, LOGIN_KEY = "live_user_id", "live_token_id", "live_login_id"


def remember_connection(user: User, token: ApiToken | None, login_id: str | None = None) -> None:
    session[USER_KEY] = user.id
    session[TOKEN_KEY] = token.id if token else None
    session[LOGIN_KEY] = login_id


def connected_user(*, with_roles: bool = False, as_caller: bool = False) -> User | Caller:
    """The caller, checked again on every event: a revoked token or a deactivated account
    stops working at once, not at the next connection.

    One statement: the user with the token's state joined in (a browser: its sign-in), and the
    roles too ``with_roles`` (an event for some roles only); otherwise they are loaded only if
    asked for (the events on a meeting read the one role their rule needs with the caller's
    seat, ``access.seat_for``; a ballot's access is its eligibility). The user's secrets
    (password hash, TOTP secrets — sealed, decrypted when loaded) are not loaded: no event uses
    them. ``as_caller``: plain columns (:class:`Caller`), no ORM user — the same statement's
    joins and conditions, the same checks (:func:`_checked`).
    """
    by_token, params = _credentials()
    if as_caller:
        rows = _caller_rows(_user_statement(by_token, _CALLER), params)
        row = _checked(rows[0] if rows else None, by_token)
        return Caller(row.id, row.name, row.email)
    kind = _WITH_ROLES if with_roles else _USER
    row = _checked(db.session.execute(_user_statement(by_token, kind), params).unique().first(),
                   by_token)
    return row[0]


def _caller_rows(statement, params: dict) -> list:
    """A caller's statement's rows (columns, no ORM objects). On PostgreSQL they are read with
    those of the other events arriving at the same moment — one statement for all of them
    (:class:`~ecabinet.group_commit.ForMany`) on a pooled connection of the group's: 500
    tablets joining or voting at once are a few statements, not 500, and no event holds a
    connection while it waits. Elsewhere (SQLite) on the event's session."""
    if not grouped_here():
        return db.session.execute(statement, params).all()
    return _group_of(statement).submit(db.engine, params)


def grouped_here() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


@cache
def _group_of(statement) -> GroupCommit:
    many = ForMany(statement)
    return GroupCommit(many.rows)


@dataclass(frozen=True)
class Alongside:
    """A statement an event reads with its caller's, in the same round trip (the caller's seat
    in a meeting: ``access.seat_query``), and its rows once read."""

    statement: Select
    params: dict
    rows: tuple = ()


def connected_caller_with(along: Alongside) -> tuple[Caller, Alongside]:
    """:func:`connected_user` as a :class:`Caller`, with ``along``'s statement read in the same
    statement (an outer join on true: its rows, or one row of nulls if it found none). The
    caller is checked (:func:`_checked`) before any of those rows is handed on; if the check
    fails they are dropped unread. ``along`` binds ``user_id`` as the caller's statement does:
    the connection's user, who is the caller."""
    by_token, params = _credentials()
    statement, width = _caller_along(by_token, along.statement)
    rows = _caller_rows(statement, {**along.params, **params})
    row = _checked(rows[0] if rows else None, by_token)
    end = width + len(along.statement.selected_columns)  # grouped rows have their index last
    return Caller(row.id, row.name, row.email), Alongside(
        along.statement, along.params, tuple(tuple(found[width:end]) for found in rows))


def _credentials() -> tuple[bool, dict]:
    """Whether the connection was opened with a token, and the parameters that find its
    user with what it was opened with (:func:`_with_credentials`)."""
    token_id = session.get(TOKEN_KEY)
    return token_id is not None, {
        "user_id": session.get(USER_KEY) or 0, "token_id": token_id,
        "login_id": session.get(LOGIN_KEY) or "", "now": datetime.now(UTC)}


def _checked(row, by_token: bool):
    """THE check of a live event's caller, whatever was read with it: the user found with what
    the connection was opened with, their account active, their token neither revoked nor run
    out (a browser's sign-in is checked open by the statement itself)."""
    if row is None or not row.active:
        raise Unauthorized(_("Your session has ended. Sign in again."))
    if by_token and (row.expires_at is None or row.revoked_at is not None
                     or row.expires_at <= datetime.now(UTC)):
        raise Unauthorized(_("Your token has expired or was revoked."))
    return row


@cache
def _caller_along(by_token: bool, statement: Select) -> tuple[Select, int]:
    """The caller's statement with ``statement``'s columns after its own (renamed: both may
    have an ``id``), and how many are the caller's; built once per statement."""
    caller = _user_statement(by_token, _CALLER)
    found = statement.subquery()
    width = len(caller.selected_columns)
    return caller.add_columns(*(column.label(f"along_{index}")
                                for index, column in enumerate(found.c))
                              ).outerjoin_from(_users, found, true()), width


#: What :func:`connected_user` loads: the caller's columns, the ORM user, the user with roles.
_CALLER, _USER, _WITH_ROLES = "caller", "user", "roles"
_users, _tokens, _sign_ins = User.__table__, ApiToken.__table__, SignIn.__table__


@cache
def _user_statement(by_token: bool, kind: str):
    """:func:`connected_user`'s statement, built once per kind (every live event runs one).

    A caller's statement is of table columns (no ORM entity to build, nor its identity map
    entry): 500 ballots at once each run it. Either kind gets the same credentials' joins and
    conditions (:func:`_with_credentials`) and names its columns alike, for one check."""
    if kind == _CALLER:
        return _with_credentials(select(_users.c.id, _users.c.name, _users.c.email,
                                        _users.c.active), by_token)
    statement = select(User, _users.c.active).options(
        defer(User.password_hash), defer(User.totp_secret), defer(User.totp_pending_secret))
    if kind == _WITH_ROLES:  # a row per role
        statement = statement.outerjoin(UserRole, UserRole.user_id == User.id).options(
            contains_eager(User.role_rows))
    else:
        statement = statement.options(lazyload(User.role_rows))
    return _with_credentials(statement, by_token)


def _with_credentials(statement, by_token: bool):
    """The user of the connection, with what it was opened with: its token's state (checked
    by :func:`connected_user`), or for a browser its sign-in, still open."""
    # The joins name their left side: the statement is also run for many connections at
    # once (group_commit.ForMany), where its parameters become columns of another table.
    statement = statement.where(_users.c.id == bindparam("user_id"))
    if by_token:
        return statement.add_columns(_tokens.c.revoked_at, _tokens.c.expires_at).outerjoin_from(
            _users, _tokens, and_(_tokens.c.id == bindparam("token_id"),
                                  _tokens.c.user_id == _users.c.id))
    # A browser's connection lives as long as its sign-in (the same record the session
    # loader checks): signed out or ended elsewhere, its next event is refused.
    return statement.join_from(_users, _sign_ins, and_(
        _sign_ins.c.user_id == _users.c.id, _sign_ins.c.key == bindparam("login_id"),
        _sign_ins.c.ended_at.is_(None), _sign_ins.c.expires_at > bindparam("now")))


#: A tablet sends a handful of events a second at most; more is a stuck or hostile client.
FLOOD_LIMIT, FLOOD_WINDOW = 30, 1.0  # events per window (seconds), per connection


def _flooding() -> bool:
    """Per-connection counter, kept in the connection's own Socket.IO session."""
    import time

    now = time.monotonic()
    window_start, count = session.get("flood", (now, 0))
    if now - window_start >= FLOOD_WINDOW:
        window_start, count = now, 0
    session["flood"] = (window_start, count + 1)
    return count + 1 > FLOOD_LIMIT


def error_ack(code: str, message: str) -> dict:
    return {"ok": False, "error": {"code": code, "message": message}}


#: Every /live handler, as (event, function). Bound to each app's Socket.IO server by
#: :func:`bind_handlers`: Flask-SocketIO's decorators bind only to the server that exists at import
#: time, which would leave every later app (a second worker's, a test's) without handlers.
HANDLERS: list[tuple[str, object]] = []


def bind_handlers() -> None:
    for name, handler in HANDLERS:
        socketio.on_event(name, handler, namespace=NAMESPACE)


def live_event(name: str, *roles: Role, as_caller: bool = False,
               alongside: Callable[[dict], Alongside] | None = None):
    """Declare ``handler(user, data) -> dict`` as the event ``name`` on /live, for callers
    holding one of ``roles`` if any are given (then loaded with the user).

    ``as_caller``: the handler is given the caller as plain columns (:class:`Caller`: id, name,
    email), checked as strictly, instead of an ORM user — for the events a hall of tablets sends
    at once, which need no more of the user (``ecabinet/identity/callers.py``). On PostgreSQL
    the callers of such events arriving at the same moment are read in one statement, in
    autocommit, on a connection of their group's (:func:`_caller_rows`); the event's own session
    is then used only if the handler reads or writes more, in a transaction of its own (a join
    whose state is kept does not; a named ballot is written with the others of the moment,
    ``voting.GROUP``).

    ``alongside`` (with ``as_caller``): given the event's arguments, a statement to read with
    the caller's in one round trip (:func:`connected_caller_with`); the handler is then called
    ``handler(caller, data, along)`` with its rows. If the arguments are refused (a
    validation error), the caller is checked first all the same: a dead session is answered
    as such, before anything about its arguments.
    """
    if as_caller and roles:
        raise ValueError("a role check needs the user's roles: not with as_caller")
    if alongside is not None and not as_caller:
        raise ValueError("alongside reads the caller as columns: with as_caller only")

    def decorator(handler):
        @wraps(handler)
        def wrapped(data=None):
            if _flooding():
                return error_ack("rate_limited", _("Too many requests. Wait a moment."))
            try:
                arguments = data if isinstance(data, dict) else {}
                check_text(arguments)  # before the database sees any of it
                with unit_of_work():
                    if alongside is not None:
                        try:
                            along = alongside(arguments)
                        except DomainError:
                            connected_user(as_caller=True)  # a dead session is told so first
                            raise
                        user, along = connected_caller_with(along)
                        result = handler(user, arguments, along)
                    else:
                        user = connected_user(with_roles=bool(roles), as_caller=as_caller)
                        if not as_caller:  # a caller is signed in by construction, no roles
                            check_roles(user, roles)
                        result = handler(user, arguments)
                return {"ok": True, **(result or {})}
            except DomainError as exc:
                return error_ack(exc.code, exc.message)
            except Exception:
                log.exception("live event %s failed", name)
                return error_ack("internal_error", _("Something went wrong. Nothing was saved."))
            finally:
                db.session.remove()

        HANDLERS.append((name, wrapped))
        return wrapped

    return decorator
