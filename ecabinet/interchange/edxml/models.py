"""An edXML package and a status message as plain values (QCVN 102:2016/BTTTT).

Plain frozen dataclasses, no database: the integration maps decisions, incoming documents and
the organisations directory onto them. Field names follow the standard's element names
(``organ_id`` is ``OrganId``) so that a reader can hold this module beside a package.

Source of the structure: the official text of QCVN 102:2016 was not available to us; the
elements, their order and their formats (dates ``yyyy/mm/dd``, timestamps ``yyyy/mm/dd
HH:mm:ss``) follow ../shared/DOMAIN.md and the shape of packages produced by public SDKs of the
Government Office's exchange service. The meaning of the numeric codes (``DocumentType.type``,
``OtherInfo.priority``, ``steering_type``) is the caller's to map; nothing here interprets them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

#: Vietnam's time (UTC+7, no daylight saving): the standard's timestamps carry no zone, and the
#: exchange is national, so they are read and written in it.
VIETNAM = timezone(timedelta(hours=7), "ICT")

#: The electronic identifier of an organisation (mã định danh, Decree 30 Annex VI, String(13)):
#: ``V1V2V3.Z1Z2.Y1Y2.MX1X2``, e.g. ``000.00.00.G22``.
ORGAN_ID = re.compile(r"[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}")


class StatusCode(StrEnum):
    """The business status a recipient sends back (DOMAIN.md, "Status messages")."""

    RECEIVED = "01"  # arrived, not yet handled by the clerk
    REFUSED = "02"  # refused (or a recall refused)
    ACCEPTED = "03"  # accepted and registered (or a recall accepted)
    ASSIGNED = "04"  # assigned by the leader to a handling unit
    IN_PROGRESS = "05"  # being handled
    DONE = "06"  # done
    RECALL = "13"  # the sender asks to take the document back
    RECALL_ACCEPTED = "15"  # take-back or update accepted
    RECALL_REFUSED = "16"  # take-back or update refused


@dataclass(frozen=True)
class Organisation:
    """``From`` / ``To``: an organisation by its identifier, with its contact details."""

    organ_id: str
    organ_name: str
    organization_in_charge: str = ""  # the governing body (cơ quan chủ quản)
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class DocumentId:
    """``OrganId,yyyy/mm/dd,number/symbol``, e.g. ``000.00.00.G22,2015/09/30,7816/VPCP-TTĐT``:
    the issuer, the day of promulgation and the number and symbol, which together identify a
    document nationally (Decree 30 Art. 15: number + symbol unique per issuer and year)."""

    organ_id: str
    date: date
    number: str
    symbol: str

    def __str__(self) -> str:
        return f"{self.organ_id},{self.date:%Y/%m/%d},{self.number}/{self.symbol}"

    @classmethod
    def parse(cls, text: str) -> DocumentId:
        """ValueError when ``text`` is not of that form (the symbol may itself hold ``/``)."""
        organ_id, day, code = text.split(",", 2)
        number, symbol = code.split("/", 1)
        if not ORGAN_ID.fullmatch(organ_id) or not number or not symbol:
            raise ValueError(text)
        return cls(organ_id, parse_date(day), number, symbol)


@dataclass(frozen=True)
class Code:
    """The number (``CodeNumber``, from 01 each year) and symbol (``CodeNotation``)."""

    number: str
    notation: str


@dataclass(frozen=True)
class PromulgationInfo:
    place: str
    date: date


@dataclass(frozen=True)
class DocumentType:
    type: int
    type_detail: int
    type_name: str  # e.g. "Quyết định"


@dataclass(frozen=True)
class SignerInfo:
    competence: str  # signing on behalf: "TM.", "KT.", "TL." … or empty
    position: str
    full_name: str


@dataclass(frozen=True)
class OtherInfo:
    priority: int = 0  # urgency (độ khẩn)
    sphere_of_promulgation: str = ""
    typer_notation: str = ""  # initials of the typist and the number of copies
    promulgation_amount: int = 1
    page_amount: int = 1
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseFor:
    """The document a package or a status answers: its issuer, ``number/symbol``, day and
    ``DocumentId`` as the issuer wrote them."""

    organ_id: str
    code: str
    promulgation_date: date
    document_id: str


@dataclass(frozen=True)
class TraceHeader:
    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Business:
    """``TraceHeaderList/Bussiness`` (sic, as the SDKs spell it): whether the package is a new
    document or changes one sent before. Only ``0`` (a new document) is confirmed by the public
    samples; the other codes (update, replacement, recall) are the integration's to map."""

    doc_type: int  # BussinessDocType
    reason: str = ""  # BussinessDocReason
    paper: int = 0  # Paper: 1 when a paper copy follows
    staff: StaffInfo | None = None


@dataclass(frozen=True)
class Attachment:
    """A file of the package; ``content_id`` ties the manifest's reference to the bytes."""

    content_id: str
    name: str
    content_type: str
    data: bytes = field(repr=False)
    description: str = ""


@dataclass(frozen=True)
class SignatureInfo:
    """Who signed a package that was read and verified (not part of the package's equality)."""

    certificate: bytes = field(repr=False)  # DER
    subject: str
    #: The From organisation's identifier found in the certificate, or the certificate found
    #: among the organisation's known ones; False when neither could be checked.
    organisation_matched: bool


@dataclass(frozen=True)
class Package:
    """One document sent from ``from_`` to ``to``. ``attachments`` hold the bytes (the signed
    PDF first, by the integration's convention)."""

    from_: Organisation
    to: tuple[Organisation, ...]
    document_id: DocumentId
    code: Code
    promulgation: PromulgationInfo
    document_type: DocumentType
    subject: str
    signer: SignerInfo
    content: str = ""
    due_date: date | None = None
    other_info: OtherInfo | None = None
    steering_type: int | None = None
    to_places: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    trace: tuple[TraceHeader, ...] = ()
    business: Business | None = None
    attachments: tuple[Attachment, ...] = ()
    signature: SignatureInfo | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class Status:
    """A status message: what ``from_`` did with the document ``response_for``."""

    response_for: ResponseFor
    from_: Organisation
    status_code: StatusCode
    timestamp: datetime
    description: str = ""
    staff: StaffInfo | None = None
    signature: SignatureInfo | None = field(default=None, compare=False, repr=False)


# --- the standard's formats ------------------------------------------------------------------

def format_date(day: date) -> str:
    return f"{day:%Y/%m/%d}"


def parse_date(text: str) -> date:
    return datetime.strptime(text, "%Y/%m/%d").date()


def format_timestamp(moment: datetime) -> str:
    """In Vietnam's time; a naive datetime is taken as already in it."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(VIETNAM)
    return f"{moment:%Y/%m/%d %H:%M:%S}"


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y/%m/%d %H:%M:%S").replace(tzinfo=VIETNAM)
