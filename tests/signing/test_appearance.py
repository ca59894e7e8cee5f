"""The visible signatures, rendered with pdftoppm and read back with pdftotext."""

from __future__ import annotations

import re

from PIL import Image

from ecabinet.database import audited_attempt
from ecabinet.extensions import db
from ecabinet.identity.models import Organisation, User
from ecabinet.signing import images, keys, pades, validation
from ecabinet.signing.appearance import Appearance, signing_time_text
from tests.pki import PIN, blank_pdf, run

SIGNATURE_BOX = (300, 500, 500, 600)
SEAL_BOX = (270, 480, 430, 610)
ATTACHMENT_BOX = (355, 762, 555, 802)
DPI = 100


def _pixels_box(box, page_height=842):
    """A PDF box in points → the same region in pixels of a page rendered at DPI."""
    scale = DPI / 72
    x1, y1, x2, y2 = box
    return (int(x1 * scale), int((page_height - y2) * scale), int(x2 * scale),
            int((page_height - y1) * scale))


def _count(picture, region, test) -> int:
    crop = picture.crop(region).convert("RGB")
    return sum(1 for pixel in crop.get_flattened_data() if test(pixel))


def _is_blue(pixel):
    r, g, b = pixel
    return b > 120 and b > r + 60 and b > g + 40


def _is_red(pixel):
    r, g, b = pixel
    return r > 150 and r > g + 80 and r > b + 80


def _is_dark(pixel):
    return sum(pixel) < 200


def test_time_is_iso_with_the_vietnamese_offset():
    from datetime import UTC, datetime

    assert signing_time_text(datetime(2026, 11, 23, 7, 30, 5, tzinfo=UTC)) == \
        "2026-11-23T14:30:05+07:00"


def test_person_seal_and_attachment_render(pki_app, signing_keys, tmp_path):
    with pki_app.app_context():
        signer = db.session.get(User, signing_keys.signer_id)
        organisation = db.session.get(Organisation, signing_keys.organisation_id)
        pdf = pades.add_signature_fields(blank_pdf(), [("Dau", 0, SEAL_BOX),
                                                          ("PhuLuc", 0, ATTACHMENT_BOX)])
        with audited_attempt():
            pdf = pades.sign_pdf(pdf, key=keys.personal_key(signer), pin=PIN,
                                    field_name="ChuKy", level="B-T", certify=True,
                                    box=SIGNATURE_BOX, appearance=Appearance(
                                        "person", image=images.signature_image(signer)))
            pdf = pades.sign_pdf(pdf, key=keys.seal_key(organisation), pin=PIN,
                                    field_name="Dau", level="B-T", appearance=Appearance(
                                        "seal", image=images.seal_image(organisation),
                                        organisation=organisation.name))
            pdf = pades.sign_pdf(pdf, key=keys.seal_key(organisation), pin=PIN,
                                    field_name="PhuLuc", level="B-T",
                                    appearance=Appearance(
                                        "attachment", organisation=organisation.name,
                                        reference="Số: 05/QĐ-TTg"))
        assert validation.validate_pdf(pdf)["valid"]
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    text = run(["pdftotext", "-layout", str(path), "-"]).stdout
    assert "Văn phòng Chính phủ" in text
    assert "Số: 05/QĐ-TTg" in text
    times = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text)
    assert len(times) == 2, text  # the seal's and the attachment's
    rendered = run(["pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")])
    assert rendered.returncode == 0, rendered.stderr
    picture = Image.open(tmp_path / "page-1.png")
    assert picture.size == (827, 1170)
    # The handwritten signature (blue) in the middle of its box.
    x1, y1, x2, y2 = _pixels_box(SIGNATURE_BOX)
    middle = ((x1 + x2) // 2 - 60, y1 + 10, (x1 + x2) // 2 + 60, y2 - 10)
    assert _count(picture, middle, _is_blue) > 200
    # The red seal on the left of its box, the blue text on its right.
    sx1, sy1, sx2, sy2 = _pixels_box(SEAL_BOX)
    left_third = (sx1, sy1, sx1 + (sx2 - sx1) // 3, sy2)
    assert _count(picture, left_third, _is_red) > 300
    bottom_right = (sx1 + (sx2 - sx1) // 2, sy2 - 30, sx2, sy2)
    assert _count(picture, bottom_right, _is_blue) > 30
    # The attachment's stamp: black text, top right, no colour.
    attachment = _pixels_box(ATTACHMENT_BOX)
    assert _count(picture, attachment, _is_dark) > 50
    assert _count(picture, attachment, _is_red) == 0
    # Nothing drawn far from the boxes (the stamps stay where they were put).
    assert _count(picture, (0, 900, 827, 1170), _is_dark) == 0
    picture.save(tmp_path / "looked-at.png")


def test_the_seal_shows_the_signature_s_own_signing_time(pki_app, signing_keys, tmp_path,
                                                         monkeypatch):
    """The time printed under the seal is the signing time the signature claims (its signed
    attribute and /M), to the second: pyHanko took its own clock reading after the stamp's
    text was made (the font loads between the two), so the two could be a second apart. The
    stamp's clock is set 5 s back here so that two separate readings cannot agree by luck."""
    from datetime import UTC, datetime, timedelta

    class Behind(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) - timedelta(seconds=5, microseconds=1)

    monkeypatch.setattr(pades, "datetime", Behind)
    with pki_app.app_context():
        organisation = db.session.get(Organisation, signing_keys.organisation_id)
        with audited_attempt():
            pdf = pades.sign_pdf(blank_pdf(), key=keys.seal_key(organisation), pin=PIN,
                                 field_name="Dau", level="B-T", box=SEAL_BOX,
                                 appearance=Appearance(
                                     "seal", image=images.seal_image(organisation),
                                     organisation=organisation.name))
        [entry] = validation.validate_pdf(pdf)["signatures"]
    path = tmp_path / "sealed.pdf"
    path.write_bytes(pdf)
    shown = re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00",
                       run(["pdftotext", str(path), "-"]).stdout)
    assert shown == [entry["signing_time"]]
    import io

    from pyhanko.pdf_utils.generic import parse_pdf_date
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    claimed = embedded.sig_object["/M"]
    assert signing_time_text(parse_pdf_date(claimed)) == shown[0]
    assert datetime.fromisoformat(shown[0]) < datetime.now(UTC) - timedelta(seconds=4)
