"""The receiver behind the real transport: the Government Office sends a package through
``axis serve`` over HTTP, the ministry's poller fetches, keeps and registers it, and the
acknowledgement (01) goes back through the same service to the Government Office."""

from __future__ import annotations

from ecabinet.interchange import edxml
from ecabinet.interchange.axis import services as axis
from tests.interchange.axis.conftest import start_service
from tests.interchange.incoming.conftest import GOV_OFFICE, numbered
from tests.interchange.incoming.test_receiver import quarantine_rows, register_rows


def test_a_package_sent_through_axis_serve_is_registered_and_acknowledged(
        ministry, test_pki, pdfs, tmp_path):
    service = start_service(tmp_path)
    try:
        gov, btc = service.transport("vpcp"), service.transport("btc")
        gov.send(numbered(test_pki, pdfs.signed, 77), ["000.00.00.G12"], "edoc")
        gov.send(b"<edXML>hostile", ["000.00.00.G12"], "edoc")

        with ministry.app_context():
            report = axis.poll_once(btc)
            assert len(report.handed_over) == 2 and not report.failed
            assert axis.send_pending(btc).sent  # the statuses leave

        assert register_rows(ministry) == [
            (1, f"{GOV_OFFICE},2026/12/04,77/VPCP-KTTH", "received", True)]
        assert [reason for reason, *_ in quarantine_rows(ministry)] == ["not_well_formed"]
        answers = [edxml.parse_status(gov.fetch(item.id), trust=test_pki.trust())
                   for item in gov.received() if item.messagetype == "status"]
        assert sorted(s.status_code.value for s in answers) == ["01", "02"]
    finally:
        service.server.stop()
        service.store.engine.dispose()
