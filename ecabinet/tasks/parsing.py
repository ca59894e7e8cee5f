"""Task lines read out of a conclusions notice or a decision: who leads, who coordinates, by when,
what to hand in. Pure functions, no database: the directory is passed in.

The reading is a proposal for the secretariat to check, never saved as is: a date that cannot
be read for sure (no year, "31 tháng 6", a day already past) comes back without a deadline and
with a problem saying why, so the screen asks for it and the service refuses a task without
one.

What the Government's notices say, and what is understood:

- "Giao Bộ Tài chính chủ trì, phối hợp với Bộ Tư pháp và Bộ Kế hoạch và Đầu tư hoàn thiện …":
  the lead is the organisation named before "chủ trì" (or right after "Giao"), the coordinators
  those named after "phối hợp"; failing these words, the first one named leads.
- "trước ngày 30 tháng 6 năm 2027", "trước ngày 30/6/2027", "chậm nhất ngày 30-6-2027",
  "hạn 30.6.2027": that day; "trong tháng 6 năm 2027": its last day; "trong quý II năm 2027":
  the quarter's last day; "trong năm 2027": 31 December; "thường xuyên": ongoing.
- "trình Chính phủ …", "báo cáo Thủ tướng Chính phủ …", and "dự thảo …", "đề án …": the product.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

#: A line starts a new task at "1.", "2)", "a)", "-", "•" (the notices' enumerations).
_ITEM_START = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-zđ]\)|[-•–+])\s*", re.IGNORECASE)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

_D = r"(\d{1,2})"
_Y = r"(\d{4})"
_DAY_WORDS = re.compile(
    rf"ngày\s+{_D}\s+tháng\s+{_D}(?:\s+năm\s+{_Y})?", re.IGNORECASE)
_DAY_NUMBERS = re.compile(rf"(?<![\d/.-]){_D}\s*[/.-]\s*{_D}(?:\s*[/.-]\s*{_Y})?(?![\d/.-])")
_MONTH = re.compile(rf"(?:trong|cuối)\s+tháng\s+{_D}(?:\s+năm\s+{_Y}|\s*/\s*{_Y})?",
                    re.IGNORECASE)
_QUARTER = re.compile(rf"quý\s+(IV|III|II|I|[1-4])(?:\s+năm\s+{_Y}|\s*/\s*{_Y})?",
                      re.IGNORECASE)
_YEAR = re.compile(rf"(?:trong|cuối)\s+năm\s+{_Y}", re.IGNORECASE)
_ONGOING = re.compile(r"thường\s+xuyên", re.IGNORECASE)
_DEADLINE_WORDS = re.compile(r"(?:trước|chậm\s+nhất|hạn|hoàn\s+thành)\s*(?:ngày)?\s*$",
                             re.IGNORECASE)

#: "kế hoạch" after "Bộ" is the Ministry of Planning and Investment, not a plan.
_PRODUCT = re.compile(r"(?<!Bộ )(?<!bộ )(?<!BỘ )\b(dự thảo|đề án|báo cáo|kế hoạch|tờ trình|"
                      r"chương trình)\s+"
                      r"([^,;.]{3,160})", re.IGNORECASE)
_SUBMIT = re.compile(r"\b(trình|báo cáo)\s+(Thủ tướng Chính phủ|Chính phủ|Thủ tướng|"
                     r"Phó Thủ tướng[^,;.]*|Ban Chấp hành[^,;.]*|Bộ Chính trị|Quốc hội|"
                     r"Ủy ban Thường vụ Quốc hội)", re.IGNORECASE)


@dataclass
class TaskLine:
    """One line of the text that assigns work, as understood; ``problems`` say what to check."""

    text: str
    lead_id: int | None = None
    coordinator_ids: list[int] = field(default_factory=list)
    deadline: date | None = None
    ongoing: bool = False
    #: The words the deadline was read from, shown beside the date to check it.
    deadline_text: str | None = None
    expected_product: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _ITEM_START.sub("", self.text).strip().rstrip(";.") or self.text


def normalise(text: str) -> str:
    """NFC, one space, case folded: how names are compared (pasted text mixes Unicode forms)."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def split_lines(text: str) -> list[str]:
    """The text's items: a numbered or dashed line starts one, as does the line after an
    introduction ("… như sau:"); other lines continue the item before."""
    items: list[str] = []
    for raw in unicodedata.normalize("NFC", text or "").splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if _ITEM_START.match(raw) or not items or items[-1].endswith(":"):
            items.append(line)
        else:
            items[-1] = f"{items[-1]} {line}"
    return items


def find_organisations(text: str, directory: Iterable[tuple[int, str]]) -> list[tuple[int, int]]:
    """(position, id) of each directory name found, longest names first so that "Bộ Kế hoạch
    và Đầu tư" is not read as something shorter inside it; in order of appearance."""
    folded = normalise(text)
    taken = [False] * len(folded)
    found = []
    for org_id, name in sorted(directory, key=lambda entry: -len(entry[1])):
        needle = normalise(name)
        if not needle:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
            if any(taken[match.start():match.end()]):
                continue
            taken[match.start():match.end()] = [True] * (match.end() - match.start())
            found.append((match.start(), org_id))
    return sorted(found)


def _roles(text: str, found: list[tuple[int, int]]) -> tuple[int | None, list[int]]:
    folded = normalise(text)
    if not found:
        return None, []
    ids = list(dict.fromkeys(org_id for _pos, org_id in found))
    lead = None
    lead_at = folded.find("chủ trì")
    if lead_at >= 0:  # "Bộ Tài chính chủ trì": the one named last before the words
        before = [org_id for pos, org_id in found if pos < lead_at]
        lead = before[-1] if before else None
    lead = lead or ids[0]  # "Giao Bộ Tài chính …", or the first one named
    coordinate_at = folded.find("phối hợp")
    if coordinate_at >= 0:
        coordinators = [org_id for pos, org_id in found if pos > coordinate_at
                        and org_id != lead]
    else:
        coordinators = []
    return lead, list(dict.fromkeys(coordinators))


def _valid(day: int, month: int, year: int) -> date | None:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def read_deadline(text: str, today: date) -> tuple[date | None, bool, str | None, list[str]]:
    """(deadline, ongoing, the words it was read from, problems)."""
    problems: list[str] = []
    candidates = []  # (position, date or None, words, problem)
    for match in _DAY_WORDS.finditer(text):
        candidates.append((match.start(), *_day(match, today)))
    for match in _DAY_NUMBERS.finditer(text):
        if not any(start <= match.start() < start + len(words)
                   for start, _d, words, _p in candidates):
            candidates.append((match.start(), *_day(match, today)))
    for match in _MONTH.finditer(text):
        month, year = int(match.group(1)), match.group(2) or match.group(3)
        if not year:
            candidates.append((match.start(), None, match.group(0), "year_missing"))
        elif 1 <= month <= 12:
            last = calendar.monthrange(int(year), month)[1]
            candidates.append((match.start(), date(int(year), month, last), match.group(0),
                               None))
        else:
            candidates.append((match.start(), None, match.group(0), "invalid_date"))
    for match in _QUARTER.finditer(text):
        quarter, year = _ROMAN[match.group(1).lower()], match.group(2) or match.group(3)
        if not year:
            candidates.append((match.start(), None, match.group(0), "year_missing"))
        else:
            month = quarter * 3
            candidates.append((match.start(), date(int(year), month,
                                                   calendar.monthrange(int(year), month)[1]),
                               match.group(0), None))
    for match in _YEAR.finditer(text):
        if not any(start <= match.start() <= start + len(words)
                   for start, _d, words, _p in candidates):
            candidates.append((match.start(), date(int(match.group(1)), 12, 31),
                               match.group(0), None))
    if not candidates:
        if _ONGOING.search(text):
            return None, True, _ONGOING.search(text).group(0), []
        return None, False, None, ["deadline_missing"]
    # The date that closes the line is the deadline ("… trình Chính phủ trước ngày …"); a
    # date earlier in it names a document ("Nghị quyết số 01 ngày 5 tháng 1 năm 2027").
    dated = [c for c in candidates if _is_deadline(text, c[0])] or candidates
    _pos, deadline, words, problem = max(dated, key=lambda c: c[0])
    if problem:
        problems.append(problem)
    elif deadline < today:
        problems.append("date_past")
    return (deadline if not problems else None), False, words, problems


def _is_deadline(text: str, position: int) -> bool:
    before = text[max(0, position - 20):position]
    return bool(_DEADLINE_WORDS.search(before)) or text[position:position + 5].lower() in (
        "trong", "cuối ") or before.rstrip().lower().endswith(("trong", "trước"))


def _day(match, today: date) -> tuple[date | None, str, str | None]:
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if not year:
        return None, match.group(0), "year_missing"
    found = _valid(day, month, int(year))
    return found, match.group(0), None if found else "invalid_date"


def read_product(text: str) -> str | None:
    """What to hand in: "Dự thảo Nghị định … (trình Chính phủ)"."""
    product = _PRODUCT.search(text)
    submit = _SUBMIT.search(text)
    what = None
    if product and not (submit and product.start() == submit.start()):
        what = f"{product.group(1)} {product.group(2)}".strip()
        what = _DEADLINE_CUT.split(what)[0].strip()
        what = what[0].upper() + what[1:]
    to = submit.group(0).strip() if submit else None
    if what and to:
        return f"{what} ({to})"
    return what or (to[0].upper() + to[1:] if to else None)


_DEADLINE_CUT = re.compile(r"\s+(?:trước|trong|chậm nhất|hạn)\s+(?:ngày|tháng|quý|năm)\b",
                           re.IGNORECASE)


def parse(text: str, directory: Iterable[tuple[int, str]], today: date) -> list[TaskLine]:
    """The lines of ``text`` that assign work (they name an organisation of the directory, or
    say "chủ trì" / "giao"), each as a :class:`TaskLine`."""
    directory = list(directory)
    lines = []
    for item in split_lines(text):
        if item.rstrip().endswith(":"):  # "… kết luận và giao nhiệm vụ như sau:" introduces
            continue
        found = find_organisations(item, directory)
        folded = normalise(item)
        if not found and "chủ trì" not in folded and not folded.startswith("giao"):
            continue
        line = TaskLine(text=item)
        line.lead_id, line.coordinator_ids = _roles(item, found)
        if line.lead_id is None:
            line.problems.append("organisation_unknown")
        line.deadline, line.ongoing, line.deadline_text, problems = read_deadline(item, today)
        line.problems.extend(problems)
        line.expected_product = read_product(item)
        lines.append(line)
    return lines
