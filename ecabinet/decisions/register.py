"""The register of outgoing documents (sổ văn bản đi): numbers per issuing body per year.

Decree 30/2020: from 01 on 1 January, in order, no gaps, never reused. The number is taken in
the transaction that issues the document, from a counter row locked with SELECT … FOR UPDATE
(PostgreSQL; on SQLite every write transaction starts with BEGIN IMMEDIATE and is alone
anyway). A second clerk issuing at the same instant waits for the first transaction, then
reads its number. The counter only moves once the seal signature has succeeded
(:func:`next_number` then :func:`use_number`): an issue refused on the way (a wrong PIN, the
time-stamping authority down) uses no number, even though its refusal is committed (the PIN
lockout counter must survive it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecabinet.decisions.models import RegisterCounter
from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM


def register_year(moment: datetime) -> int:
    """The register's year is Vietnam's calendar year: 31 Dec 17:00 UTC is already next year."""
    return moment.astimezone(VIETNAM).year


def _ensure_counter(organisation_id: int, year: int) -> None:
    """Create the year's counter if missing; two first issues of a year never both insert."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(RegisterCounter).values(
        organisation_id=organisation_id, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["organisation_id", "year"]))


def _locked_counter(organisation_id: int, year: int) -> RegisterCounter:
    _ensure_counter(organisation_id, year)
    return db.session.execute(
        select(RegisterCounter)
        .where(RegisterCounter.organisation_id == organisation_id, RegisterCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


def next_number(organisation_id: int, year: int) -> int:
    """The number the next document of the issuer's register for ``year`` gets. The counter
    stays locked until the caller's transaction ends, so nobody else can be given it; it is
    only used up by :func:`use_number` (an issue that fails before leaves no gap)."""
    return _locked_counter(organisation_id, year).last_number + 1


def use_number(organisation_id: int, year: int, number: int) -> None:
    """Record ``number`` as given (after :func:`next_number`, in the same transaction)."""
    counter = _locked_counter(organisation_id, year)
    if number != counter.last_number + 1:
        raise RuntimeError("register numbers are used in order, once")
    counter.last_number = number
    db.session.flush()


def take_number(organisation_id: int, year: int) -> int:
    """Both at once, for a caller that cannot fail between them."""
    number = next_number(organisation_id, year)
    use_number(organisation_id, year, number)
    return number


def last_number(organisation_id: int, year: int) -> int:
    return db.session.scalar(select(RegisterCounter.last_number).where(
        RegisterCounter.organisation_id == organisation_id,
        RegisterCounter.year == year)) or 0
