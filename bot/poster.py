"""A printable A4 poster: a big QR code of the bot's link and an invitation in each language.

One layout, drawn with fpdf2 (text shaping by HarfBuzz, so Arabic and Persian are joined and
right-to-left, and Ge'ez script is composed); the PNG is that PDF page rendered by PDFium.
Fonts are found in the standard font folders and picked per line by what they cover: a
script that no installed font covers is an error naming the Debian package to install,
never a line of empty boxes.

The QR code holds the link of `poster_link`: with one language it opens the bot in that
language; with several it is the bot's plain link (plus the need, if any), and the bot's
language picker lets each person choose theirs.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import TextIO

import pypdfium2
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, PathPaintRule
from fpdf.fonts import TTFFont

from bot.i18n import Translators
from bot.share import (
    EXIT_USAGE,
    INVITATION,
    USERNAME_ENV,
    bot_username,
    check_language,
    deep_link,
    qr_code,
)

TITLE = "Find help in Luxembourg"
FOOTER = "Free · private · /forget deletes your data"
FORMATS = ("pdf", "png")

FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
# (regular, bold) file names, best first, for the script a line is mostly written in.
_LATIN = (
    ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
)
FONT_FILES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "ARABIC": (
        ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
        ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"),
    ),
    "ETHIOPIC": (
        ("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
        ("NotoSerifEthiopic-Regular.ttf", "NotoSerifEthiopic-Bold.ttf"),
        ("AbyssinicaSIL-Regular.ttf", "AbyssinicaSIL-Regular.ttf"),
    ),
}
# The Debian package that brings fonts for a script, when none is installed.
FONT_PACKAGES = {
    "LATIN": "fonts-dejavu-core",
    "CYRILLIC": "fonts-dejavu-core",
    "CJK": "fonts-noto-cjk",
}
DEFAULT_FONT_PACKAGE = "fonts-noto-core"

# Layout, in millimetres (A4 portrait) and points.
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 15.0
QR_MIN, QR_GOOD, QR_MAX = 90.0, 105.0, 125.0  # width of the symbol, quiet zone not counted
QUIET = 4  # modules of blank margin around the symbol
TITLE_PT, LINK_PT, FOOTER_PT = 40, 15, 12
# (invitation size in points, smallest QR width) tried in turn: big text and a big QR code,
# then smaller text rather than a smaller code, down to the least that still reads well.
ATTEMPTS = (
    *((pt, QR_GOOD) for pt in (20, 18, 16, 14)),
    *((pt, QR_MIN) for pt in (20, 18, 16, 14, 12, 11, 10)),
)
PT = 25.4 / 72  # millimetres in a point
LEADING = 1.45  # line height / font size
GAP = 2.5  # mm between two invitations


class PosterError(ValueError):
    """The poster cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Line:
    """One invitation line, in one language."""

    text: str
    language: str
    rtl: bool


def parse_languages(text: str) -> tuple[str, ...]:
    """'ar,fa,ti' -> ('ar', 'fa', 'ti'), each checked, duplicates dropped."""
    codes = [code.strip() for code in text.split(",") if code.strip()]
    if not codes:
        raise PosterError("give at least one language, e.g. --lang ar,fa,ti")
    return tuple(dict.fromkeys(check_language(code) for code in codes))


def poster_link(username: str, languages: Sequence[str], need: str | None = None) -> str:
    """The link one language presets; with several, the bot asks each person for theirs."""
    for code in languages:
        check_language(code)
    language = languages[0] if len(languages) == 1 else None
    return deep_link(username, language, need)


def invitation_lines(
    languages: Sequence[str], translators: Translators | None = None
) -> tuple[list[Line], list[str]]:
    """The invitation in each language, and the languages whose translation is missing.

    A missing translation falls back to English, which is shown once.
    """
    translators = translators or Translators()
    lines: list[Line] = []
    missing: list[str] = []
    for code in languages:
        tr = translators[code]
        text = tr(INVITATION)
        if text == INVITATION and code != "en":
            missing.append(code)
        if text not in (line.text for line in lines):
            lines.append(Line(text, code, tr.rtl and text != INVITATION))
    return lines, missing


# --- fonts -------------------------------------------------------------------------------


@cache
def _font_index(dirs: tuple[Path, ...]) -> dict[str, Path]:
    """File name -> path of every TrueType/OpenType font under `dirs` (first found wins)."""
    index: dict[str, Path] = {}
    for folder in dirs:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in (".ttf", ".otf"):
                    index.setdefault(path.name, path)
    return index


@cache
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _needed(text: str) -> set[int]:
    """Code points a font must have: all but format controls (ZWNJ, isolates), done by HarfBuzz."""
    return {ord(ch) for ch in text if unicodedata.category(ch) != "Cf" and ch != "\n"}


def script_of(text: str) -> str:
    """The script most letters of `text` are in, as Unicode names it: 'LATIN', 'ARABIC'..."""
    scripts = Counter(unicodedata.name(ch, "?").split()[0] for ch in text if ch.isalpha())
    return scripts.most_common(1)[0][0] if scripts else "LATIN"


def _candidates(script: str) -> tuple[tuple[str, str], ...]:
    """Font files to try for a script: ours, then Noto's for that script, then Latin ones."""
    noto = f"NotoSans{script.title()}"
    return (*FONT_FILES.get(script, ()), (f"{noto}-Regular.ttf", f"{noto}-Bold.ttf"), *_LATIN)


def find_font(text: str, bold: bool = False, dirs: Sequence[Path] = FONT_DIRS) -> Path:
    """An installed font that has every character of `text`, chosen for its script."""
    script = script_of(text)
    index = _font_index(tuple(dirs))
    for regular, bold_name in _candidates(script):
        path = index.get(bold_name if bold else regular) or index.get(regular)
        if path and _needed(text) <= _cmap(path):
            return path
    package = FONT_PACKAGES.get(script, DEFAULT_FONT_PACKAGE)
    raise PosterError(
        f"no installed font can show {script.title()} script (as in {text[:24]!r}): "
        f"install the Debian package {package} (apt-get install {package})"
    )


# --- layout ------------------------------------------------------------------------------


def _use_font(pdf: FPDF, path: Path, size: float, language: str = "en", rtl: bool = False) -> None:
    """Set the font (loaded once a document) and HarfBuzz's language and direction."""
    family = path.stem.replace("-", "")
    if family.lower() not in pdf.fonts:
        pdf.add_font(family, "", str(path))
    pdf.set_font(family, size=size)
    pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr", language=language)


def _paragraph(pdf: FPDF, text: str, size: float, align: str, dry_run: bool = False) -> float:
    """A paragraph across the page in the current font; returns its height in mm."""
    pdf.set_x(MARGIN)
    height = pdf.multi_cell(
        PAGE_W - 2 * MARGIN,
        size * PT * LEADING,
        text,
        align=align,
        dry_run=dry_run,
        output=MethodReturnValue.HEIGHT,
    )
    return float(height)  # type: ignore[arg-type]


def _english(pdf: FPDF, text: str, size: float, dirs: Sequence[Path], bold: bool = False) -> None:
    """A centred English line."""
    _use_font(pdf, find_font(text, bold, dirs), size)
    _paragraph(pdf, text, size, "C")


def _dark_runs(bits: Iterable[int]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    col = 0
    for dark, group in groupby(bits):
        length = len(list(group))
        if dark:
            yield col, length
        col += length


def _draw_qr(pdf: FPDF, link: str, x: float, y: float, width: float) -> None:
    """The QR code as one vector path (no seams), its symbol `width` mm wide at (x, y)."""
    matrix = qr_code(link).matrix
    module = width / len(matrix)
    with pdf.new_path(x, y, paint_rule=PathPaintRule.FILL_NONZERO) as path:
        path.style.fill_color = "#000000"
        for row, bits in enumerate(matrix):
            for start, length in _dark_runs(bits):
                path.rectangle(x + start * module, y + row * module, length * module, module)


def _new_pdf() -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(TITLE)
    pdf.set_lang("en")
    pdf.set_creator("lux-triage-bot")
    pdf.add_page()
    return pdf


def _close_fonts(pdf: FPDF) -> None:
    """Close the font files a document opened (fpdf2 closes them only in `output`)."""
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.close()


def _title(pdf: FPDF, dirs: Sequence[Path]) -> None:
    """The English title, bold, as big as fits on one line."""
    _use_font(pdf, find_font(TITLE, True, dirs), TITLE_PT)
    fit = 0.97 * TITLE_PT * (PAGE_W - 2 * MARGIN) / pdf.get_string_width(TITLE)
    _english(pdf, TITLE, min(TITLE_PT, fit), dirs, bold=True)
    pdf.ln(4)


def _invitations(
    pdf: FPDF, lines: Sequence[Line], size: float, dirs: Sequence[Path], dry_run: bool = False
) -> float:
    """One paragraph a language, right-to-left ones right-aligned; returns the height in mm."""
    height = 0.0
    for line in lines:
        _use_font(pdf, find_font(line.text, dirs=dirs), size, line.language, line.rtl)
        height += _paragraph(pdf, line.text, size, "R" if line.rtl else "L", dry_run)
        height += GAP
        if not dry_run:
            pdf.ln(GAP)
    return height


def _qr_block(modules: int, width: float) -> float:
    """Height in mm of a QR code `width` mm wide with its quiet zone."""
    return width * (modules + 2 * QUIET) / modules


def _fit(
    pdf: FPDF, lines: Sequence[Line], modules: int, room: float, dirs: Sequence[Path]
) -> tuple[float, float]:
    """(text size, QR width): the first of ATTEMPTS whose QR code fits in `room` mm."""
    for size, least in ATTEMPTS:
        left = room - _invitations(pdf, lines, size, dirs, dry_run=True)
        width = min(QR_MAX, left * modules / (modules + 2 * QUIET), PAGE_W - 2 * MARGIN)
        if width >= least:
            return size, width
    raise PosterError(f"{len(lines)} invitations leave no room for the QR code: choose fewer")


def _qr_and_link(pdf: FPDF, link: str, width: float, bottom: float, dirs: Sequence[Path]) -> None:
    """The QR code centred between here and `bottom`, the link under it."""
    modules = len(qr_code(link).matrix)
    top = pdf.get_y() + (bottom - pdf.get_y() - _qr_block(modules, width)) / 2
    _draw_qr(pdf, link, (PAGE_W - width) / 2, top + QUIET * width / modules, width)
    pdf.set_y(top + _qr_block(modules, width))
    _english(pdf, link, LINK_PT, dirs)


def _footer(pdf: FPDF, dirs: Sequence[Path]) -> float:
    """The footer at the foot of the page; returns where it starts."""
    top = PAGE_H - MARGIN - FOOTER_PT * PT * LEADING
    pdf.set_y(top)
    pdf.set_text_color(60)
    _english(pdf, FOOTER, FOOTER_PT, dirs)
    pdf.set_text_color(0)
    return top


def poster_pdf(link: str, lines: Sequence[Line], dirs: Sequence[Path] = FONT_DIRS) -> bytes:
    """The one-page A4 poster as PDF bytes; the invitations shrink until the QR code fits."""
    pdf = _new_pdf()
    try:
        bottom = _footer(pdf, dirs) - 6 - LINK_PT * PT * LEADING
        pdf.set_y(MARGIN)
        _title(pdf, dirs)
        modules = len(qr_code(link).matrix)
        size, width = _fit(pdf, lines, modules, bottom - pdf.get_y(), dirs)
        _invitations(pdf, lines, size, dirs)
        _qr_and_link(pdf, link, width, bottom, dirs)
        return bytes(pdf.output())
    finally:
        _close_fonts(pdf)


def pdf_to_png(pdf: bytes, dpi: int = 200) -> bytes:
    """The first page of `pdf` as PNG bytes, rendered by PDFium at `dpi`."""
    if not 10 <= dpi <= 1200:
        raise PosterError(f"a resolution of {dpi} dpi? choose between 10 and 1200")
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def output_format(path: Path, forced: str | None = None) -> str:
    """'pdf' or 'png': `forced` (--format) if given, else the file's extension."""
    fmt = (forced or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise PosterError(f"cannot tell the format of {str(path)!r}: name it .pdf or .png")
    return fmt


def write_poster(
    path: Path,
    link: str,
    lines: Sequence[Line],
    fmt: str | None = None,
    dpi: int = 200,
    dirs: Sequence[Path] = FONT_DIRS,
) -> str:
    """Write the poster to `path` as PDF or PNG (see `output_format`); returns the format."""
    fmt = output_format(path, fmt)
    pdf = poster_pdf(link, lines, dirs)
    path.write_bytes(pdf if fmt == "pdf" else pdf_to_png(pdf, dpi))
    return fmt


# --- command line ------------------------------------------------------------------------


def add_poster_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bot poster`."""
    parser.add_argument("--lang", required=True, help="languages of the invitation: ar,fa,ti")
    parser.add_argument("--need", help="preset this need, e.g. mental_health")
    parser.add_argument("--bot", help=f"the bot's username (default: ${USERNAME_ENV})")
    parser.add_argument("--out", type=Path, required=True, help="the file: poster.pdf or .png")
    parser.add_argument("--format", choices=FORMATS, help="force the format (default: from --out)")
    parser.add_argument("--dpi", type=int, default=200, help="resolution of a PNG (default 200)")


def poster_main(
    args: argparse.Namespace,
    out: TextIO | None = None,
    err: TextIO | None = None,
    env: Mapping[str, str] = os.environ,
    translators: Translators | None = None,
) -> int:
    """`python -m bot poster`: write the poster; 2 with a message on a bad option."""
    err = err or sys.stderr
    try:
        languages = parse_languages(args.lang)
        link = poster_link(bot_username(args.bot, env), languages, args.need)
        lines, missing = invitation_lines(languages, translators)
        fmt = write_poster(args.out, link, lines, args.format, args.dpi)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    _warn_missing(missing, err)
    print(f"wrote {args.out} ({fmt.upper()}, A4) for {link}", file=out or sys.stdout)
    return 0


def _warn_missing(missing: Iterable[str], err: TextIO) -> None:
    for code in missing:
        print(f"warning: no {code} translation of the invitation yet; English stands in", file=err)
