"""A register's filter (ecabinet.registers.filters), without a register: the query string read
into the criteria and the export asked for; an empty value is no filter; a value the register
does not know is refused (422) with a message that names the argument by its label."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from ecabinet.errors import Invalid
from ecabinet.registers import filters


class BookFilter(filters.FilterSchema):
    year = filters.year(low=2000, high=2100, default=lambda: 2026)
    state = filters.choice(["open", "closed"], "State")
    organisation_id = filters.ident("Sender")
    format = filters.export_format("csv", "xlsx")


def parse(**args) -> filters.Filter:
    return filters.parse(BookFilter(), MultiDict(args))


def test_the_query_string_becomes_the_criteria_and_the_export():
    found = parse(year="2025", state="open", organisation_id="12", format="xlsx", page="2",
                  page_size="50")
    assert found == {"year": 2025, "state": "open", "organisation_id": 12}
    assert found.format == "xlsx"
    # what the page's links give again: the criteria set, and what they add
    assert found.args(format="csv") == {"year": 2025, "state": "open", "organisation_id": 12,
                                        "format": "csv"}


def test_nothing_asked_is_the_defaults_and_no_export():
    found = parse()
    assert found == {"year": 2026, "state": None, "organisation_id": None}
    assert found.format is None
    assert found.args() == {"year": 2026}


def test_an_empty_value_is_no_filter():
    """A form's "All" sends ``state=``; a link that keeps the filter may carry them all."""
    assert parse(year="", state="", organisation_id="", format="") == parse()


@pytest.mark.parametrize(("name", "value", "label", "reason"), [
    ("year", "abc", "Year", "Not a whole number."),
    ("year", "1999", "Year", "No register for that year."),
    ("year", str(2**31), "Year", "No register for that year."),
    ("year", "2026.5", "Year", "Not a whole number."),
    ("state", "bogus", "State", "“bogus” is not a choice of this register."),
    ("state", "OPEN", "State", "“OPEN” is not a choice of this register."),
    ("organisation_id", "0", "Sender", "Not a valid id."),
    ("organisation_id", "x", "Sender", "Not a whole number."),
    ("organisation_id", str(10**30), "Sender", "Not a valid id."),
    ("format", "pdf", "Format", "No export as “pdf” (only csv, xlsx)."),
])
def test_a_value_the_register_does_not_know_is_refused(name, value, label, reason):
    with pytest.raises(Invalid) as refused:
        parse(**{name: value})
    assert refused.value.status == 422
    assert refused.value.details == {name: [reason]}
    assert refused.value.message == (
        f"The register cannot be filtered like this: {label}: {reason}")


def test_every_argument_in_error_is_named():
    with pytest.raises(Invalid) as refused:
        parse(year="abc", state="bogus")
    assert set(refused.value.details) == {"year", "state"}
    assert "Year: Not a whole number." in refused.value.message
    assert "State: “bogus” is not a choice of this register." in refused.value.message


def test_the_refusal_is_in_the_reader_s_language(app):
    """The page shows only the message: in Vietnamese, labels and reasons too."""

    class Vietnamese(filters.FilterSchema):
        year = filters.year(low=2000, high=2100)

    with app.test_request_context("/?year=1800"):
        with pytest.raises(Invalid) as refused:
            filters.parse(Vietnamese(), MultiDict({"year": "1800"}))
    assert refused.value.message == ("Không thể lọc sổ theo điều kiện này: "
                                     "Năm: Không có sổ đăng ký của năm này.")
