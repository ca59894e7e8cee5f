"""Languages: Vietnamese first, English per user; dates written the Vietnamese way."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_datetime, get_locale
from flask_login import current_user

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def in_vietnam(value: datetime) -> datetime:
    """``value`` in Vietnam's time; a moment too near the end of the calendar to convert (a
    stored 9999-12-31T23:00Z) stays in UTC rather than failing the page that shows it."""
    try:
        return value.astimezone(VIETNAM)
    except (OverflowError, ValueError):
        return value


def select_locale() -> str:
    """The user's language if signed in, else the one chosen on the login page, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line, jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def vietnamese_date(value: date | datetime, place: str | None = None) -> str:
    """ "Hà Nội, ngày 05 tháng 02 năm 2026": days below 10 and months 1 and 2 take a leading zero.

    (Decree 30/2020, Appendix I: the date line of an administrative document.)
    """
    if isinstance(value, datetime):
        value = in_vietnam(value) if value.tzinfo else value
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    text = f"ngày {value.day:02d} tháng {month} năm {value.year}"
    return f"{place}, {text}" if place else text


def vietnamese_datetime(value: datetime) -> str:
    """ "08:00, ngày 01 tháng 12 năm 2026", in Vietnam's time."""
    local = in_vietnam(value)
    return f"{local:%H:%M}, {vietnamese_date(local)}"


def _vietnamese_page() -> bool:
    locale = get_locale() if has_request_context() else None
    return locale is None or locale.language == "vi"


def page_date(value: date | datetime, place: str | None = None) -> str:
    """A date on a page, in the reader's language: the decree's "ngày 05 tháng 02 năm 2026" on
    a Vietnamese page, "5 February 2026" on an English one (Vietnam's calendar day both)."""
    if _vietnamese_page():
        return vietnamese_date(value, place)
    from babel.dates import format_date

    if isinstance(value, datetime):
        value = (in_vietnam(value) if value.tzinfo else value).date()
    text = format_date(value, "d MMMM y", locale=get_locale())
    return f"{place}, {text}" if place else text


def page_datetime(value: datetime) -> str:
    """ "08:00, 1 December 2026" on an English page, "08:00, ngày 01 tháng 12 năm 2026" on a
    Vietnamese one; Vietnam's time."""
    local = in_vietnam(value)
    return f"{local:%H:%M}, {page_date(local)}"


def vietnam_iso(value: datetime) -> str:
    """ISO 8601 with the Vietnamese offset written with a colon: 2026-11-23T14:30:05+07:00."""
    return in_vietnam(value).replace(microsecond=0).isoformat()


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    try:
        return format_datetime(value, fmt)
    except (OverflowError, ValueError):  # beyond what the calendar converts: say it plainly
        return value.isoformat()


def _template_globals() -> dict:
    from ecabinet.identity.models import Role

    return {
        "Role": Role,
        "current_locale": lambda: str(get_locale() or "vi"),
        "today": datetime.now(VIETNAM).date(),
    }


def ascii_name(name: str) -> str:
    """A Vietnamese file name in ASCII, case kept: "Đề-án-QĐ.pdf" → "De-an-QD.pdf" (Đ/đ have no
    Unicode decomposition, so a plain NFKD fold drops them)."""
    import unicodedata

    name = name.replace("Đ", "D").replace("đ", "d")
    folded = "".join(c for c in unicodedata.normalize("NFKD", name)
                     if not unicodedata.combining(c))
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in folded)


_UTF8_NAME = re.compile(r"filename\*=UTF-8''([^;]+)")
_ASCII_NAME = re.compile(r'filename=("[^"]*"|[^;]*)')


def _download_names(response):
    """Every download with a non-ASCII name (RFC 6266): browsers take ``filename*`` (UTF-8);
    the ASCII ``filename`` fallback other clients read keeps the letters (one rule, for every
    ``send_file``)."""
    disposition = response.headers.get("Content-Disposition")
    if disposition and "filename*=" in disposition:
        from urllib.parse import unquote

        match = _UTF8_NAME.search(disposition)
        if match:
            fallback = ascii_name(unquote(match.group(1)))
            response.headers["Content-Disposition"] = _ASCII_NAME.sub(
                lambda _m: f'filename="{fallback}"', disposition, count=1)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_download_names)
    app.context_processor(_template_globals)
    # Pages write dates in the reader's language; documents and notices call
    # vietnamese_date / vietnamese_datetime themselves (the Government's record is Vietnamese).
    app.jinja_env.filters["vndate"] = page_date
    app.jinja_env.filters["vndatetime"] = page_datetime
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["vniso"] = vietnam_iso
