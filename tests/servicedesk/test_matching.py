"""Whole-phrase matching: Chinese as exact substrings, Latin text on word boundaries, any case."""

import pytest

from servicedesk.matching import contains_phrase, normalise


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("我的订单还没发货", "订单"),
        ("快递三天了还没到", "快递"),
        ("Where is my ORDER?", "order"),
        ("My Order #123 is late", "order"),
        ("订单order没到", "order"),
        ("How do I Flash   ROM safely", "flash rom"),
        ("ｏｒｄｅｒ 全角字母", "order"),  # full-width letters typed with a Chinese keyboard
        ("刷机失败变砖了", "刷机"),
    ],
)
def test_phrase_matches(text, phrase):
    assert contains_phrase(normalise(text), phrase)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I want to reorder the list", "order"),
        ("orders page is slow", "order"),
        ("flashROM", "flash rom"),
        ("下单以后", "订单"),
        ("the deliveryman", "delivery"),
        ("", "order"),
    ],
)
def test_phrase_does_not_match(text, phrase):
    assert not contains_phrase(normalise(text), phrase)


def test_a_later_occurrence_on_a_boundary_still_matches():
    assert contains_phrase(normalise("reorder, then order again"), "order")
