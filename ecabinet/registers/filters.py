"""A register's filter: the query string of its page and of its API read into the criteria its
query takes, a value the register does not know refused with a clear answer (422).

Each register writes its filter once, as a schema derived from :class:`FilterSchema` (in the
feature's ``schemas.py``, with the fields made here): the API reads it with
``@blp.arguments(…, location="query")``, the page with :func:`parse`, so the page and the API
cannot come to accept different filters. Either way the result is a :class:`Filter`.

Two rules for every register:

- an empty value is no filter: a form's "All" sends ``status=``, and a link that keeps the
  filters may carry ``organisation_id=``;
- a value the register does not know is refused, not ignored: a clerk who asked for the
  documents "in handling" must not be shown all of them under that heading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, post_load, pre_load, validate

from ecabinet.errors import Invalid
from ecabinet.inputs import MAX_ID, MAX_YEAR, MIN_YEAR, Schema

#: The field of a filter schema that names the export asked for (not a criterion).
FORMAT = "format"


class Filter(dict):
    """The criteria, by the names the register's query takes (``query(**criteria)``; an
    unset criterion is None), and :attr:`format`: the export asked for, the schema's default
    without one (None where there is none: the page is wanted)."""

    def __init__(self, criteria: Mapping, format: str | None = None):  # noqa: A002
        super().__init__(criteria)
        self.format = format

    def args(self, **more) -> dict:
        """The query string that gives this filter again (a link to its export, to another
        page), with ``more``."""
        return {**{name: value for name, value in self.items() if value is not None}, **more}


class FilterSchema(Schema):
    """The base of a register's filter. Arguments it does not name are left to others
    (``page``, ``page_size``: the pager's)."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _empty_is_no_filter(self, data, **_kwargs):
        if not isinstance(data, Mapping):
            return data  # refused as "Invalid input type" by the schema itself
        return {name: data[name] for name in data if data[name] != ""}

    @post_load
    def _as_filter(self, data: dict, **_kwargs) -> Filter:
        criteria = dict(data)
        return Filter(criteria, criteria.pop(FORMAT, None))


class _WholeNumber(fields.Integer):
    """An integer from a query string, refused in the reader's language."""

    def make_error(self, key: str, **kwargs) -> ValidationError:
        if key == "invalid":
            return ValidationError(str(_l("Not a whole number.")))
        return super().make_error(key, **kwargs)


def year(*, low: int = MIN_YEAR, high: int = MAX_YEAR,
         default: Callable[[], int] | None = None) -> fields.Integer:
    """The register's year, from ``low`` to ``high``; ``default`` (a function: this year)
    when none is given, else all years."""
    return _WholeNumber(
        load_default=default,
        validate=validate.Range(min=low, max=high, error=_l("No register for that year.")),
        metadata={"label": _l("Year"), "description": "default: this year" if default
                  else "default: every year"})


def ident(label: str, description: str = "") -> fields.Integer:
    """An id in a query string ("12": text, unlike :class:`ecabinet.inputs.Id` in a body)."""
    return _WholeNumber(load_default=None,
                        validate=validate.Range(min=1, max=MAX_ID, error=_l("Not a valid id.")),
                        metadata={"label": label, "description": description})


def choice(values: Iterable[str], label: str, *, description: str = "") -> fields.String:
    """One of ``values`` (a state, a status code), or no filter."""
    values = [str(value) for value in values]
    return fields.String(
        load_default=None,
        validate=validate.OneOf(values, error=_l("“{input}” is not a choice of this register.")),
        metadata={"label": label, "description": description or ", ".join(values)})


def export_format(*formats: str, default: str | None = None) -> fields.String:
    """The field ``format`` (so named in the schema): the export asked for
    (:attr:`Filter.format`), ``default`` without one."""
    return fields.String(
        load_default=default,
        validate=validate.OneOf(formats, error=_l("No export as “{input}” (only {choices}).")),
        metadata={"label": _l("Format"), "description": ", ".join(formats)})


def parse(schema: Schema, args: Mapping) -> Filter:
    """The filter of a page's query string ``args``; refused (422) with what is wrong with
    which argument, by its label, in the message (all a page shows) and in the details."""
    try:
        return schema.load(args)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise Invalid(_("The register cannot be filtered like this: %(problems)s",
                        problems=" ".join(_problem(schema, name, errors)
                                          for name, errors in messages.items())),
                      details=messages) from None


def _problem(schema: Schema, name: str, errors) -> str:
    field = schema.fields.get(name)
    label = field.metadata.get("label", name) if field is not None else name
    return f"{label}: {' '.join(map(str, errors))}"
