"""A printable A4 poster: a big QR code of the bot's link, in the chosen languages only.

Each language gets its headline (with the need, when one is preset), its invitation, a label
under each QR code ("Opens in Telegram", "Opens in your browser, no account needed") and its
footer; English appears only when English is chosen or a translation is missing. With `--web`
the poster has a second QR code for the web chat, beside Telegram's.

One layout, drawn with fpdf2 (text shaping by HarfBuzz, so Arabic and Persian are joined and
right-to-left, and Ge'ez script is composed); the PNG is that PDF page rendered by PDFium.
Fonts are found in the standard font folders and picked per line by what they cover: a
script that no installed font covers is an error naming the Debian package to install,
never a line of empty boxes.

With one language the links open the bot in that language; with several they are the bot's
plain links (plus the need, if any), and the bot's language picker lets each person choose.
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

from bot.flows.cards import need_label
from bot.i18n import FSI, PDI, Translator, Translators
from bot.share import (
    EXIT_USAGE,
    FOOTER,
    HEADLINE,
    INVITATION,
    OPENS_BROWSER,
    OPENS_TELEGRAM,
    add_target_arguments,
    check_language,
    check_need,
    deep_link,
    qr_code,
    share_links,
)

FORMATS = ("pdf", "png")
# What each QR code opens, in the order they stand on the page (reversed in right-to-left).
KINDS = ("telegram", "web")
LABELS = {"telegram": OPENS_TELEGRAM, "web": OPENS_BROWSER}
NEED_COLOUR = (0, 70, 140)  # the need's name: dark blue, legible in black and white too
BLACK, GREY = (0, 0, 0), (70, 70, 70)
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
WIDTH = PAGE_W - 2 * MARGIN
# Width of one symbol, quiet zone not counted: (good, least) alone, and each of a pair.
QR_ALONE, QR_PAIR, QR_MAX = (105.0, 90.0), (70.0, 55.0), 125.0
QUIET = 4  # modules of blank margin around the symbol
LINK_PT, LINK_LEAST_PT = 12, 7
PT = 25.4 / 72  # millimetres in a point
LEADING = 1.3  # line height / font size
GAP = 2.5  # mm between two languages
GUTTER = 8.0  # mm between two columns of text
SPACE = 6.0  # mm between the parts of the page
# More languages than this and the texts run in two columns.
ONE_COLUMN = 3


@dataclass(frozen=True)
class Sizes:
    """Font sizes in points of one attempt at the layout; invitation 0 leaves it out."""

    headline: float
    invitation: float
    label: float
    footer: float


def attempts(languages: int) -> Iterator[tuple[Sizes, float]]:
    """(sizes, least QR share of the good width) tried in turn: big text and a big code, then
    smaller text rather than a smaller code, then without the invitation (the headline,
    labels and footer say the same in fewer words), down to the least that reads well."""
    headline = 34 if languages == 1 else 22
    scales = (*((1.3, 1.15) if languages == 1 else ()), 1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.42)
    for least, invitation in ((0, True), (1, True), (1, False)):
        for scale in scales:
            sizes = Sizes(
                max(12, headline * scale),
                max(10, 20 * scale) if invitation else 0,
                max(9, 16 * scale),
                max(8, 12 * scale),
            )
            yield sizes, least


class PosterError(ValueError):
    """The poster cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Line:
    """One piece of text, in one language."""

    text: str
    language: str
    rtl: bool


@dataclass(frozen=True)
class PosterText:
    """What the poster says in one language."""

    headline: Line
    need: Line | None  # the need's name as the bot shows it, when the poster presets one
    invitation: Line
    telegram: Line
    web: Line
    footer: Line

    def label(self, kind: str) -> Line:
        """The label under the QR code that opens `kind` ('telegram' or 'web')."""
        return self.telegram if kind == "telegram" else self.web

    def words(self) -> tuple[str, ...]:
        lines = (self.headline, self.need, self.invitation, self.telegram, self.web, self.footer)
        return tuple(line.text if line else "" for line in lines)


def parse_languages(text: str) -> tuple[str, ...]:
    """'ar,fa,ti' -> ('ar', 'fa', 'ti'), each checked, duplicates dropped."""
    codes = [code.strip() for code in text.split(",") if code.strip()]
    if not codes:
        raise PosterError("give at least one language, e.g. --lang ar,fa,ti")
    return tuple(dict.fromkeys(check_language(code) for code in codes))


def poster_language(languages: Sequence[str]) -> str | None:
    """The language the links preset: the only one; with several, each person picks."""
    for code in languages:
        check_language(code)
    return languages[0] if len(languages) == 1 else None


def poster_link(username: str, languages: Sequence[str], need: str | None = None) -> str:
    """The Telegram link of a poster in `languages` (see `poster_language`)."""
    return deep_link(username, poster_language(languages), need)


def _line(tr: Translator, message: str, english: str | None = None) -> tuple[Line, bool]:
    """The translation of `message` as a Line, and whether it has one. `english`: the
    English of a text `message` already translated (a need's name)."""
    text = tr(message) if english is None else message
    translated = text != (english or message) or tr.code == "en"
    # (In right-to-left text the translator has isolated "/forget" already.)
    return Line(text, tr.code if translated else "en", tr.rtl and translated), translated


def poster_texts(
    languages: Sequence[str], need: str | None = None, translators: Translators | None = None
) -> tuple[list[PosterText], list[str]]:
    """What the poster says in each language, and the languages it is not fully translated
    into. A missing translation falls back to English; a language saying exactly what an
    earlier one says (English standing in twice) is shown once."""
    translators = translators or Translators()
    english = translators["en"]
    if need is not None:
        check_need(need)
    texts: list[PosterText] = []
    missing: list[str] = []
    for code in languages:
        tr = translators[check_language(code)]
        parts = [
            _line(tr, HEADLINE),
            _line(tr, need_label(tr, need), need_label(english, need)) if need else (None, True),
            _line(tr, INVITATION),
            _line(tr, OPENS_TELEGRAM),
            _line(tr, OPENS_BROWSER),
            _line(tr, FOOTER),
        ]
        if not all(translated for _, translated in parts):
            missing.append(code)
        text = PosterText(*(line for line, _ in parts))
        if text.words() not in (known.words() for known in texts):
            texts.append(text)
    return texts, missing


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


def latin_font(bold: bool = False, dirs: Sequence[Path] = FONT_DIRS) -> Path | None:
    """The first installed Latin font: it stands in for the Latin characters (a /command, a
    middle dot) that a font for another script lacks."""
    index = _font_index(tuple(dirs))
    for regular, bold_name in _LATIN:
        path = index.get(bold_name if bold else regular) or index.get(regular)
        if path:
            return path
    return None


def find_font(text: str, bold: bool = False, dirs: Sequence[Path] = FONT_DIRS) -> Path:
    """An installed font for the script of `text` that has every character of it, but
    those the Latin font (`latin_font`) has, which stands in for them."""
    script = script_of(text)
    index = _font_index(tuple(dirs))
    needed = _needed(text)
    latin = latin_font(bold, dirs)
    if latin and script != "LATIN":
        needed -= _cmap(latin)
    for regular, bold_name in _candidates(script):
        path = index.get(bold_name if bold else regular) or index.get(regular)
        if path and needed <= _cmap(path) and (script == "LATIN" or _script_covered(text, path)):
            return path
    package = FONT_PACKAGES.get(script, DEFAULT_FONT_PACKAGE)
    raise PosterError(
        f"no installed font can show {script.title()} script (as in {text[:24]!r}): "
        f"install the Debian package {package} (apt-get install {package})"
    )


def _script_covered(text: str, path: Path) -> bool:
    """Whether the font at `path` has the letters of `text` in its main script."""
    script = script_of(text)
    letters = {ord(ch) for ch in text if ch.isalpha() and script_of(ch) == script}
    return letters <= _cmap(path)


# --- layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Styled:
    """A Line as it is set: size in points, weight, colour (RGB) and alignment."""

    line: Line
    size: float
    bold: bool = False
    colour: tuple[int, int, int] = BLACK
    align: str = "L"


def _family(pdf: FPDF, path: Path) -> str:
    """The font family of the file at `path`, loaded once a document."""
    family = path.stem.replace("-", "")
    if family.lower() not in pdf.fonts:
        pdf.add_font(family, "", str(path))
    return family


def _use_font(
    pdf: FPDF,
    path: Path,
    size: float,
    language: str = "en",
    rtl: bool = False,
    fallback: Path | None = None,
) -> None:
    """Set the font, the font that stands in for characters it lacks, and HarfBuzz's
    language and direction."""
    family = _family(pdf, path)
    pdf.set_fallback_fonts([_family(pdf, fallback)] if fallback and fallback != path else [])
    pdf.set_font(family, size=size)
    pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr", language=language)


def _set(
    pdf: FPDF, piece: Styled, x: float, y: float, width: float, dirs: Sequence[Path], dry_run: bool
) -> float:
    """One paragraph `width` mm wide at (x, y); returns its height in mm."""
    line = piece.line
    font = find_font(line.text, piece.bold, dirs)
    _use_font(pdf, font, piece.size, line.language, line.rtl, latin_font(piece.bold, dirs))
    pdf.set_text_color(*piece.colour)
    pdf.set_xy(x, y)
    height = pdf.multi_cell(
        width,
        piece.size * PT * LEADING,
        line.text,
        align=piece.align,
        dry_run=dry_run,
        output=MethodReturnValue.HEIGHT,
    )
    pdf.set_text_color(0)
    return float(height)  # type: ignore[arg-type]


def _grid(
    pdf: FPDF,
    cells: Sequence[Sequence[Styled]],
    columns: int,
    top: float,
    dirs: Sequence[Path],
    dry_run: bool,
    left: float = MARGIN,
    width: float = WIDTH,
    gap: float = GAP,
) -> float:
    """Cells of paragraphs in rows of `columns`, from `top`; returns the height in mm."""
    column = (width - (columns - 1) * GUTTER) / columns
    height = 0.0
    for start in range(0, len(cells), columns):
        row = 0.0
        for index, cell in enumerate(cells[start : start + columns]):
            x, depth = left + index * (column + GUTTER), 0.0
            for piece in cell:
                depth += _set(pdf, piece, x, top + height + depth, column, dirs, dry_run)
            row = max(row, depth)
        height += row + gap
    return height - gap if cells else 0.0


def _align(line: Line, centred: bool) -> str:
    return "C" if centred else "R" if line.rtl else "L"


def _columns(texts: Sequence[PosterText]) -> int:
    return 1 if len(texts) <= ONE_COLUMN else 2


def _one_line(pdf: FPDF, line: Line, size: float, bold: bool, dirs: Sequence[Path]) -> float:
    """`size`, or less so that `line` fits on one line across the page (not below 45 %:
    a longer text wraps)."""
    _use_font(pdf, find_font(line.text, bold, dirs), size, line.language, line.rtl)
    fit = 0.97 * size * (WIDTH - 2 * pdf.c_margin) / pdf.get_string_width(line.text)
    return max(0.45 * size, min(size, fit))


def _blocks(
    pdf: FPDF, texts: Sequence[PosterText], sizes: Sizes, dirs: Sequence[Path]
) -> list[list[Styled]]:
    """Per language: the headline in bold, the need's name, then the invitation (unless left
    out). Alone, a language is centred, its headline and need each on one line if they can."""
    alone = len(texts) == 1
    cells = []
    for text in texts:
        headline, size = text.headline, sizes.headline
        if alone:
            size = _one_line(pdf, headline, size, True, dirs)
        cell = [Styled(headline, size, True, BLACK, _align(headline, alone))]
        if text.need:
            if alone:
                size = _one_line(pdf, text.need, sizes.headline, True, dirs)
            cell.append(Styled(text.need, size, True, NEED_COLOUR, _align(text.need, alone)))
        if sizes.invitation:
            invitation = text.invitation
            cell.append(
                Styled(invitation, sizes.invitation, False, BLACK, _align(invitation, alone))
            )
        cells.append(cell)
    return cells


def _footers(texts: Sequence[PosterText], sizes: Sizes) -> list[list[Styled]]:
    alone = len(texts) == 1
    return [[Styled(t.footer, sizes.footer, False, GREY, _align(t.footer, alone))] for t in texts]


def _labels(texts: Sequence[PosterText], kind: str, sizes: Sizes) -> list[list[Styled]]:
    """The label of one QR code in each language, centred under it, each said once."""
    lines = dict.fromkeys(text.label(kind) for text in texts)
    return [[Styled(line, sizes.label, True, BLACK, "C")] for line in lines]


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


def _new_pdf(first: Line) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(first.text.replace(FSI, "").replace(PDI, ""))
    pdf.set_lang(first.language)
    pdf.set_creator("lux-triage-bot")
    pdf.add_page()
    return pdf


def _close_fonts(pdf: FPDF) -> None:
    """Close the font files a document opened (fpdf2 closes them only in `output`)."""
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.close()


def _qr_block(modules: int, width: float) -> float:
    """Height in mm of a QR code `width` mm wide with its quiet zone."""
    return width * (modules + 2 * QUIET) / modules


def _link_piece(pdf: FPDF, link: str, width: float, most: float, dirs: Sequence[Path]) -> Styled:
    """The link, in grey, no bigger than `most` points, as big as fits on one line of
    `width` mm (down to LINK_LEAST_PT; a longer link wraps)."""
    line = Line(link, "en", False)
    _use_font(pdf, find_font(link, dirs=dirs), LINK_PT)
    fit = 0.95 * LINK_PT * (width - 2 * pdf.c_margin) / pdf.get_string_width(link)
    return Styled(line, max(LINK_LEAST_PT, min(LINK_PT, most, fit)), False, GREY, "C")


@dataclass(frozen=True)
class _Plan:
    """Where things go: sizes, the QR symbol's width, and the heights of the parts in mm."""

    sizes: Sizes
    qr: float
    blocks: float
    under: float
    footer: float


class _Poster:
    """One poster being laid out and drawn."""

    def __init__(
        self, links: Mapping[str, str], texts: Sequence[PosterText], dirs: Sequence[Path]
    ) -> None:
        if not links or set(links) - set(KINDS):
            raise PosterError(f"a poster needs links among {', '.join(KINDS)}")
        if not texts:
            raise PosterError("a poster needs the texts of at least one language")
        order = [kind for kind in KINDS if kind in links]
        if texts[0].headline.rtl:
            order.reverse()  # read from the right: the first code stands on the right
        self.kinds = order
        self.links = links
        self.texts = texts
        self.dirs = dirs
        self.pdf = _new_pdf(texts[0].headline)
        self.modules = max(len(qr_code(links[kind]).matrix) for kind in order)
        self.column = WIDTH / len(order)  # each QR code's share of the width

    def _labels(self, kind: str, sizes: Sizes, top: float, dry_run: bool) -> float:
        """The labels under one QR code; returns their height in mm."""
        wide = len(self.kinds) == 1 and len(self.texts) > ONE_COLUMN
        columns, width = (2, WIDTH) if wide else (1, self.column)
        left = MARGIN + self.kinds.index(kind) * self.column
        cells = _labels(self.texts, kind, sizes)
        return _grid(self.pdf, cells, columns, top, self.dirs, dry_run, left, width, gap=0.5)

    def _link(self, kind: str, sizes: Sizes, top: float, dry_run: bool) -> float:
        """The link of one QR code, under its labels; returns its height in mm."""
        left = MARGIN + self.kinds.index(kind) * self.column
        link = [[_link_piece(self.pdf, self.links[kind], self.column, sizes.label, self.dirs)]]
        return _grid(self.pdf, link, 1, top, self.dirs, dry_run, left, self.column)

    def _under(self, sizes: Sizes, top: float, dry_run: bool) -> float:
        """The labels under the QR codes, then the links on one line; the height in mm."""
        labels = max(self._labels(kind, sizes, top, dry_run) for kind in self.kinds) + 1.5
        return labels + max(self._link(kind, sizes, top + labels, dry_run) for kind in self.kinds)

    def plan(self) -> _Plan:
        """The first of `attempts` whose QR codes fit between the texts."""
        pdf, texts = self.pdf, self.texts
        good, least = QR_ALONE if len(self.kinds) == 1 else QR_PAIR
        share = self.modules / (self.modules + 2 * QUIET)
        for sizes, smallest in attempts(len(texts)):
            blocks = _grid(
                pdf, _blocks(pdf, texts, sizes, self.dirs), _columns(texts), 0, self.dirs, True
            )
            footer = _grid(pdf, _footers(texts, sizes), _columns(texts), 0, self.dirs, True)
            under = self._under(sizes, 0, True)
            room = PAGE_H - 2 * MARGIN - blocks - footer - under - 3 * SPACE
            width = min(QR_MAX, self.column * share, room * share)
            if width >= (good, least)[smallest]:
                return _Plan(sizes, width, blocks, under, footer)
        raise PosterError(
            f"{len(texts)} languages leave no room for the QR code: choose fewer languages"
        )

    def draw(self) -> bytes:
        pdf, dirs, plan = self.pdf, self.dirs, self.plan()
        blocks = _blocks(pdf, self.texts, plan.sizes, dirs)
        _grid(pdf, blocks, _columns(self.texts), MARGIN, dirs, False)
        footer_top = PAGE_H - MARGIN - plan.footer
        _grid(pdf, _footers(self.texts, plan.sizes), _columns(self.texts), footer_top, dirs, False)
        # The codes, their labels and links: centred between the texts above and below.
        block = _qr_block(self.modules, plan.qr)
        free = footer_top - MARGIN - plan.blocks - 2 * SPACE - block - plan.under
        top = MARGIN + plan.blocks + SPACE + free / 2
        for index, kind in enumerate(self.kinds):
            left = MARGIN + index * self.column
            x = left + (self.column - plan.qr) / 2
            _draw_qr(pdf, self.links[kind], x, top + QUIET * plan.qr / self.modules, plan.qr)
        self._under(plan.sizes, top + block, False)
        return bytes(pdf.output())


def poster_pdf(
    links: Mapping[str, str], texts: Sequence[PosterText], dirs: Sequence[Path] = FONT_DIRS
) -> bytes:
    """The one-page A4 poster as PDF bytes: a QR code for each of `links` ({'telegram': …,
    'web': …}), the texts of each language around them, shrunk until the codes fit."""
    poster = _Poster(links, texts, dirs)
    try:
        return poster.draw()
    finally:
        _close_fonts(poster.pdf)


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
    links: Mapping[str, str],
    texts: Sequence[PosterText],
    fmt: str | None = None,
    dpi: int = 200,
    dirs: Sequence[Path] = FONT_DIRS,
) -> str:
    """Write the poster to `path` as PDF or PNG (see `output_format`); returns the format."""
    fmt = output_format(path, fmt)
    pdf = poster_pdf(links, texts, dirs)
    path.write_bytes(pdf if fmt == "pdf" else pdf_to_png(pdf, dpi))
    return fmt


# --- command line ------------------------------------------------------------------------


def add_poster_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m bot poster`."""
    parser.add_argument("--lang", required=True, help="languages of the poster: ar,fa,ti")
    parser.add_argument("--need", help="preset this need, e.g. mental_health")
    add_target_arguments(parser)
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
        links = share_links(args, poster_language(languages), args.need, env)
        texts, missing = poster_texts(languages, args.need, translators)
        fmt = write_poster(args.out, links, texts, args.format, args.dpi)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    for code in missing:
        print(
            f"warning: the poster is not fully translated into {code}; English stands in", file=err
        )
    print(
        f"wrote {args.out} ({fmt.upper()}, A4) for {' and '.join(links.values())}",
        file=out or sys.stdout,
    )
    return 0
