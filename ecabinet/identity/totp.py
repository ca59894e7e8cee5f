"""TOTP second factor (RFC 6238) with replay protection."""

from __future__ import annotations

import io
import time

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "ecabinet"
#: Codes one step either side of now are accepted, for clocks that drift a little.
VALID_WINDOW = 1

#: The time codes are checked against. The test suite moves it forward rather than wait for
#: the next 30 s step when one person signs in several times within a step.
clock = time.time


def new_secret() -> str:
    return pyotp.random_base32()


def is_valid_secret(secret: str) -> bool:
    try:
        pyotp.TOTP(secret).now()
    except Exception:  # noqa: BLE001 - pyotp raises several types for a bad base32 string
        return False
    return 16 <= len(secret) <= 64


def matching_step(secret: str, code: str, *, after_step: int | None, at: float | None = None
                  ) -> int | None:
    """The time step the code belongs to, or None. A step at or before ``after_step`` was used."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = clock() if at is None else at
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no image request, no third party)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]  # drop the XML declaration: the SVG is inlined in HTML
