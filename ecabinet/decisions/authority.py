"""The authority line(s) above a signature (Decree 30/2020, Appendix I; DOMAIN.md), from the
signer's position: "TM." for a collective body (the Government's resolutions), "KT." for a
deputy signing for the head, then the position itself.

- the Prime Minister: "THỦ TƯỚNG" (a resolution of the Government: "TM. CHÍNH PHỦ / THỦ TƯỚNG");
- a Deputy Prime Minister: "KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG" (a resolution: under "TM. CHÍNH
  PHỦ");
- anyone else: their title, as before.

A line typed by the secretariat is checked against the signer: "KT." is a deputy's, the last
line names the signer's position. Titles the rule does not know are not checked.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ecabinet.errors import Invalid

PRIME_MINISTER, DEPUTY = "THỦ TƯỚNG", "PHÓ THỦ TƯỚNG"
COLLECTIVE = {"nghi_quyet": "TM. CHÍNH PHỦ"}


def position_of(title: str | None) -> str | None:
    """PRIME_MINISTER, DEPUTY or None, from a title like "Phó Thủ tướng Chính phủ"."""
    words = " ".join((title or "").upper().split())
    if words.startswith(DEPUTY):
        return DEPUTY
    if words.startswith(PRIME_MINISTER):
        return PRIME_MINISTER
    return None


def default_lines(kind: str, title: str | None) -> list[str]:
    position = position_of(title)
    if position is None:
        return [(title or "").upper()]
    lines = [COLLECTIVE[kind]] if kind in COLLECTIVE else []
    if position == DEPUTY:
        lines += ["KT. THỦ TƯỚNG", DEPUTY]
    else:
        lines.append(PRIME_MINISTER)
    return lines


def check_lines(lines: list[str], title: str | None) -> None:
    """Refuse lines that contradict the signer's position (422 ``authority_mismatch``)."""
    position = position_of(title)
    if position is None or not lines:
        return
    on_behalf = any(line.startswith("KT.") for line in lines)
    last = lines[-1]
    if position == PRIME_MINISTER and (on_behalf or last != PRIME_MINISTER):
        raise Invalid(_("The Prime Minister signs as “THỦ TƯỚNG”, not on behalf of anyone."),
                      code="authority_mismatch", details={"authority": lines})
    if position == DEPUTY and (not on_behalf or last != DEPUTY):
        raise Invalid(_("A Deputy Prime Minister signs “KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG”."),
                      code="authority_mismatch", details={"authority": lines})
