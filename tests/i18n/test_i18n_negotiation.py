"""Choosing the language (Accept-Language, tags typed by people) and reading and writing dates
and numbers in either language."""

from __future__ import annotations

import asyncio
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectoplan.i18n import (
    _,
    current_locale,
    format_date,
    format_number,
    negotiate,
    normalize,
    parse_date,
    parse_number,
    roman,
    use_locale,
)
from rectoplan.i18n.locales import parse_accept_language


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),  # Chrome in a Chinese Windows
        ("zh", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("fr-FR, zh-Hans;q=0.5", "zh_CN"),  # first choice unsupported, second is Chinese
        ("en-GB,en;q=0.9", "en"),
        ("zh-TW", "en"),  # Traditional Chinese is not this catalogue
        ("zh-TW, zh;q=0.5", "zh_CN"),
        ("zh-cn;q=0.2, en;q=0.9", "en"),  # weights, not order, decide
        ("de, *;q=0.1", "en"),
        ("", "en"),
        (None, "en"),
        ("zh-CN;q=0", "en"),  # q=0 means "not this"
        ("zh-CN;q=abc", "en"),  # a broken weight is not a preference
    ],
)
def test_accept_language_negotiation(header, locale):
    assert negotiate(header) == locale


def test_accept_language_order_and_weights():
    assert parse_accept_language("en;q=0.5, zh-CN, fr;q=0.7") == ["zh-CN", "fr", "en"]


@pytest.mark.parametrize(
    ("tag", "locale"),
    [("zh-CN", "zh_CN"), ("zh_cn", "zh_CN"), ("ZH", "zh_CN"), ("en-US", "en"), ("en", "en")],
)
def test_typed_tags_are_normalised(tag, locale):
    assert normalize(tag) == locale


@pytest.mark.parametrize("tag", ["fr", "zh-TW", "klingon", "", None])
def test_unsupported_tags_are_none(tag):
    assert normalize(tag) is None


def test_use_locale_restores_and_defaults_to_english():
    assert current_locale() == "en"
    with use_locale("zh-CN"):
        assert current_locale() == "zh_CN"
        assert _("Tumour height") != "Tumour height"
        with use_locale("xx"):
            assert current_locale() == "en"
        assert current_locale() == "zh_CN"
    assert current_locale() == "en"
    assert _("Tumour height") == "Tumour height"


def test_concurrent_tasks_keep_their_own_locale():
    """Two requests served at once on one event loop each see their own language."""

    async def in_locale(tag: str) -> list[str]:
        seen = []
        with use_locale(tag):
            for _round in range(3):
                await asyncio.sleep(0)
                seen.append(current_locale())
        return seen

    async def both():
        return await asyncio.gather(in_locale("zh-CN"), in_locale("en"))

    # a fresh event loop in its own thread: another test on this worker (Playwright's sync
    # API) may have left a loop running in the main thread
    with ThreadPoolExecutor(max_workers=1) as pool:
        chinese, english = pool.submit(asyncio.run, both()).result()
    assert chinese == ["zh_CN"] * 3 and english == ["en"] * 3


def test_dates_display_in_each_locale():
    day = dt.date(2024, 3, 5)
    assert format_date(day, locale="en") == "2024-03-05"
    assert format_date(day, locale="zh_CN") == "2024年3月5日"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_a_displayed_date_reads_back_in_both_locales(day):
    for locale in ("en", "zh_CN"):
        assert parse_date(format_date(day, locale=locale)) == day


@pytest.mark.parametrize(
    "text",
    ["2024-03-05", "2024/3/5", "2024.03.05", "2024年3月5日", "２０２４年３月５日", " 2024-3-5 "],
)
def test_dates_typed_either_way(text):
    assert parse_date(text) == dt.date(2024, 3, 5)


@pytest.mark.parametrize("text", ["05/03/2024", "2024-02-30", "March 5", "", "2024年13月1日"])
def test_ambiguous_or_impossible_dates_are_refused(text):
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


def test_numbers_display_and_read_back():
    assert format_number(12345.5, locale="en") == "12,345.5"
    assert format_number(12345.5, locale="zh_CN") == "12,345.5"
    assert parse_number("12,345.5") == Decimal("12345.5")
    assert parse_number("１２．５") == Decimal("12.5")  # full-width digits from a Chinese IME
    with pytest.raises(ValueError, match="not a number"):
        parse_number("十二")


def test_stage_codes_read_with_chinese_numerals_only_in_chinese():
    assert roman("IIIB", locale="en") == "IIIB"
    assert roman("IIIB", locale="zh_CN") == "ⅢB"
    assert roman("IV", locale="zh_CN") == "Ⅳ"
    assert roman("I", locale="zh_CN") == "Ⅰ"
    assert roman("unstageable", locale="zh_CN") == "unstageable"
