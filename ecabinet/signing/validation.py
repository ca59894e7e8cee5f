"""The validation report of a PDF's signatures: what a reader needs to trust a signed decision.

For each signature: who signed, when (claimed, and by a trusted timestamp), the PAdES level,
integrity, trust, what the signature covers, how the document changed afterwards, the DocMDP
rules, and the bottom line with its reasons. Validation never fetches anything: documents come
from anywhere, and following the URLs in their certificates would let a hostile PDF make the
server send requests. Revocation data is taken from the document (B-LT, B-LTA).
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ecabinet.asyncio_bridge import run_async
from ecabinet.errors import DomainError, Invalid
from ecabinet.signing.appearance import signing_time_text
from ecabinet.signing.failures import During, translated
from ecabinet.signing.trust import intermediates, trust_roots

#: Reasons a signature is not valid, with their English text (the page translates them).
REASONS = {
    "integrity": _l("The document was changed after signing, or the signature is corrupt."),
    "untrusted": _l("The signer's certificate does not lead to a trusted authority."),
    "revoked": _l("The signer's certificate was revoked."),
    "modified": _l("The document was modified after signing in a way that is not permitted."),
    "docmdp": _l("The changes after signing break the certification's rules (DocMDP)."),
    "timestamp": _l("The signature's timestamp is not valid."),
    "coverage": _l("The signature does not cover its whole revision of the document."),
}


#: The certificate's name fields as a Vietnamese reader names them (the page translates the
#: labels, the values are shown as the certificate has them), in the order they are shown.
SUBJECT_LABELS = {
    "common_name": _l("Full name"),
    "title": _l("Job title"),
    "organizational_unit_name": _l("Organisational unit"),
    "organization_name": _l("Organisation name"),
    "locality_name": _l("Locality"),
    "state_or_province_name": _l("Province or city"),
    "country_name": _l("Country"),
    "email_address": _l("Email address"),
    "serial_number": _l("Identity number"),
    "user_id": _l("User ID"),
}


class PayloadTooLarge(DomainError):
    status, code = 413, "payload_too_large"


def _iso(moment: datetime | None) -> str | None:
    return signing_time_text(moment) if moment else None


def _subject_fields(subject: dict) -> list[list[str]]:
    """``[[field, value], ...]``: the known fields in :data:`SUBJECT_LABELS`' order, then any
    other under its own name (asn1crypto's); a field repeated is joined."""
    order = list(SUBJECT_LABELS)
    keys = sorted(subject, key=lambda k: order.index(k) if k in order else len(order))
    fields = []
    for key in keys:
        value = subject[key]
        fields.append([key, ", ".join(map(str, value)) if isinstance(value, list) else str(value)])
    return fields


def _name(cert) -> dict:
    subject = cert.subject.native
    return {"name": subject.get("common_name"), "subject": cert.subject.human_friendly,
            "subject_fields": _subject_fields(subject),
            "email": subject.get("email_address"),
            "organisation": subject.get("organization_name"),
            "issuer": cert.issuer.native.get("common_name"),
            "serial": format(cert.serial_number, "x")}


def _enum(value) -> str | None:
    return value.name.lower() if value is not None else None


def _context(reader, trust_roots, other_certs):
    from asn1crypto import pem, x509
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
    from pyhanko_certvalidator import ValidationContext

    def load(data):
        if pem.detect(data):
            _kind, _headers, data = pem.unarmor(data)
        return x509.Certificate.load(data)

    kwargs = {"trust_roots": [load(c) for c in trust_roots],
              "other_certs": [load(c) for c in other_certs],
              "allow_fetching": False, "revocation_mode": "soft-fail"}
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return ValidationContext(**kwargs), False
    has_revinfo = bool(dss.ocsps or dss.crls)
    return dss.as_validation_context(kwargs), has_revinfo


def _level(embedded, status, revision_of_dss, timestamp_revisions) -> str:
    subfilter = str(embedded.sig_object.get("/SubFilter", ""))
    if subfilter != "/ETSI.CAdES.detached":
        return "CMS"
    revision = embedded.signed_revision
    if status.timestamp_validity is None:
        return "B-B"
    if revision_of_dss is None or revision_of_dss < revision:
        return "B-T"
    if any(r > revision for r in timestamp_revisions):
        return "B-LTA"
    return "B-LT"


def _dss_revision(reader) -> int | None:
    """The last revision that touched the DSS, if any (it must follow the signature for LT)."""
    if "/DSS" not in reader.root:
        return None
    try:
        return reader.xrefs.get_last_change(reader.root.raw_get("/DSS").reference)
    except Exception:  # noqa: BLE001 - a direct DSS dictionary: count it as the last revision
        return reader.xrefs.total_revisions - 1


async def _signature_entry(embedded, context, revinfo_embedded, dss_revision, ts_revisions):
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    status = await async_validate_pdf_signature(
        embedded, signer_validation_context=context, ts_validation_context=context,
        key_usage_settings=KeyUsageConstraints(
            key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False))
    reasons = []
    if not (status.intact and status.valid):
        reasons.append("integrity")  # trust is not evaluated for a broken signature
    elif status.revoked:
        reasons.append("revoked")
    elif not status.trusted:
        reasons.append("untrusted")
    coverage = status.coverage
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        reasons.append("coverage")
    level = status.modification_level
    if level is None or level == ModificationLevel.OTHER:
        reasons.append("modified")
    if status.docmdp_ok is False:
        reasons.append("docmdp")
    timestamp = None
    if status.timestamp_validity is not None:
        ts = status.timestamp_validity
        timestamp = {"time": _iso(ts.timestamp), "intact": ts.intact, "valid": ts.valid,
                     "trusted": ts.trusted,
                     "authority": ts.signing_cert.subject.native.get("common_name")}
        if not (ts.intact and ts.valid and ts.trusted):
            reasons.append("timestamp")
    docmdp = embedded.docmdp_level
    return {
        "type": "signature",
        "field": embedded.field_name,
        "signer": _name(status.signing_cert),
        "signing_time": _iso(embedded.self_reported_timestamp),
        "timestamp": timestamp,
        "level": _level(embedded, status, dss_revision, ts_revisions),
        "integrity": {"intact": status.intact, "valid": status.valid},
        "trust": {"trusted": status.trusted, "revoked": status.revoked,
                  "revocation_data_embedded": revinfo_embedded},
        "coverage": _enum(coverage),
        "modification_level": _enum(level),
        "docmdp": {"certification": embedded.sig_object.get("/Reference") is not None
                   and docmdp is not None,
                   "permission": _enum(docmdp), "ok": status.docmdp_ok},
        "revision": embedded.signed_revision,
        "valid": not reasons,
        "reasons": reasons,
    }


async def _timestamp_entry(embedded, context):
    from pyhanko.sign.validation import async_validate_pdf_timestamp

    status = await async_validate_pdf_timestamp(embedded, validation_context=context)
    reasons = []
    if not (status.intact and status.valid):
        reasons.append("integrity")
    elif not status.trusted:
        reasons.append("untrusted")
    return {
        "type": "document_timestamp",
        "field": embedded.field_name,
        "signer": _name(status.signing_cert),
        "signing_time": _iso(status.timestamp),
        "timestamp": {"time": _iso(status.timestamp), "intact": status.intact,
                      "valid": status.valid, "trusted": status.trusted,
                      "authority": status.signing_cert.subject.native.get("common_name")},
        "level": "document timestamp",
        "integrity": {"intact": status.intact, "valid": status.valid},
        "trust": {"trusted": status.trusted, "revoked": False,
                  "revocation_data_embedded": None},
        "coverage": _enum(status.coverage),
        "modification_level": _enum(status.modification_level),
        "docmdp": None,
        "revision": embedded.signed_revision,
        "valid": not reasons,
        "reasons": reasons,
    }


def validate_pdf(pdf: bytes, *, trust: list[bytes] | None = None) -> dict:
    """The validation report of every signature in ``pdf`` (see :func:`report`).

    Trusts ``trust`` (DER or PEM certificates) or else the configured roots (the demo root).
    Never fetches anything over the network: revocation data comes from the document.
    """
    roots = trust if trust is not None else trust_roots()
    return report(pdf, trust_roots=roots, other_certs=intermediates(),
                  max_bytes=current_app.config["SIGNING_VALIDATE_MAX_BYTES"])


def report(pdf: bytes, *, trust_roots: list[bytes], other_certs: list[bytes],
           max_bytes: int) -> dict:
    """Validate every signature of ``pdf``. Raises Invalid ``bad_pdf`` for what is not a
    readable PDF, 413 for what is too large; anything else yields a report."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    if len(pdf) > max_bytes:
        raise PayloadTooLarge(_("The file is larger than %(size)s MB.",
                                size=max_bytes // (1024 * 1024)))
    if not pdf.lstrip()[:1024].find(b"%PDF-") >= 0:
        raise Invalid(_("This file is not a PDF."), code="bad_pdf")
    with translated(During.READING_SIGNATURES):
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
        timestamps = list(reader.embedded_timestamp_signatures)
        revisions = reader.xrefs.total_revisions
        context, revinfo_embedded = _context(reader, trust_roots, other_certs)
        dss_revision = _dss_revision(reader)
        ts_revisions = [t.signed_revision for t in timestamps]

        async def run_all():
            results = []
            for embedded in signatures:
                results.append(await _checked(_signature_entry(
                    embedded, context, revinfo_embedded, dss_revision, ts_revisions),
                    embedded))
            for embedded in timestamps:
                results.append(await _checked(_timestamp_entry(embedded, context), embedded))
            return results

        entries = run_async(run_all)
    entries.sort(key=lambda e: e["revision"] if e["revision"] is not None else -1)
    signed = [e for e in entries if e["type"] == "signature"]
    return {
        "file": {"sha256": hashlib.sha256(pdf).hexdigest(), "bytes": len(pdf),
                 "revisions": revisions},
        "signatures": entries,
        "signed": bool(signed),
        "valid": bool(signed) and all(e["valid"] for e in entries),
    }


async def _checked(coroutine, embedded) -> dict:
    """One broken signature makes a failed entry, not a failed report."""
    try:
        return await coroutine
    except Exception as exc:  # noqa: BLE001
        name = None
        try:
            name = embedded.field_name
        except Exception:  # noqa: BLE001, S110
            pass
        return {"type": "signature", "field": name, "signer": None, "signing_time": None,
                "timestamp": None, "level": None,
                "integrity": {"intact": False, "valid": False},
                "trust": {"trusted": False, "revoked": False, "revocation_data_embedded": None},
                "coverage": None, "modification_level": None, "docmdp": None,
                "revision": getattr(embedded, "signed_revision", None), "valid": False,
                "reasons": ["integrity"], "error": type(exc).__name__}
