"""One page of a long list, cut by the database: the API's lists (``?page=&page_size=``, the
``X-Pagination`` header) and the pages' lists (prev/next links) share these.

A list is cut in SQL (``LIMIT``/``OFFSET`` on the list's own ordered query, and one ``COUNT``),
so a page costs the same however long the list grows. :func:`slice_of` is for the few lists
whose rule of who sees what is still written only in Python: they load every row and cut the
result, until the feature's SQL rule replaces the filter (each such place says so).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select

from ecabinet.extensions import db

#: A list's page size unless the caller asks for another, and the most one may ask for. The
#: default is larger than any list the app had before pages, so existing clients still get
#: whole lists.
PAGE_SIZE, MAX_PAGE_SIZE = 100, 500


def page_of(query: Select, page: int, page_size: int) -> tuple[list, int]:
    """Rows ``page`` (from 1) of ``query`` (already ordered) and how many rows it has in all."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    offset = (page - 1) * page_size
    if offset >= total:  # past the end: no second query (and no huge OFFSET)
        return [], total
    return list(db.session.scalars(query.limit(page_size).offset(offset)).unique()), total


def slice_of(items: Sequence, page: int, page_size: int) -> tuple[list, int]:
    """The same page of a list already loaded (filtered in Python)."""
    offset = (page - 1) * page_size
    return list(items[offset:offset + page_size]), len(items)
