"""Chinese on paper and in figures: a PDF printed from Chinese text embeds a CJK font and gives
the text back to an extractor, and a figure drawn under zh_CN uses the CJK font fontconfig
finds (without it, matplotlib draws empty boxes and warns about missing glyphs)."""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import pytest
from pypdf import PdfReader

from rectoplan.clinical.case import Case
from rectoplan.i18n import use_locale
from rectoplan.i18n.fonts import CJK_FAMILY, cjk_font_file, matplotlib_font_settings
from rectoplan.pathways import assess

SEED = Path(__file__).resolve().parents[2] / "examples" / "cases" / "seed001_1_diagnosis.json"

pytestmark = pytest.mark.skipif(
    cjk_font_file() is None,
    reason="fonts-noto-cjk is not installed (scripts/system-packages.sh run installs it)",
)


def _chinese_titles() -> list[str]:
    case = Case.model_validate(json.loads(SEED.read_text(encoding="utf-8")))
    with use_locale("zh_CN"):
        return [r.title for r in assess(case).recommendations]


def _embedded_fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
            for descendant in font.get("/DescendantFonts", []):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None and any(
                    key in descriptor.get_object()
                    for key in ("/FontFile", "/FontFile2", "/FontFile3")
                ):
                    names.add("embedded:" + str(descendant.get_object().get("/BaseFont")))
    return names


def test_a_chinese_pdf_embeds_a_cjk_font_and_reads_back():
    """Printed the way the pages print (`pdf_response`, the package stylesheet, WeasyPrint)."""
    from rectoplan.web.pages.pdf import pdf_response

    titles = _chinese_titles()
    items = "".join(f"<li>{t}</li>" for t in titles)
    html = (
        f'<!doctype html><html lang="zh-CN"><body><h1>推荐方案</h1><ul>{items}</ul></body></html>'
    )
    reader = PdfReader(io.BytesIO(pdf_response(html, "zh.pdf").body))
    fonts = _embedded_fonts(reader)
    assert any(
        name.startswith("embedded:") and "Noto-Sans-CJK-SC" in name.replace(" ", "-")
        for name in fonts
    ), fonts
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for title in titles:
        assert title.replace(" ", "") in text.replace(" ", "")


def test_figures_under_chinese_use_the_cjk_font_without_missing_glyphs(tmp_path):
    from matplotlib import font_manager

    from rectoplan.analytics.concordance import ReasonTally
    from rectoplan.analytics.plots import deviation_reasons_figure

    assert matplotlib_font_settings("en") == {}
    settings = matplotlib_font_settings("zh_CN")
    assert settings["font.sans-serif"][0] == CJK_FAMILY
    path = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY))
    assert Path(path).resolve() == Path(cjk_font_file()).resolve()
    reasons = [
        ReasonTally(
            code="patient-preference",
            display="患者意愿",
            category=None,
            category_display=None,
            count=3,
            share=0.6,
            known=True,
        )
    ]
    with use_locale("zh_CN"), warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font" would fail here
        deviation_reasons_figure(reasons, path=tmp_path / "zh.png", title="偏离原因")
    # the same labels without the Chinese font: matplotlib says the glyphs are missing
    with pytest.warns(UserWarning, match="missing from font"):
        deviation_reasons_figure(reasons, path=tmp_path / "en.png", title="偏离原因")
