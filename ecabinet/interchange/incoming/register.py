"""The numbers of the incoming register: consecutive in order of arrival, one series a year,
from 1 (Decree 30 Art. 22), never two documents with one number.

The number is taken in the transaction that registers the document, by one UPDATE … SET
last_number = last_number + 1 on the year's counter row: on PostgreSQL the row's lock holds a
second receiver until the first commits (then it reads the new value, and gets the next
number); on SQLite every write transaction begins IMMEDIATE and is alone anyway. A
registration that fails later rolls the counter back with it: no gap. The unique (year,
number) of the register is the last guard.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ecabinet.extensions import db
from ecabinet.i18n import VIETNAM
from ecabinet.interchange.incoming.models import IncomingCounter


def register_year(moment: datetime) -> int:
    """Vietnam's calendar year: a package arriving 31 Dec at 18:00 UTC opens the next one."""
    return moment.astimezone(VIETNAM).year


def take_number(year: int) -> int:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(IncomingCounter).values(year=year, last_number=0)
                       .on_conflict_do_nothing(index_elements=["year"]))
    number = db.session.execute(
        update(IncomingCounter).where(IncomingCounter.year == year)
        .values(last_number=IncomingCounter.last_number + 1)
        .returning(IncomingCounter.last_number)
        .execution_options(synchronize_session=False)).scalar_one()
    return number


def last_number(year: int) -> int:
    return db.session.scalar(select(IncomingCounter.last_number)
                             .where(IncomingCounter.year == year)) or 0
