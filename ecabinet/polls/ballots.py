"""Signed ballots of written polls: each answer rendered as a one-page PDF (phiếu lấy ý kiến)
and signed with the member's key, as Vietnam's e-Cabinet authenticates votes; and the poll's
proof bundle.

The ballot is drawn with reportlab (milliseconds, no LibreOffice round trip for one page) in
Liberation Serif, which covers Vietnamese and extracts back exactly.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ecabinet import storage
from ecabinet.i18n import vietnam_iso, vietnamese_datetime
from ecabinet.identity.models import User
from ecabinet.polls.models import Answer, Poll, PollResponse

FONT_DIR = "/usr/share/fonts/truetype/liberation2"
ANSWER_LABELS = {Answer.AGREE.value: "Đồng ý", Answer.DISAGREE.value: "Không đồng ý",
                 Answer.OTHER.value: "Ý kiến khác"}
#: Where the member's signature goes: the lower right of the page (points from bottom-left).
SIGNATURE_BOX = (320.0, 90.0, 540.0, 190.0)
SIGNATURE_FIELD = "ChuKyThanhVien"


@cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("EcSerif", f"{FONT_DIR}/LiberationSerif-Regular.ttf"))
    pdfmetrics.registerFont(TTFont("EcSerifBold", f"{FONT_DIR}/LiberationSerif-Bold.ttf"))
    return "EcSerif", "EcSerifBold"


def render_ballot(poll: Poll, member: User, answer: str, comment: str | None,
                  answered_at: datetime) -> bytes:
    """The ballot as the member answered it, ready to be signed."""
    regular, bold = _fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"Phiếu lấy ý kiến số {poll.id} - {member.name}")
    width, height = A4
    centre = width / 2
    canvas.setFont(bold, 13)
    canvas.drawCentredString(centre, height - 25 * mm, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    canvas.setFont(bold, 14)
    canvas.drawCentredString(centre, height - 32 * mm, "Độc lập - Tự do - Hạnh phúc")
    motto = pdfmetrics.stringWidth("Độc lập - Tự do - Hạnh phúc", bold, 14) / 2
    canvas.line(centre - motto, height - 34 * mm, centre + motto, height - 34 * mm)
    canvas.setFont(bold, 15)
    canvas.drawCentredString(centre, height - 50 * mm, "PHIẾU LẤY Ý KIẾN THÀNH VIÊN CHÍNH PHỦ")
    canvas.setFont(regular, 13)
    y = _wrapped(canvas, f"Nội dung xin ý kiến: {poll.question}", 30 * mm, height - 65 * mm,
                 width - 50 * mm, regular, 13)
    y -= 6 * mm
    canvas.drawString(30 * mm, y, f"Thành viên Chính phủ: {member.name}")
    y -= 10 * mm
    for value, label in ANSWER_LABELS.items():
        _checkbox(canvas, 40 * mm, y - 1, checked=value == answer)
        canvas.setFont(bold if value == answer else regular, 13)
        canvas.drawString(48 * mm, y, label)
        y -= 9 * mm
    if comment:
        canvas.setFont(regular, 13)
        y = _wrapped(canvas, f"Ý kiến: {comment}", 30 * mm, y - 2 * mm, width - 50 * mm,
                     regular, 13)
    canvas.setFont(regular, 11)
    canvas.drawString(30 * mm, 60 * mm, f"Thời điểm trả lời: {vietnamese_datetime(answered_at)}")
    canvas.drawString(30 * mm, 54 * mm, f"({vietnam_iso(answered_at)})")
    canvas.setFont(bold, 13)
    canvas.drawCentredString((SIGNATURE_BOX[0] + SIGNATURE_BOX[2]) / 2, SIGNATURE_BOX[3] + 8,
                             "NGƯỜI CHO Ý KIẾN")
    canvas.drawCentredString((SIGNATURE_BOX[0] + SIGNATURE_BOX[2]) / 2, SIGNATURE_BOX[1] - 14,
                             member.name)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _checkbox(canvas: Canvas, x: float, y: float, *, checked: bool) -> None:
    """A square box, crossed when chosen (the font has no ballot-box glyphs)."""
    side = 4 * mm
    canvas.rect(x, y, side, side)
    if checked:
        canvas.line(x, y, x + side, y + side)
        canvas.line(x, y + side, x + side, y)


def _wrapped(canvas: Canvas, text: str, x: float, y: float, width: float, font: str,
             size: float) -> float:
    """Draw `text` on as many lines as it needs; returns the y below it."""
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) > width and line:
            canvas.drawString(x, y, line)
            y -= size * 1.4
            line = word
        else:
            line = candidate
    if line:
        canvas.drawString(x, y, line)
        y -= size * 1.4
    return y


def sign_ballot(poll: Poll, member: User, *, answer: str, comment: str | None,
                answered_at: datetime, pin: str) -> str:
    """Render and sign the member's ballot; store it and return its SHA-256. Nothing is stored
    when signing fails (a wrong PIN, the TSA down): the caller's transaction rolls back."""
    from ecabinet.signing import images, keys, pades
    from ecabinet.signing.appearance import Appearance

    key = keys.personal_key(member)
    signed = pades.sign_pdf(
        render_ballot(poll, member, answer, comment, answered_at), key=key, pin=pin,
        field_name=SIGNATURE_FIELD, level="B-T", box=SIGNATURE_BOX, page=0,
        appearance=Appearance(kind="person", image=images.signature_image(member)),
        reason=f"Phiếu lấy ý kiến số {poll.id}")
    return storage.put(signed)


def proof_bundle(poll: Poll, result_docx: bytes) -> bytes:
    """Every signed ballot, the consolidated result and a manifest of their SHA-256, as one zip
    archive the chair or an auditor can check without ecabinet."""
    buffer = io.BytesIO()
    manifest = {"poll_id": poll.id, "question": poll.question, "status": poll.status,
                "ballots": [], "result": None}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for response in poll.responses:
            if not response.ballot_sha256:
                continue
            name = _ballot_name(response)
            archive.writestr(name, storage.get(response.ballot_sha256))
            manifest["ballots"].append({"file": name, "user_id": response.user_id,
                                        "member": response.user.name,
                                        "answer": response.answer,
                                        "sha256": response.ballot_sha256})
        archive.writestr("tong-hop-ket-qua.docx", result_docx)
        manifest["result"] = {"file": "tong-hop-ket-qua.docx",
                              "sha256": hashlib.sha256(result_docx).hexdigest()}
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _ballot_name(response: PollResponse) -> str:
    return f"phieu-{response.poll_id}-thanh-vien-{response.user_id}.pdf"
