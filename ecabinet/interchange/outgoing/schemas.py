"""The outgoing exchange register's filter (/interchange/outgoing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ecabinet.interchange.outgoing.register import NO_ANSWER, STATUS_LABELS, this_year
from ecabinet.registers import filters


class OutgoingRegisterArgsSchema(filters.FilterSchema):
    """A year (this year by default), a business status (or "none": nothing answered yet), a
    recipient organisation; ``format=xlsx`` for the export."""

    year = filters.year(default=this_year)
    status = filters.choice([*STATUS_LABELS, NO_ANSWER], _l("Status"))
    organisation_id = filters.ident(_l("Organisation"), "the recipient")
    format = filters.export_format("xlsx")
