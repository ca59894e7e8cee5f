"""Why a package was refused: one class per reason, each with a stable reason code.

The receiving side answers a refused package with status 02 and a reason (Decree 30 Art. 21:
invalid or misaddressed documents are returned through the system), so every refusal carries
``reason`` (a stable code for programs and the quarantine) and a message a clerk of the sending
organisation can read. They are :class:`~ecabinet.errors.Invalid` (422) for an API that would
surface them directly.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ecabinet.errors import Invalid


class PackageRefused(Invalid):
    """The base of every refusal; catch this one to quarantine and answer 02."""

    reason = "refused"
    default_message = _l("The package was refused.")

    def __init__(self, detail: str = "", *, message: str | None = None):
        #: What exactly was wrong (an XSD error, a content id): for the log and the quarantine,
        #: in English, never interpolated into markup.
        self.detail = detail[:500]
        super().__init__(message or str(self.default_message), code=f"edxml_{self.reason}",
                         details={"reason": self.reason, "detail": self.detail})

    def __str__(self) -> str:
        return f"{self.message} ({self.reason}: {self.detail})" if self.detail else self.message


class TooLarge(PackageRefused):
    reason = "too_large"
    default_message = _l("The package or one of its attachments is larger than allowed.")


class NotWellFormed(PackageRefused):
    reason = "not_well_formed"
    default_message = _l("The package is not well-formed XML.")


class ForbiddenDtd(PackageRefused):
    """A DOCTYPE or an entity: never needed by edXML, the vehicle of XXE and billion laughs."""

    reason = "dtd_forbidden"
    default_message = _l("The package declares a DTD or entities, which are not allowed.")


class SchemaInvalid(PackageRefused):
    reason = "schema_invalid"
    default_message = _l("The package does not follow the edXML structure (QCVN 102:2016).")


class Unsigned(PackageRefused):
    reason = "unsigned"
    default_message = _l("The package carries no XML signature.")


class BadSignature(PackageRefused):
    """The signature does not verify: the package was changed after signing, or signed badly."""

    reason = "bad_signature"
    default_message = _l("The package's XML signature is not valid: it was altered or "
                         "badly signed.")


class UntrustedCertificate(PackageRefused):
    reason = "untrusted_certificate"
    default_message = _l("The package was signed with a certificate that is not trusted "
                         "(unknown authority, expired or revoked).")


class SignerMismatch(PackageRefused):
    reason = "signer_mismatch"
    default_message = _l("The package was signed by another organisation than its sender.")


class BadAttachment(PackageRefused):
    reason = "bad_attachment"
    default_message = _l("An attachment of the package cannot be read.")


class ManifestMismatch(PackageRefused):
    reason = "manifest_mismatch"
    default_message = _l("The package's manifest does not match its attachments.")


class BadIdentifier(PackageRefused):
    reason = "bad_identifier"
    default_message = _l("The package's document identifier does not match its sender, "
                         "number, symbol or date.")
