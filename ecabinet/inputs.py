"""What the app accepts from outside, written once: ids, text and dates.

Every way in goes through these rules — URL paths (the ``int`` converter), JSON bodies (the
app's decoder), API arguments (the :class:`Schema` every API schema derives from), every query
string and form (a check before each request, and :class:`Request`), socket events (the API's
schemas again, :func:`load_event`, and :func:`check_text`) and the pages' date fields
(:class:`SaneDate`) — so a value the database cannot hold is refused with a 4xx before it
reaches the database, on SQLite and PostgreSQL alike:

- an id is an integer from 1 to 2^31-1 (PostgreSQL's ``integer``; SQLite overflows at 2^63);
  a path id beyond that is simply not found (404), a body id is invalid (422);
- any other integer from a request fits the same 32-bit range;
- text holds no NUL (PostgreSQL refuses it) and no lone surrogate (not encodable as UTF-8);
- a date lies between the years 1900 and 2200, so converting it to any time zone never overflows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

import flask
import marshmallow
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, pre_load, validate
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
MIN_YEAR, MAX_YEAR = 1900, 2200
EARLIEST = datetime(MIN_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(MAX_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)


def is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


# --- text ----------------------------------------------------------------------------------------

def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None."""
    if "\x00" in value:
        return str(_l("Text may not contain the NUL character."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return str(_l("Text must be valid Unicode (no lone surrogate)."))
    return None


def text_problems(data) -> dict[str, list[str]]:
    """Every string (keys too) in a decoded JSON value or form that cannot be stored, by its
    path. Iterative: a value nested as deep as the JSON decoder allows does not overflow the
    stack here."""
    found: dict[str, list[str]] = {}
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                found.setdefault(path or "_body", []).append(problem)
        elif isinstance(value, Mapping):
            for key in list(value.keys()):
                name = key if isinstance(key, str) else str(key)
                if isinstance(key, str) and text_problem(key):
                    found.setdefault("_keys", []).append(text_problem(key))
                    name = repr(key)
                stack.append((f"{path}.{name}" if path else name, _mapping_values(value, key)))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}.{index}", item) for index, item in enumerate(value))
    return found


def _mapping_values(mapping: Mapping, key):
    """All the values of ``key``: a form (a MultiDict) may carry several."""
    getlist = getattr(mapping, "getlist", None)
    if getlist is not None:
        return list(getlist(key))
    return mapping[key]


def check_text(data) -> None:
    """Raise :class:`ecabinet.errors.Invalid` (422) when ``data`` holds text that cannot be
    stored (socket events)."""
    from ecabinet.errors import Invalid

    problems = text_problems(data)
    if problems:
        raise Invalid(str(_l("Some fields are missing or invalid.")), details=problems)


# --- JSON bodies ---------------------------------------------------------------------------------

class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply for the decoder is a malformed body (400),
    not a RecursionError (500)."""

    def loads(self, s, **kwargs):
        return decode_json(s, **kwargs)


def decode_json(s, **kwargs):
    try:
        return json.loads(s, **kwargs)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", "(nested too deeply)", 0) from None


# --- query strings and forms of the pages --------------------------------------------------------

def bounded_int(value) -> int:
    """``int`` for ``request.args.get(name, type=int)``: a number the database cannot hold is
    no number (the caller's default), like text that is not a number at all."""
    number = int(value)
    if not -MAX_ID <= number <= MAX_ID:
        raise ValueError(f"{value!r} is out of range")
    return number


class _Parameters(ImmutableMultiDict):
    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        return super().get(key, default, bounded_int if type is int else type)


class Request(flask.Request):
    """Query strings and forms whose ``get(…, type=int)`` keeps to the database's integers."""

    parameter_storage_class = _Parameters


def init_app(app: Flask) -> None:
    """Before any blueprint: URL rules take their converters when they are added."""
    app.request_class = Request
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_unstorable_fields)


def _refuse_unstorable_fields() -> None:
    """Query strings and forms (the pages' forms, multipart uploads) hold only storable text:
    the same rule as API bodies, before any handler runs (a page gets a readable 422). A path
    with such text names nothing (404)."""
    from flask import request

    if text_problems(request.view_args or {}):  # a path no resource can have
        from werkzeug.exceptions import NotFound

        raise NotFound()
    problems = text_problems(request.args)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        problems.update(text_problems(request.form))
    if problems:
        from ecabinet.errors import Invalid

        raise Invalid(str(_l("Some fields are missing or invalid.")), details=problems)


# --- ids in URLs and socket events ---------------------------------------------------------------

class IdConverter(IntegerConverter):
    """``<int:…>`` in every URL of the app: 1 to 2^31-1; anything else does not match (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=1 if min is None else min,
                         max=MAX_ID if max is None else max, signed=signed)


def id_param_schema(converter: IdConverter) -> dict:
    """How flask-smorest documents a path id."""
    return {"type": "integer", "minimum": converter.min, "maximum": converter.max}


# --- API schemas ---------------------------------------------------------------------------------

class Schema(marshmallow.Schema):
    """The base of every API schema: any integer it loads fits the database's 32-bit integers,
    any datetime lies between :data:`MIN_YEAR` and :data:`MAX_YEAR`, and no text it loads holds
    a NUL or a lone surrogate. The bounds are added to the fields themselves, so the OpenAPI
    description states them."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        _bound(field_obj)

    @pre_load(pass_collection=True)
    def _storable_text(self, data, **_kwargs):
        problems = text_problems(data)
        if problems:
            raise ValidationError(problems)
        return data


def _bound(field_obj: fields.Field) -> None:
    if field_obj.dump_only:
        return
    if isinstance(field_obj, fields.List):
        _bound(field_obj.inner)
    elif isinstance(field_obj, fields.Integer) and not _within_int32(field_obj):
        field_obj.validators.append(validate.Range(min=-MAX_ID, max=MAX_ID))
    elif isinstance(field_obj, fields.DateTime) and SANE_DATES not in field_obj.validators:
        field_obj.validators.append(SANE_DATES)


def _within_int32(field_obj: fields.Field) -> bool:
    """Whether the field's own range already keeps it inside the database's integers."""
    return any(isinstance(v, validate.Range) and v.min is not None and v.max is not None
               and -MAX_ID <= v.min and v.max <= MAX_ID for v in field_obj.validators)


class _SaneDatetime(validate.Validator):
    """A datetime (aware or naive, read as UTC) between the years 1900 and 2200."""

    def __call__(self, value: datetime) -> datetime:
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        try:
            inside = EARLIEST <= moment.astimezone(UTC) <= LATEST
        except OverflowError:
            inside = False
        if not inside:
            raise ValidationError(str(_l("The date must be between the years %(low)s and "
                                         "%(high)s.", low=MIN_YEAR, high=MAX_YEAR)))
        return value


SANE_DATES = _SaneDatetime()


class SaneDate:
    """The same range for a WTForms date or datetime field (pages)."""

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError as FormError

        value = field.data
        if value is None:
            return
        year = value.year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise FormError(str(_l("The date must be between the years %(low)s and %(high)s.",
                                   low=MIN_YEAR, high=MAX_YEAR)))


# --- socket events -------------------------------------------------------------------------------

class Id(fields.Integer):
    """An id given in a body or a socket event rather than in the URL: an integer (not a
    boolean, a float or text) from 1 to :data:`MAX_ID`, like a path id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not is_id(value):
            raise ValidationError(str(_l("Not a valid id.")))
        return value


def load_event(schema: marshmallow.Schema, data: Mapping) -> dict:
    """The arguments of a socket event, loaded by ``schema`` (the API's schemas, with the ids
    the URL carries there as :class:`Id` fields); keys the event does not use are ignored.

    Refused with 422 (:class:`ecabinet.errors.Invalid`). The message names the first id in
    error, in the schema's order — a tablet's handler reads the ids before anything else —,
    or says that some fields are invalid."""
    from ecabinet.errors import Invalid

    try:
        return schema.load(data, unknown=marshmallow.EXCLUDE)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    key = next((name for name, field_obj in schema.fields.items()
                if isinstance(field_obj, Id) and name in messages), None)
    if key is not None:
        raise Invalid(str(_l("%(key)s must be a number.", key=key)),
                      details={key: [str(_l("Not a valid id."))]})
    raise Invalid(str(_l("Some fields are missing or invalid.")), details=messages)
