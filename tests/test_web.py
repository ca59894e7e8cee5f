"""ecabinet.web.refusal_shown: a page action's refusal is shown (flashed, or given to a form
field) and the page goes on; what it is not asked to catch goes on to the error handler."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages

from ecabinet.errors import Conflict, Forbidden, NotFound
from ecabinet.web import refusal_shown


def test_a_refusal_is_flashed_as_an_error(app):
    with app.test_request_context():
        with refusal_shown() as refused:
            raise Conflict("Đã khoá.")
        assert refused and refused.message == "Đã khoá." and refused.status == 409
        assert get_flashed_messages(with_categories=True) == [("error", "Đã khoá.")]


def test_nothing_refused_shows_nothing(app):
    with app.test_request_context():
        with refusal_shown() as refused:
            pass
        assert not refused and refused.message is None
        assert get_flashed_messages() == []


def test_a_refusal_goes_where_it_is_asked(app):
    errors: list[str] = []
    with app.test_request_context():
        with refusal_shown(errors.append):
            raise Conflict("Trùng.")
        assert errors == ["Trùng."] and get_flashed_messages() == []


def test_what_it_is_not_asked_to_catch_goes_on(app):
    with app.test_request_context():
        with pytest.raises(Forbidden), refusal_shown(passing=(403,)):
            raise Forbidden("Không được phép.")
        with pytest.raises(NotFound), refusal_shown(only=(Conflict,)):
            raise NotFound("Không có.")
        with pytest.raises(KeyError), refusal_shown():
            raise KeyError("x")
        assert get_flashed_messages() == []
