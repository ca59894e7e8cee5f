"""Folding Vietnamese, reading queries, cutting snippets: pure functions, no app."""

from __future__ import annotations

import pytest

from ecabinet.search.text import fold, fts5_query, highlight, normalise, snippet, terms


@pytest.mark.parametrize(("text", "folded"), [
    ("Quyết định", "quyet dinh"),
    ("ĐẤT ĐAI", "dat dai"),
    ("đất đai", "dat dai"),
    ("Ưu tiên Ơn ẵn ỹ Ỷ", "uu tien on an y y"),
    ("quyet dinh", "quyet dinh"),
    ("Nghị định 30/2020/NĐ-CP", "nghi dinh 30/2020/nd-cp"),
])
def test_folding_drops_marks_and_case_and_maps_d_bar(text, folded):
    assert fold(text) == folded


def test_folding_keeps_positions_even_for_characters_it_cannot_fold():
    text = "Quyết ﬁ İ 한국 e\u0301"  # a ligature, a dotted I, Hangul, a lone combining mark
    assert len(fold(text)) == len(text)


def test_decomposed_text_is_stored_composed():
    decomposed = "Quye\u0302\u0301t đi\u0323nh"
    assert normalise(decomposed) == "Quyết định"
    assert fold(normalise(decomposed)) == "quyet dinh"


def test_normalise_collapses_spaces_and_keeps_pages():
    assert normalise("Trang  một\nhai\f\nTrang\x00hai \f\f") == "Trang một hai\fTrang hai"


@pytest.mark.parametrize(("query", "words"), [
    ('"quyết" định*', ["quyet", "dinh"]),
    ("NEAR(đất, đai)", ["near", "dat", "dai"]),
    ("-đất +đai OR x", ["dat", "dai", "or", "x"]),
    ("'; DROP TABLE search_fts; --", ["drop", "table", "search", "fts"]),
    ("đất đai ĐẤT", ["dat", "dai"]),
    ('" * - ( ) ^ :', []),
])
def test_queries_become_plain_words(query, words):
    assert terms(query) == words


def test_the_fts5_query_quotes_every_word():
    assert fts5_query(["near", "dat"]) == '"near" "dat"'


def test_a_query_keeps_its_first_words_only():
    assert len(terms(" ".join(f"w{i}" for i in range(100)))) == 16


def test_the_snippet_shows_the_original_text_escaped_with_marks():
    body = "Mở đầu.\fTrang hai: <script>alert(1)</script> về Đất Đai & nhà ở."
    found = snippet(body, terms("dat dai"))
    assert found.page == 2
    assert "Đất" in found.text
    html = str(found.html)
    assert "<mark>Đất</mark> <mark>Đai</mark>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&amp; nhà ở" in html


def test_the_snippet_prefers_the_place_with_most_words_together():
    body = ("đất " + "lorem ipsum " * 100 + "quy hoạch sử dụng đất đai " + "x " * 300)
    found = snippet(body, terms("đất đai quy hoạch"), width=120)
    assert "quy hoạch sử dụng đất đai" in found.text
    assert found.leading and found.trailing


def test_no_snippet_when_only_the_title_matched():
    assert snippet("Một văn bản khác", terms("đất")) is None


def test_words_match_whole_not_inside_others():
    assert snippet("đấtnước", terms("dat")) is None
    assert str(highlight("Đất, đai", terms("dat"))) == "<mark>Đất</mark>, đai"


def test_the_highlighted_title_is_escaped():
    assert str(highlight("<b>Quyết</b> định", terms("quyet"))) == \
        "&lt;b&gt;<mark>Quyết</mark>&lt;/b&gt; định"


def test_the_snippet_prefers_the_words_as_typed():
    body = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc. " + "x " * 200
            + "Luật Đầu tư công năm 2024")
    found = snippet(body, terms("dau tu cong"))
    assert found.text.startswith("x ") and "Luật Đầu tư công năm 2024" in found.text
    assert "<mark>Đầu</mark> <mark>tư</mark> <mark>công</mark>" in str(found.html)
