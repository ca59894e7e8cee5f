"""What the pages' handlers share: showing a service's refusal, and one page of a long list.

A page action calls a service; a refusal (:class:`ecabinet.errors.DomainError`) is something
the user can understand and act on, so the page shows its message (flashed, or next to a form's
field) and carries on, instead of answering with an error page. Written once here so that every
page shows a refusal the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, request, url_for

from ecabinet.errors import DomainError
from ecabinet.inputs import MAX_ID
from ecabinet.paging import MAX_PAGE_SIZE, PAGE_SIZE, page_of, slice_of


@dataclass
class Refusal:
    """What a :func:`refusal_shown` block was refused (false when it ran through)."""

    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str | None:
        return self.error.message if self.error else None

    @property
    def status(self) -> int | None:
        return self.error.status if self.error else None


def flash_error(message: str) -> None:
    flash(message, "error")


@contextmanager
def refusal_shown(show: Callable[[str], object] | None = flash_error, *,
                  only: tuple[type[DomainError], ...] = (DomainError,),
                  passing: tuple[int, ...] = ()) -> Iterator[Refusal]:
    """Run a page action's service call; a refusal of the kinds ``only`` is shown with ``show``
    (by default flashed as an error; a form field's ``errors.append`` puts it next to the field;
    None leaves it to the caller) and the block ends there, the page going on. Refusals of
    other kinds, or with a status in ``passing``, go on to the error handler (a 404 or 403
    page), as do all other exceptions.

        with refusal_shown():
            with unit_of_work():
                services.close(...)
            flash(_("Closed."), "success")
        return redirect(...)
    """
    refusal = Refusal()
    try:
        yield refusal
    except only as exc:
        if exc.status in passing:
            raise
        refusal.error = exc
        if show is not None:
            show(exc.message)


# --- long lists on pages -------------------------------------------------------------------------

class Pager:
    """``?page=&page_size=`` of a list page (the API's names), its rows cut in SQL, and the
    prev/next links (``_pager.html``). A value out of range is the default: a list's page is
    no place for an error."""

    def __init__(self, page: int = 1, page_size: int = PAGE_SIZE):
        self.page, self.page_size, self.total = page, page_size, 0

    @classmethod
    def from_request(cls) -> Pager:
        page = request.args.get("page", 1, type=int)
        size = request.args.get("page_size", PAGE_SIZE, type=int)
        return cls(page if 1 <= page <= MAX_ID else 1,
                   size if 1 <= size <= MAX_PAGE_SIZE else PAGE_SIZE)

    def rows(self, query) -> list:
        """This page of an ordered query."""
        items, self.total = page_of(query, self.page, self.page_size)
        return items

    def cut(self, items) -> list:
        """This page of a list filtered in Python (a seam, until its SQL rule exists)."""
        page, self.total = slice_of(items, self.page, self.page_size)
        return page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def previous(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None

    def url(self, page: int) -> str:
        """This list with another page, its other parameters (filters) kept."""
        return url_for(request.endpoint, **(request.view_args or {}),
                       **{**request.args.to_dict(), "page": page})
