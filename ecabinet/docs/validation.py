"""Is this upload a document we accept? Decided by the bytes, never by the file's name.

Two kinds are accepted: Word documents (.docx) and PDF. Everything here runs before anything is
stored, and refuses with a :class:`~ecabinet.errors.DomainError` that says why:

- a .docx must be a zip holding ``word/document.xml`` declared as a Word document; every entry is
  unpacked as a stream and counted, so a zip bomb stops at the limit whatever its headers claim;
  every XML part is parsed without entities, DTD or network, and one with a DTD is refused (XXE,
  billion laughs); macros and links to outside files (templates, images, frames) are refused;
- a PDF must parse (pypdf), end where a PDF ends, not be encrypted, stay within the page limit,
  and carry no active content: JavaScript, launch actions, embedded files, XFA forms. Refusing
  them is simpler and safer than cleaning them out.

Both the documents feature and the meetings' minutes use :func:`check_docx`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from docx import Document
from flask_babel import gettext as _
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from ecabinet.errors import DomainError, Invalid, UnsupportedMedia

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"

#: Defaults; the documents feature passes its configured limits.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: A .docx unpacks to a few times its size; far more is a zip bomb.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_PAGES = 2000
#: Objects of a PDF walked for active content; a real document has far fewer per page.
MAX_PDF_OBJECTS = 1_000_000
_CHUNK = 64 * 1024


class TooLarge(DomainError):
    status, code = 413, "payload_too_large"


@dataclass(frozen=True)
class Checked:
    """What the checks found: the kind (``docx`` or ``pdf``) and, for a PDF, its pages."""

    kind: str
    pages: int | None = None

    @property
    def media_type(self) -> str:
        return PDF_MIME if self.kind == "pdf" else DOCX_MIME

    @property
    def extension(self) -> str:
        return f".{self.kind}"


def check_upload(data: bytes, *, max_bytes: int, max_pages: int = MAX_PAGES,
                 max_unpacked: int = MAX_UNPACKED_BYTES) -> Checked:
    """Accept a .docx or a PDF, whatever the file is called; refuse anything else."""
    if len(data) > max_bytes:
        raise TooLarge(_("The file is larger than %(mb)s MB.", mb=_megabytes(max_bytes)))
    kind = sniff(data)
    if kind == "pdf":
        return Checked("pdf", check_pdf(data, max_pages=max_pages))
    check_docx(data, max_bytes=max_bytes, max_unpacked=max_unpacked)
    return Checked("docx")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.3g}"


def sniff(data: bytes) -> str:
    """``pdf`` or ``docx`` by the first bytes (the magic numbers); refuse anything else."""
    if not data:
        raise Invalid(_("The file is empty."), code="empty_file", details={"file": ["empty"]})
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
        raise UnsupportedMedia(_("This file is a program, not a document. Only Word documents "
                                 "(.docx) and PDF files are accepted."),
                               details={"file": ["executable"]})
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise UnsupportedMedia(_("Old Word documents (.doc) and password-protected documents "
                                 "are not accepted: save the document as .docx without a "
                                 "password."), details={"file": ["ole2"]})
    raise UnsupportedMedia(_("Only Word documents (.docx) and PDF files are accepted."),
                           details={"file": ["unknown type"]})


# --- .docx ---------------------------------------------------------------------------------------

def _safe_parser() -> etree.XMLParser:
    """No entity expansion, no DTD loading, no network: an XML part is data, never a fetch."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False)


def check_docx(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES,
               max_unpacked: int = MAX_UNPACKED_BYTES, max_entries: int = MAX_ENTRIES) -> None:
    """Accept only a real Word document (.docx): a zip with word/document.xml declared as a
    Word document, within the size limits, with no DTD in any XML part, no macros and no link
    to an outside file."""
    not_docx = _("Only Word documents (.docx) can be uploaded.")
    if len(data) > max_bytes:
        raise TooLarge(_("The file is larger than %(mb)s MB.", mb=_megabytes(max_bytes)))
    if not data.startswith(b"PK\x03\x04"):
        raise UnsupportedMedia(not_docx, details={"file": ["not a zip archive"]})
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise UnsupportedMedia(not_docx, details={"file": ["not a zip archive"]}) from None
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise UnsupportedMedia(not_docx, details={"file": ["no word/document.xml"]})
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise UnsupportedMedia(_("Documents with macros are not accepted."),
                                   details={"file": ["macros"]})
        # The declared sizes first (cheap), then the real ones while unpacking (headers lie).
        if len(entries) > max_entries or \
                sum(entry.file_size for entry in entries) > max_unpacked:
            raise _too_large_unpacked()
        if any(entry.flag_bits & 0x1 for entry in entries):
            raise Invalid(_("Encrypted documents are not accepted."), code="encrypted_docx",
                          details={"file": ["encrypted"]})
        try:
            unpacked = 0
            for entry in entries:
                unpacked = _check_entry(archive, entry, unpacked, max_unpacked)
            types = etree.fromstring(archive.read("[Content_Types].xml"), _safe_parser())
        except (zipfile.BadZipFile, etree.XMLSyntaxError, EOFError, OSError, ValueError,
                zlib.error, NotImplementedError):
            raise Invalid(_("The document is damaged and cannot be read."), code="damaged_docx",
                          details={"file": ["damaged"]}) from None
    main = types.find(f"{{{_CONTENT_TYPES_NS}}}Override[@PartName='/word/document.xml']")
    if main is None or main.get("ContentType") != WORD_MAIN:
        raise UnsupportedMedia(not_docx, details={"file": ["not a Word document"]})
    try:
        Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds for a malformed package
        raise Invalid(_("The document is damaged and cannot be read."), code="damaged_docx",
                      details={"file": ["damaged"]}) from None


def _too_large_unpacked() -> Invalid:
    return Invalid(_("The document is too large once unpacked."), code="unpacked_too_large",
                   details={"file": ["unpacked size"]})


def _check_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, unpacked: int,
                 limit: int) -> int:
    """Unpack one entry as a stream, counting what really comes out; parse it if it is XML.
    Returns the running total; refuses as soon as it passes ``limit``."""
    is_xml = entry.filename.endswith((".xml", ".rels"))
    parser = _safe_parser() if is_xml else None
    with archive.open(entry) as stream:
        first = True
        while chunk := stream.read(_CHUNK):
            unpacked += len(chunk)
            if unpacked > limit:
                raise _too_large_unpacked()
            if parser is not None:
                if first and b"<!DOCTYPE" in chunk[:4096].upper():
                    raise _has_dtd()
                first = False
                parser.feed(chunk)
    if parser is None:
        return unpacked
    root = parser.close()
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _has_dtd()
    if entry.filename.endswith(".rels"):
        _check_relationships(root)
    return unpacked


def _has_dtd() -> Invalid:
    """XXE and billion laughs both need a DTD; Word never writes one."""
    return Invalid(_("The document contains a DTD, which Word documents never have."),
                   code="xml_dtd", details={"file": ["doctype"]})


def _check_relationships(root) -> None:
    """Links out of the package other than hyperlinks (a remote template, image, frame or
    sub-document) would make the converter fetch them: refused."""
    for relationship in root.iter(f"{{{_RELATIONSHIPS_NS}}}Relationship"):
        if (relationship.get("TargetMode") or "").lower() == "external" and \
                relationship.get("Type") != _HYPERLINK:
            raise Invalid(_("The document links to files outside it (a template, an image or a "
                            "frame). Embed them in the document instead."),
                          code="external_links", details={"file": ["external relationship"]})


# --- PDF -----------------------------------------------------------------------------------------

#: Keys and action types that make a PDF do something when opened or clicked.
_ACTIVE_KEYS = {
    "/JS": "javascript", "/JavaScript": "javascript",
    "/EmbeddedFiles": "embedded_file", "/EF": "embedded_file", "/RichMedia": "embedded_file",
    "/XFA": "xfa",
}
_ACTIVE_ACTIONS = {
    "/JavaScript": "javascript", "/Launch": "launch", "/GoToE": "embedded_file",
    "/ImportData": "launch",
}
_ACTIVE_TYPES = {"/EmbeddedFile": "embedded_file"}


def _active_content_message(what: str) -> str:
    messages = {
        "javascript": _("PDFs containing JavaScript are not accepted. Print the document to a "
                        "new PDF, or export it again without scripts."),
        "launch": _("PDFs with actions that start programs or import files are not accepted."),
        "embedded_file": _("PDFs with embedded files are not accepted. Circulate each file as "
                           "a document of its own."),
        "xfa": _("Interactive XFA forms are not accepted. Print the form to a plain PDF."),
    }
    return messages[what]


def check_pdf(data: bytes, *, max_pages: int = MAX_PAGES) -> int:
    """Accept a complete, unencrypted PDF without active content; return its page count."""
    damaged = _("The PDF is damaged and cannot be read.")
    if b"%%EOF" not in data[-2048:]:
        raise Invalid(_("The PDF is incomplete: it does not end like a PDF. Was the upload cut "
                        "short?"), code="damaged_pdf", details={"file": ["truncated"]})
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Invalid(_("Encrypted PDFs cannot be circulated; remove the password."),
                          code="encrypted_pdf", details={"file": ["encrypted"]})
        pages = len(reader.pages)
        if pages > max_pages:
            raise Invalid(_("The PDF has %(pages)d pages; at most %(limit)d are accepted.",
                            pages=pages, limit=max_pages),
                          code="too_many_pages", details={"file": ["pages"]})
        if pages == 0:
            raise Invalid(damaged, code="damaged_pdf", details={"file": ["no pages"]})
        found = _active_content(reader)
    except DomainError:
        raise
    except Exception:  # pypdf raises many kinds (and RecursionError) for a malformed file
        raise Invalid(damaged, code="damaged_pdf", details={"file": ["damaged"]}) from None
    if found:
        raise Invalid(_active_content_message(found), code="active_content",
                      details={"file": [found]})
    return pages


def _active_content(reader: PdfReader) -> str | None:
    """Walk every object reachable from the trailer (without decoding content streams) and
    name the first active content found. Names are compared decoded (``/J#61vaScript`` is
    ``/JavaScript``), and objects inside object streams are reached like any other."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    walked = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(obj, DictionaryObject):  # stream objects are dictionaries too
            for name, value in obj.items():
                if name in _ACTIVE_KEYS:
                    return _ACTIVE_KEYS[name]
                if name == "/S" and isinstance(value, str) and value in _ACTIVE_ACTIONS:
                    return _ACTIVE_ACTIONS[value]
                if name == "/Type" and isinstance(value, str) and value in _ACTIVE_TYPES:
                    return _ACTIVE_TYPES[value]
                if name != "/Parent":  # the page tree's back links lead nowhere new
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return None


def page_count(pdf: bytes) -> int:
    """Pages of a PDF we produced ourselves (the converter's output)."""
    return len(PdfReader(io.BytesIO(pdf)).pages)
