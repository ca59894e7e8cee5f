"""An issued decision as an edXML package for one recipient organisation, and the recall (13)
as a status message: the mapping of our records onto the standard's elements.

Pure mapping (plain values in, :mod:`~ecabinet.interchange.edxml` values out); the services
seal and queue them.
"""

from __future__ import annotations

from datetime import datetime

from ecabinet import storage
from ecabinet.decisions.layout import KINDS
from ecabinet.decisions.models import Decision
from ecabinet.identity.models import Organisation
from ecabinet.interchange import edxml
from ecabinet.interchange.edxml.models import VIETNAM

#: DocumentType (Type, TypeDetail) per kind. The official code list of QCVN 102:2016 was not
#: available to us: these codes are ours (1 an administrative act, 2 a letter); the name
#: (TypeName, from :data:`~ecabinet.decisions.layout.KINDS`) is what the recipient's clerk reads.
DOCUMENT_TYPES = {"quyet_dinh": (1, 1), "nghi_quyet": (1, 2), "thong_bao_ket_luan": (1, 3),
                  "cong_van": (2, 0)}
#: Signing on behalf of (Decree 30 Art. 13): the authority line starts with it.
COMPETENCES = ("TM.", "KT.", "TL.", "TUQ.", "Q.")
PDF = "application/pdf"


def organisation(row: Organisation) -> edxml.Organisation:
    parent = row.parent
    return edxml.Organisation(
        organ_id=row.identifier or "", organ_name=row.name,
        organization_in_charge=parent.name if parent is not None else "",
        organ_add=row.address or "", email=row.email or "", telephone=row.telephone or "",
        fax=row.fax or "", website=row.website or "")


def promulgation_day(decision: Decision):
    """The day in the date line: the issue's day in Vietnam."""
    return decision.issued_at.astimezone(VIETNAM).date()


def document_id(decision: Decision, sender: Organisation) -> edxml.DocumentId:
    number, _, symbol = decision.symbol.partition("/")
    return edxml.DocumentId(sender.identifier, promulgation_day(decision), number, symbol)


def signer_info(decision: Decision) -> edxml.SignerInfo:
    """"TM. CHÍNH PHỦ\\nTHỦ TƯỚNG" → competence "TM.", position the last line."""
    lines = [line.strip() for line in (decision.authority or "").splitlines() if line.strip()]
    first = lines[0] if lines else ""
    competence = next((c for c in COMPETENCES if first.upper().startswith(c)), "")
    position = lines[-1] if lines else (decision.signer.title or "")
    return edxml.SignerInfo(competence=competence, position=position,
                            full_name=decision.signer.name)


def _file_name(decision: Decision) -> str:
    return decision.symbol.replace("/", "-") + ".pdf"


def attachments(decision: Decision) -> tuple[edxml.Attachment, ...]:
    """The issued (sealed) PDF first, byte for byte as stored, then its sealed appendixes."""
    files = [edxml.Attachment(content_id="van-ban", name=_file_name(decision), content_type=PDF,
                              data=storage.get(decision.pdf_sha256),
                              description=decision.summary[:300])]
    for appendix in decision.attachments:
        if appendix.pdf_sha256:
            files.append(edxml.Attachment(
                content_id=f"phu-luc-{appendix.position}",
                name=f"phu-luc-{appendix.position}.pdf", content_type=PDF,
                data=storage.get(appendix.pdf_sha256), description=appendix.title[:300]))
    return tuple(files)


def decision_package(decision: Decision, sender: Organisation, recipient: Organisation,
                     now: datetime) -> edxml.Package:
    number, _, notation = decision.symbol.partition("/")
    kind, detail = DOCUMENT_TYPES.get(decision.kind, (2, 0))
    name = (KINDS[decision.kind].type_name or "Công văn").capitalize()
    return edxml.Package(
        from_=organisation(sender), to=(organisation(recipient),),
        document_id=document_id(decision, sender),
        code=edxml.Code(number=number, notation=notation),
        promulgation=edxml.PromulgationInfo(place=decision.place or "",
                                            date=promulgation_day(decision)),
        document_type=edxml.DocumentType(type=kind, type_detail=detail,
                                         type_name=name),
        subject=decision.summary, signer=signer_info(decision),
        other_info=edxml.OtherInfo(appendixes=tuple(a.title for a in decision.attachments)),
        trace=(edxml.TraceHeader(organ_id=sender.identifier, timestamp=now),),
        business=edxml.Business(doc_type=0),  # 0: a new document
        attachments=attachments(decision))


def response_for(decision: Decision, document: str) -> edxml.ResponseFor:
    """Our own document, as the statuses about it name it."""
    parsed = edxml.DocumentId.parse(document)
    return edxml.ResponseFor(organ_id=parsed.organ_id, code=decision.symbol,
                             promulgation_date=parsed.date, document_id=document)


def recall_status(decision: Decision, document: str, sender: Organisation, reason: str,
                  now: datetime, staff: str) -> edxml.Status:
    return edxml.Status(response_for=response_for(decision, document),
                        from_=organisation(sender), status_code=edxml.StatusCode.RECALL,
                        timestamp=now, description=reason,
                        staff=edxml.StaffInfo(staff=staff))
