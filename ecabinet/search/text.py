"""Vietnamese text for searching: folding diacritics away, query terms, and snippets.

No Flask and no database here. Folding maps every character to exactly one character, so a
position in the folded text is the same position in the original: a match found in
``fold(body)`` is highlighted in ``body`` itself, diacritics and all.

Folding is what makes "quyet dinh" find "Quyết định": Unicode decomposition strips the tone and
vowel marks (ế → e, ư → u, ơ → o), but đ/Đ is a letter of its own, not d with a combining mark,
so it is mapped to d by hand. Case is folded too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Letters that decomposition leaves alone but a Vietnamese reader types without the mark.
_EXTRA = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"}

#: How many words of a query are searched for; the rest is ignored.
MAX_TERMS = 16
#: A word longer than this is cut (nobody types it; it would only slow the index down).
MAX_TERM_LENGTH = 64

_WORD = re.compile(r"[^\W_]+")


class _FoldTable(dict):
    """``str.translate`` table filled on first sight of a character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _EXTRA.get(char)
        if folded is None:
            base = "".join(c for c in unicodedata.normalize("NFD", char)
                           if not unicodedata.combining(c))
            lowered = base.lower()
            # Keep one character for one: a character that would become two (ﬁ, İ, Hangul
            # syllables) or none (a lone combining mark) stays as it is.
            folded = lowered if len(lowered) == 1 else (base if len(base) == 1 else char)
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower case without diacritics, character for character: ``len(fold(t)) == len(t)``."""
    return text.translate(_TABLE)


def normalise(text: str) -> str:
    """Extracted text as it is stored: NFC (so folding stays one to one), one space between
    words, pages separated by a form feed, no NUL (PostgreSQL's text refuses it)."""
    pages = unicodedata.normalize("NFC", text).replace("\x00", " ").split("\f")
    while pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed
    return "\f".join(" ".join(page.split()) for page in pages)


def terms(query: str | None) -> list[str]:
    """The words searched for: folded, letters and digits only, without duplicates.

    Everything else in a query — quotes, ``*``, ``-``, ``NEAR(``, ``OR``'s parentheses, SQL
    quotes — only separates words, so no query can be read as search syntax.
    """
    found: list[str] = []
    for word in _WORD.findall(fold(query or "")):
        word = word[:MAX_TERM_LENGTH]
        if word not in found:
            found.append(word)
        if len(found) == MAX_TERMS:
            break
    return found


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word as a quoted string, all of them required."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


# --- snippets ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Snippet:
    """A piece of the original text around the best match; ``spans`` are the matched words
    (start, end) inside ``text``."""

    text: str
    spans: tuple[tuple[int, int], ...]
    #: The page the piece is on (pages are separated by form feeds in the stored text).
    page: int | None
    leading: bool = False
    trailing: bool = False

    @property
    def html(self) -> Markup:
        """The piece with its matches in ``<mark>``; everything else escaped."""
        parts, at = [], 0
        for start, end in self.spans:
            parts.append(escape(self.text[at:start]))
            parts.append(Markup("<mark>%s</mark>") % self.text[start:end])
            at = end
        parts.append(escape(self.text[at:]))
        body = Markup("").join(parts)
        return (Markup("… ") if self.leading else Markup("")) + body + \
            (Markup(" …") if self.trailing else Markup(""))

    @property
    def plain(self) -> str:
        return ("… " if self.leading else "") + self.text + (" …" if self.trailing else "")


def _matcher(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def highlight(text: str, words: list[str]) -> Markup:
    """The whole of a short text (a title) with the words marked."""
    matcher = _matcher(words)
    spans = tuple(m.span() for m in matcher.finditer(fold(text))) if matcher else ()
    return Snippet(text, spans, None).html


#: Characters of the stored text folded at a time while looking for the best match.
_CHUNK = 8000


def snippet(body: str, words: list[str], *, width: int = 240) -> Snippet | None:
    """About ``width`` characters of ``body`` around the best match; None when no word occurs
    in the body (it matched the title). The best match is the words as typed, one after the
    other ("đầu tư công"); failing that, the place where the most different words are close
    together.

    The text is folded a chunk at a time and the scan stops at the first phrase, so a long
    document costs little when its first pages match.
    """
    matcher = _matcher(words)
    if matcher is None or not body:
        return None
    phrase = re.compile(r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in words)
                        + r"(?![^\W_])") if len(words) > 1 else None
    best: tuple[int, int] | None = None  # (distinct words, start of the window)
    for chunk_start in range(0, len(body), _CHUNK):
        # Overlap the chunks by a window so a group of words across a border is seen whole.
        piece_start = max(0, chunk_start - width)
        piece = fold(body[piece_start:chunk_start + _CHUNK])
        together = phrase.search(piece) if phrase else None
        if together:
            return _window(body, piece_start + together.start(), width, matcher)
        matches = [(piece_start + m.start(), m.group()) for m in matcher.finditer(piece)]
        for i, (start, _word) in enumerate(matches):
            distinct = set()
            for at, word in matches[i:]:
                if at - start >= width or len(distinct) == len(words):
                    break
                distinct.add(word)
            if best is None or len(distinct) > best[0]:
                best = (len(distinct), start)
            if best[0] == len(words) and phrase is None:
                break
    if best is None:
        return None
    return _window(body, best[1], width, matcher)


def _window(body: str, first_match: int, width: int, matcher: re.Pattern) -> Snippet:
    page_start = body.rfind("\f", 0, first_match) + 1
    page_end = body.find("\f", first_match)
    page_end = len(body) if page_end < 0 else page_end
    start = max(page_start, first_match - width // 4)
    end = min(page_end, start + width)
    # Whole words at both ends.
    if start > page_start:
        space = body.find(" ", start, first_match)
        start = space + 1 if space >= 0 else start
    if end < page_end:
        space = body.rfind(" ", first_match, end)
        end = space if space > first_match else end
    text = body[start:end]
    spans = tuple(m.span() for m in matcher.finditer(fold(text)))
    return Snippet(text, spans, page=body.count("\f", 0, first_match) + 1,
                   leading=start > page_start, trailing=end < page_end)
