"""The local service's store on PostgreSQL as on SQLite (``axis serve --database URL``)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ecabinet.interchange.axis.server_store import StoreError, open_store
from tests.fixtures.database import POSTGRES_URL


@pytest.fixture
def service_url(database, tmp_path):
    """A database of the service's own: a throwaway schema on PostgreSQL, else a SQLite file."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'service.db'}"
        return
    schema = f"axis_service_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield make_url(POSTGRES_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_the_store_queues_per_recipient_and_keeps_statuses(service_url):
    store = open_store(service_url, iterations=1000)
    try:
        store.add_agency("000.00.00.G22", "Văn phòng Chính phủ", "vpcp", "a")
        store.add_agency("000.00.00.G12", "Bộ Tài chính", "btc", "b")
        assert store.add_agency("000.00.00.G12", "Bộ Tài chính (mới)", "btc", "b") is False
        gov, ministry = store.authenticate("vpcp", "a"), store.authenticate("btc", "b")
        body = bytes(range(256)) * 100  # every byte value survives the database
        doc_id = store.send(gov, None, ["000.00.00.G12"], "eDoc", "edoc", body)
        [waiting] = store.received(ministry)
        assert waiting["from"] == "000.00.00.G22" and waiting["docId"] != doc_id
        assert store.fetch(ministry, waiting["docId"]) == body
        with pytest.raises(StoreError):
            store.fetch(gov, waiting["docId"])
        store.update_status(ministry, waiting["docId"], "processing")
        assert [item["status"] for item in store.received(ministry)] == ["processing"]
        store.update_status(ministry, waiting["docId"], "done")
        assert store.received(ministry) == []
        [sent] = store.sent_list(gov)
        assert (sent["senderDocId"], sent["receiveStatus"]) == (doc_id, "done")
        assert {a["code"] for a in store.agencies()} == {"000.00.00.G22", "000.00.00.G12"}
        with pytest.raises(StoreError):
            store.authenticate("btc", "a")
    finally:
        store.engine.dispose()
