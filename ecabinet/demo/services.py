"""Seeding the demo: create what is missing, keep what exists (runs on every `make run`)."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from ecabinet.demo.data import LIAISONS, MEETING, ORGANISATIONS, POLL, USERS
from ecabinet.extensions import db
from ecabinet.identity import services as identity
from ecabinet.identity import totp
from ecabinet.identity.models import ROLES_REQUIRING_TOTP, Organisation
from ecabinet.organisations import services as organisations


@dataclass
class DemoAccount:
    email: str
    name: str
    title: str
    roles: list[str]
    password: str | None
    totp_secret: str | None


@dataclass
class SeedResult:
    created: list[str] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)


def load_credentials(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def save_credentials(path: Path, credentials: dict) -> None:
    """Demo passwords live in the instance folder (mode 0600), made per machine, never in code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(credentials, out, ensure_ascii=False, indent=2)
    tmp.replace(path)


def _ensure_organisations(result: SeedResult) -> None:
    """The demo's organisations with their identifiers and codes; an organisation seeded before
    the directory had identifiers gets its identifier now."""
    for name, code, identifier in ORGANISATIONS:
        org = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if org is None:
            organisations.create(name=name, code=code, identifier=identifier)
            result.created.append(f"organisation {name}")
        elif org.identifier is None:
            organisations.update(org, identifier=identifier, code=org.code or code)
            result.created.append(f"identifier of {name}")


def seed(credentials_file: Path) -> SeedResult:
    result = SeedResult()
    credentials = load_credentials(credentials_file)
    _ensure_organisations(result)
    for email, name, title, roles, org_code in USERS:
        known = credentials.setdefault(email, {})
        if identity.user_by_email(email) is None:
            known["password"] = secrets.token_urlsafe(9)
            known["totp_secret"] = totp.new_secret() if ROLES_REQUIRING_TOTP & set(roles) \
                else None
            identity.create_user(email=email, name=name, title=title, roles=roles,
                                 password=known["password"], organisation=org_code,
                                 totp_secret=known["totp_secret"])
            result.created.append(f"user {email}")
        result.accounts.append(DemoAccount(email, name, title, roles, known.get("password"),
                                           known.get("totp_secret")))
    save_credentials(credentials_file, credentials)
    _ensure_meeting(result)
    _ensure_documents(result)
    _ensure_poll(result)
    from ecabinet.signing.enrolment import enrol_demo_if_ready

    result.created.extend(enrol_demo_if_ready())
    from ecabinet.decisions.demo import ensure_demo_decision

    if ensure_demo_decision(MEETING["secretary"], MEETING["chair"], MEETING["title"]):
        result.created.append("decision awaiting signature")
    from ecabinet.tasks.demo import ensure_demo_tasks

    result.created.extend(ensure_demo_tasks(MEETING["secretary"], MEETING["chair"], LIAISONS))

    from ecabinet.interchange.incoming.demo import ensure_demo_incoming

    result.created.extend(ensure_demo_incoming())
    return result


def _user(email: str):
    return identity.user_by_email(email)


def _ensure_meeting(result: SeedResult) -> None:
    """A published regular meeting with its agenda; the secretariat prepares it."""
    from ecabinet.i18n import VIETNAM
    from ecabinet.meetings import services as meetings
    from ecabinet.meetings.models import Meeting

    if db.session.scalar(select(Meeting).where(Meeting.title == MEETING["title"])):
        return
    secretary = _user(MEETING["secretary"])
    day = datetime.now(VIETNAM).date() + timedelta(days=MEETING["days_ahead"])
    starts_at = datetime(day.year, day.month, day.day, MEETING["hour"], tzinfo=VIETNAM)
    meeting = meetings.create_meeting(secretary, title=MEETING["title"], starts_at=starts_at,
                                      location=MEETING["location"])
    meetings.invite(secretary, meeting, user_id=_user(MEETING["chair"]).id, role="chair")
    for email in MEETING["members"]:
        meetings.invite(secretary, meeting, user_id=_user(email).id, role="member")
    guest = _user(MEETING["guest"])
    meetings.invite(secretary, meeting, user_id=guest.id, role="guest")
    for title, agency, minutes, with_guest, confidential in MEETING["items"]:
        meetings.add_item(secretary, meeting, title=title, presenting_agency=agency,
                          duration_min=minutes, confidential=confidential,
                          invitee_ids=[guest.id] if with_guest else [])
    meetings.transition(secretary, meeting, "published")
    result.created.append(f"meeting {MEETING['title']}")


def _ensure_documents(result: SeedResult) -> None:
    """The meeting's dossier: draft documents attached to its items (see demo.documents)."""
    from ecabinet.demo.documents import ensure_documents
    from ecabinet.meetings.models import Meeting

    meeting = db.session.scalar(select(Meeting).where(Meeting.title == MEETING["title"]))
    if meeting is not None:
        ensure_documents(meeting, _user(MEETING["secretary"]), result.created)


def _ensure_poll(result: SeedResult) -> None:
    from ecabinet.polls import services as polls
    from ecabinet.polls.models import Poll

    if db.session.scalar(select(Poll).where(Poll.question == POLL["question"])):
        return
    from ecabinet.i18n import VIETNAM

    day = datetime.now(VIETNAM).date() + timedelta(days=POLL["days_ahead"])
    polls.create_poll(_user(MEETING["secretary"]), question=POLL["question"],
                      summary=POLL["summary"], chair_id=_user(MEETING["chair"]).id,
                      deadline=datetime(day.year, day.month, day.day, 17, tzinfo=VIETNAM))
    result.created.append("written poll")
