"""Crop the browser tests' screenshots into the README's pictures (docs/screenshots/).

Run after `make test` (which writes test-artifacts/screenshots/):
    .venv/bin/python scripts/readme-screenshots.py
Each picture is the part of a full-page screenshot a reader needs, scaled to 1000 px wide.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "test-artifacts" / "screenshots"
TARGET = ROOT / "docs" / "screenshots"
WIDTH = 1000

PICTURES = {
    # README name: (screenshot, top, bottom) in the screenshot's pixels (1440 wide)
    "case-page.png": ("04-case-page.png", 0, 2300),
    "stenosis-planner.png": ("05-stenosis-planner.png", 1600, 3900),
    "outcomes-dashboard.png": ("06-outcomes.png", 0, 2700),
}


def main() -> None:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, (source, top, bottom) in PICTURES.items():
        image = Image.open(SOURCE / source)
        part = image.crop((0, top, image.width, min(bottom, image.height)))
        height = round(part.height * WIDTH / part.width)
        scaled = part.convert("RGB").resize((WIDTH, height), Image.LANCZOS)
        scaled.quantize(colors=256).save(TARGET / name, optimize=True)  # a third of the size
        print(f"{TARGET / name}: {WIDTH}x{height}")


if __name__ == "__main__":
    main()
