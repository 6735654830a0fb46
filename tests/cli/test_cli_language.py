"""``--lang`` / ``RECTOPLAN_LANG``: the command line prints Chinese when asked, English otherwise,
with the same ids and codes; an unsupported language is refused naming the option.

The expected Chinese titles come from the .po file read with Babel's reader; the English titles
from the option catalogue. A run's language never leaks into the next run in the same process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from rectoplan.cli import app
from rectoplan.i18n.catalogues import po_path
from rectoplan.pathways.recommendation import catalogue

runner = CliRunner()
SEED = Path(__file__).resolve().parents[2] / "examples" / "cases" / "seed001_1_diagnosis.json"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _zh() -> dict[str, str]:
    with po_path("zh_CN").open("rb") as fp:
        return {m.id: m.string for m in read_po(fp) if m.id and not m.context}


def _english_titles() -> list[str]:
    return [option.title for option in catalogue().values()]


def _ids(output: str) -> list[str]:
    return re.findall(r"\((primary\.[a-z_.]+)\)", output)


@pytest.mark.parametrize(
    "args",
    [
        ["assess", str(SEED), "--lang", "zh-CN"],
        ["--lang", "zh-CN", "assess", str(SEED)],
        ["--lang", "zh_CN", "assess", str(SEED)],
    ],
)
def test_assess_prints_chinese_titles_and_no_english_title(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    english = runner.invoke(app, ["assess", str(SEED)]).output
    ids = _ids(english)
    assert ids and _ids(result.output) == ids  # same options, same order
    titles = {o.id: o.title for o in catalogue().values()}
    flat = result.output.replace("\n", "")
    for option_id in ids:
        assert _zh()[titles[option_id]] in flat
    assert not [t for t in _english_titles() if t in flat]
    assert "首选" in result.output  # the strength is written out in Chinese


def test_environment_variable_chooses_the_language():
    result = runner.invoke(app, ["assess", str(SEED)], env={"RECTOPLAN_LANG": "zh-CN"})
    assert result.exit_code == 0 and CJK.search(result.output)


def test_english_is_the_default_and_a_run_does_not_leak_into_the_next():
    runner.invoke(app, ["assess", str(SEED), "--lang", "zh-CN"])
    result = runner.invoke(app, ["assess", str(SEED)])
    assert result.exit_code == 0
    assert not CJK.search(result.output)
    assert "Ultra-low anterior resection with coloanal anastomosis" in result.output


def test_json_keeps_ids_and_codes_in_every_language():
    english = json.loads(runner.invoke(app, ["assess", str(SEED), "--json"]).output)
    chinese = json.loads(
        runner.invoke(app, ["assess", str(SEED), "--json", "--lang", "zh-CN"]).output
    )
    assert [r["id"] for r in chinese["recommendations"]] == [
        r["id"] for r in english["recommendations"]
    ]
    assert chinese["stage"]["group"] == english["stage"]["group"] == "IIIB"
    assert chinese["risk_group"] == english["risk_group"]
    assert [f["value"] for f in chinese["findings"] if f["id"] == "height_band"] == ["low"]
    assert chinese["recommendations"][0]["title"] != english["recommendations"][0]["title"]


def test_evidence_keeps_citations_and_translates_the_marker():
    result = runner.invoke(app, ["evidence", "--lang", "zh-CN"])
    assert result.exit_code == 0
    assert "［未核实］" in result.output and "[unverified]" not in result.output
    assert "Lancet" in result.output or "N Engl J Med" in result.output  # citations unchanged


def test_unsupported_language_is_refused_naming_the_option():
    result = runner.invoke(app, ["assess", str(SEED), "--lang", "fr"])
    assert result.exit_code == 2
    assert "--lang" in result.output and "zh-CN" in result.output


def test_console_script_prints_chinese():
    """The installed entry point, in a fresh process, as a user types it."""
    done = subprocess.run(
        [sys.executable, "-m", "rectoplan", "assess", str(SEED), "--lang", "zh-CN"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "超低位前切除术＋结肠肛管吻合" in done.stdout.replace("\n", "")
