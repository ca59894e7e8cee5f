"""Signature and seal images: stored per person and per organisation, checking uploads, and
drawing plausible ones for the demo."""

from __future__ import annotations

import hashlib
import io
import math
import random
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ecabinet.audit import services as audit
from ecabinet.errors import Invalid, UnsupportedMedia
from ecabinet.extensions import db
from ecabinet.signing.models import ImageKind, SignatureImage

if TYPE_CHECKING:  # pragma: no cover
    from ecabinet.identity.models import Organisation, User

MAX_SIDE = 2000
MIN_SIDE = 40


def _image_row(kind: ImageKind, *, user_id=None, organisation_id=None) -> SignatureImage | None:
    return db.session.scalars(select(SignatureImage).where(
        SignatureImage.kind == kind.value, SignatureImage.user_id.is_(user_id)
        if user_id is None else SignatureImage.user_id == user_id,
        SignatureImage.organisation_id.is_(None) if organisation_id is None
        else SignatureImage.organisation_id == organisation_id)).first()


def signature_image(user: User) -> bytes | None:
    row = _image_row(ImageKind.SIGNATURE, user_id=user.id)
    return row.png if row else None


def seal_image(organisation: Organisation) -> bytes | None:
    row = _image_row(ImageKind.SEAL, organisation_id=organisation.id)
    return row.png if row else None


def save_image(kind: ImageKind, png: bytes, *, by: User, user: User | None = None,
               organisation: Organisation | None = None) -> SignatureImage:
    """Store (or replace) a signature or seal image after checking it is a transparent PNG."""
    check_png(png, max_bytes=current_app.config["SIGNING_IMAGE_MAX_BYTES"])
    row = _image_row(kind, user_id=user.id if user else None,
                     organisation_id=organisation.id if organisation else None)
    if row is None:
        row = SignatureImage(kind=kind.value, user_id=user.id if user else None,
                             organisation_id=organisation.id if organisation else None, png=png)
        db.session.add(row)
    row.png = png
    row.uploaded_by_id = by.id if by else None
    row.uploaded_at = datetime.now(UTC)
    db.session.flush()
    audit.record(f"signing.{kind.value}_image_uploaded", actor=by, target=row,
                 details={"sha256": hashlib.sha256(png).hexdigest(), "bytes": len(png)})
    return row


def check_png(data: bytes, *, max_bytes: int) -> None:
    """A PNG with a transparent background, of a sensible size, that Pillow decodes fully."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes:
        raise Invalid(_("The image is larger than %(size)s KB.", size=max_bytes // 1024),
                      code="image_too_large")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise UnsupportedMedia(_("The image must be a PNG file."), code="not_png")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.format != "PNG":
                raise UnsupportedMedia(_("The image must be a PNG file."), code="not_png")
            width, height = picture.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise Invalid(_("The image must be between %(low)s and %(high)s pixels on "
                                "each side.", low=MIN_SIDE, high=MAX_SIDE), code="image_size")
            picture.load()
            has_alpha = picture.mode in ("RGBA", "LA", "PA") or (
                picture.mode == "P" and "transparency" in picture.info)
            if not has_alpha:
                raise Invalid(_("The image needs a transparent background (an alpha channel)."),
                              code="image_not_transparent")
            alpha = picture.convert("RGBA").getchannel("A")
            low, _high = alpha.getextrema()
            if low == 255:
                raise Invalid(_("The image needs a transparent background (an alpha channel)."),
                              code="image_not_transparent")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise Invalid(_("The image cannot be read."), code="bad_image") from exc


def _png(picture) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def demo_signature(name: str) -> bytes:
    """A blue scribble, different for each name: a handwritten signature stand-in."""
    from PIL import Image, ImageDraw

    rng = random.Random(name)  # noqa: S311 - a drawing, not a secret
    width, height = 600, 240
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    ink = (20, 50, 170, 255)
    points = []
    x = 40.0
    phase = rng.random() * math.pi
    while x < width - 60:
        y = height / 2 + math.sin(x / rng.uniform(18, 30) + phase) * rng.uniform(30, 70)
        points.append((x, y))
        x += rng.uniform(6, 12)
    draw.line(points, fill=ink, width=6, joint="curve")
    draw.line([(60, height * 0.75), (width - 40, height * 0.62)], fill=ink, width=5)
    return _png(picture)


def demo_seal(organisation: str) -> bytes:
    """A red round seal with the organisation's name around it and a star in the middle."""
    from PIL import Image, ImageDraw, ImageFont

    size = 400
    red = (210, 20, 30, 255)
    picture = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=12)
    draw.ellipse((90, 90, size - 90, size - 90), outline=red, width=6)
    centre = size / 2
    star = []
    for i in range(10):
        radius = 70 if i % 2 == 0 else 28
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    try:
        from ecabinet.signing.appearance import font_path

        font = ImageFont.truetype(font_path().replace("Regular", "Bold"), 30)
    except (OSError, Invalid):
        font = ImageFont.load_default()
    text = organisation.upper()
    step = min(250 / max(len(text) - 1, 1), 18)
    start = -90 - step * (len(text) - 1) / 2
    for index, letter in enumerate(text):
        angle = math.radians(start + index * step)
        glyph = Image.new("RGBA", (44, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((22, 22), letter, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        x = centre + 150 * math.cos(angle) - 22
        y = centre + 150 * math.sin(angle) - 22
        picture.alpha_composite(glyph, (int(x), int(y)))
    return _png(picture)
