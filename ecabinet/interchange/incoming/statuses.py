"""The status messages this installation sends back to a document's sender (01 received, 02
refused, 03 accepted, 04 assigned, 05 in handling, 06 done; 15/16 answering a recall): built,
sealed with the installation's seal and put in the outbox in the caller's transaction, so that
the step and its message commit together or not at all."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ecabinet.interchange import edxml, installation
from ecabinet.interchange.axis import services as axis
from ecabinet.interchange.axis.models import AxisOutgoing
from ecabinet.interchange.edxml.models import ORGAN_ID


def own_party() -> edxml.Organisation:
    """This installation as the ``From`` of its messages, from the directory."""
    organisation = installation.own_organisation()
    return edxml.Organisation(
        organ_id=organisation.identifier, organ_name=organisation.name,
        organization_in_charge=organisation.parent.name if organisation.parent else "",
        organ_add=organisation.address or "", email=organisation.email or "",
        telephone=organisation.telephone or "", fax=organisation.fax or "",
        website=organisation.website or "")


def response_for(document) -> edxml.ResponseFor:
    return edxml.ResponseFor(organ_id=document.sender_identifier, code=document.symbol,
                             promulgation_date=document.promulgation_date,
                             document_id=document.document_id)


def claimed_response_for(sender: str, claimed: edxml.Package | None) -> edxml.ResponseFor:
    """What a refused package said it was (never trusted: only to tell its sender which one
    was refused); the bare sender when it could not be read at all."""
    if claimed is not None:
        return edxml.ResponseFor(organ_id=sender, code=f"{claimed.code.number}/"
                                 f"{claimed.code.notation}"[:500],
                                 promulgation_date=claimed.promulgation.date,
                                 document_id=str(claimed.document_id)[:500])
    return edxml.ResponseFor(organ_id=sender, code="", promulgation_date=date.today(),
                             document_id="")


def answerable(sender: str) -> bool:
    """A status can only go to an organisation with a well-formed identifier."""
    return bool(sender) and ORGAN_ID.fullmatch(sender) is not None


def send(to: str, regarding: edxml.ResponseFor, code: edxml.StatusCode, description: str = "",
         *, actor=None) -> AxisOutgoing:
    """Seal and queue one status message to ``to``. Flushes; the caller commits."""
    staff = edxml.StaffInfo(department=installation.own_organisation().name[:500],
                            staff=(actor.name if actor is not None else "")[:500],
                            email=(actor.email if actor is not None else "")[:500])
    status = edxml.Status(response_for=regarding, from_=own_party(), status_code=code,
                          timestamp=datetime.now(UTC), description=description[:2000],
                          staff=staff)
    with installation.package_signer() as signer:
        data = edxml.build_status(status, signer=signer)
    return axis.queue_package(data, [to], "status", actor=actor)
