"""Deep links, the /share QR code and the printable poster: what a phone and a printer get."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import segno
import zxingcpp
from PIL import Image, ImageDraw

from bot.i18n import Translators
from bot.poster import (
    FOOTER,
    TITLE,
    Line,
    PosterError,
    add_poster_arguments,
    find_font,
    invitation_lines,
    output_format,
    parse_languages,
    pdf_to_png,
    poster_link,
    poster_main,
    poster_pdf,
    write_poster,
)
from bot.share import (
    INVITATION,
    add_link_arguments,
    bot_username,
    deep_link,
    link_main,
    qr_code,
    qr_png,
)

BOT = "LuxHelpBot"
LINK = f"https://t.me/{BOT}"
ENV = {"BOT_USERNAME": BOT}
MM_PER_PT = 25.4 / 72
# The invitation as translators might word it (the real catalogues may still lack it).
TRANSLATED = {
    "ar": "امسح هذا الرمز لتجد المساعدة في لوكسمبورغ بلغتك. مجاني وخاص.",
    "fa": "این کد را اسکن کنید تا در لوکزامبورگ به زبان خودتان کمک پیدا کنید. رایگان و خصوصی.",
    "ti": "ነዚ ኮድ ስካን ብምግባር ኣብ ሉክሰምበርግ ብቋንቋኹም ሓገዝ ርከቡ። ነጻን ብሕቱን እዩ።",
    "fr": "Scannez ce code pour trouver de l’aide au Luxembourg, dans votre langue.",
    "uk": "Скануйте цей код, щоб знайти допомогу в Люксембурзі вашою мовою.",
}


def _po(translation: str) -> str:
    return (
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "{INVITATION}"\nmsgstr "{translation}"\n'
    )


def _fonts_missing() -> str | None:
    """Why the posters cannot be drawn here (no system fonts), or None when they can."""
    try:
        for sample in ("Latin", "العربية", "ትግርኛ"):
            find_font(sample)
        find_font("Latin", bold=True)
    except PosterError as error:
        return str(error)
    return None


# Posters need Debian's fonts (.ci/run installs them); without them these tests skip and
# say which package is missing, instead of failing on a machine with only Python.
FONTS_MISSING = _fonts_missing()
# In CI (CI=true, fonts installed by .ci/run) they never skip: a missing font fails there.
needs_fonts = pytest.mark.skipif(
    FONTS_MISSING is not None and not os.environ.get("CI"),
    reason=f"the poster needs system fonts: {FONTS_MISSING}",
)


@pytest.fixture(scope="module")
def translators(tmp_path_factory: pytest.TempPathFactory) -> Translators:
    """Translators for TRANSLATED, plus German with no translation yet."""
    root = tmp_path_factory.mktemp("locales")
    for code, text in {**TRANSLATED, "de": ""}.items():
        folder = root / code / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "messages.po").write_text(_po(text), encoding="utf-8")
    return Translators(root)


@pytest.fixture(scope="module")
def lines(translators: Translators) -> list[Line]:
    return invitation_lines(("ar", "fa", "ti"), translators)[0]


@pytest.fixture(scope="module")
def pdf(lines: list[Line]) -> bytes:
    return poster_pdf(LINK, lines)


def decode(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image.convert("L"))]


def pdf_text(data: bytes) -> str:
    """The text of the first page, as PDFium reads it (pypdf misplaces some RTL punctuation)."""
    document = pypdfium2.PdfDocument(data)
    try:
        return " ".join(document[0].get_textpage().get_text_bounded().split())
    finally:
        document.close()


# --- links ---------------------------------------------------------------------------------


def test_deep_link_presets_language_and_need():
    assert deep_link(BOT, "ar", "mental_health") == f"{LINK}?start=ar-mental_health"
    assert deep_link("@" + BOT) == LINK


@pytest.mark.parametrize(
    ("language", "need", "message"),
    [("xx", None, "unknown language 'xx'"), ("ar", "nope", "unknown need 'nope'")],
)
def test_deep_link_rejects_unknown_language_or_need(language, need, message):
    with pytest.raises(ValueError, match=message) as caught:
        deep_link(BOT, language, need)
    assert "known:" in str(caught.value)


def test_bot_username_from_option_or_environment():
    assert bot_username("@OtherBot", ENV) == "OtherBot"
    assert bot_username(None, ENV) == BOT
    with pytest.raises(ValueError, match="--bot NAME or set BOT_USERNAME"):
        bot_username(None, {})
    for bad in ("https://t.me/LuxHelpBot", "abot", "SomePerson"):
        with pytest.raises(ValueError, match="not a bot username"):
            bot_username(bad, {})


def _run_link(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_link_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = link_main(parser.parse_args(argv), out, err, ENV)
    return code, out.getvalue(), err.getvalue()


def test_link_command_prints_the_link():
    assert _run_link("--lang", "ar", "--need", "mental_health") == (
        0,
        f"{LINK}?start=ar-mental_health\n",
        "",
    )
    assert _run_link("--bot", "OtherBot")[1] == "https://t.me/OtherBot\n"


def test_link_command_explains_a_bad_option():
    code, out, err = _run_link("--lang", "klingon")
    assert (code, out) == (2, "")
    assert err.startswith("error: unknown language 'klingon'; known: en, fr")


# --- the QR code alone (/share) -------------------------------------------------------------


def test_qr_png_decodes_back_to_the_link():
    link = deep_link(BOT, "ti", "housing")
    image = Image.open(io.BytesIO(qr_png(link)))
    assert image.format == "PNG"
    assert decode(image) == [link]


def test_qr_png_has_a_quiet_zone_and_scales():
    modules = len(qr_code(LINK).matrix)
    image = Image.open(io.BytesIO(qr_png(LINK, scale=6))).convert("L")
    assert image.size == ((modules + 8) * 6,) * 2
    border = image.crop((0, 0, image.width, 4 * 6))
    assert border.getextrema() == (255, 255)


def test_qr_code_survives_damage_thanks_to_high_error_correction():
    code = qr_code(f"{LINK}?start=fr-mental_health")
    assert (code.error, code.is_micro) == ("H", False)
    image = Image.open(io.BytesIO(qr_png(f"{LINK}?start=fr-mental_health"))).convert("L")
    middle, half = image.width // 2, int(image.width * 0.16)
    ImageDraw.Draw(image).rectangle((middle - half,) * 2 + (middle + half,) * 2, fill=255)
    assert decode(image) == [f"{LINK}?start=fr-mental_health"]
    # The same stain defeats the lowest level: the check above means something.
    weak = io.BytesIO()
    segno.make_qr(f"{LINK}?start=fr-mental_health", error="l").save(weak, kind="png", scale=10)
    weak_image = Image.open(weak).convert("L")
    middle, half = weak_image.width // 2, int(weak_image.width * 0.16)
    ImageDraw.Draw(weak_image).rectangle((middle - half,) * 2 + (middle + half,) * 2, fill=255)
    assert decode(weak_image) == []


# --- what the poster says --------------------------------------------------------------------


def test_one_language_presets_it_several_let_each_person_choose():
    assert poster_link(BOT, ("ar",)) == f"{LINK}?start=ar"
    assert poster_link(BOT, ("ar", "fa", "ti")) == LINK
    assert poster_link(BOT, ("ar", "fa"), "housing") == f"{LINK}?start=housing"
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        poster_link(BOT, ("ar", "xx"))


def test_parse_languages():
    assert parse_languages(" ar, fa,ti,ar ") == ("ar", "fa", "ti")
    with pytest.raises(PosterError, match="at least one language"):
        parse_languages(" , ")
    with pytest.raises(ValueError, match="unknown language 'zz'"):
        parse_languages("ar,zz")


def test_invitation_lines_in_each_language(translators):
    lines, missing = invitation_lines(("ar", "ti", "fr"), translators)
    assert [(line.text, line.language, line.rtl) for line in lines] == [
        (TRANSLATED["ar"], "ar", True),
        (TRANSLATED["ti"], "ti", False),
        (TRANSLATED["fr"], "fr", False),
    ]
    assert missing == []


def test_a_missing_translation_falls_back_to_english_once(translators):
    lines, missing = invitation_lines(("de", "en", "fa"), translators)
    assert [line.text for line in lines] == [INVITATION, TRANSLATED["fa"]]
    assert missing == ["de"]


# --- the PDF -----------------------------------------------------------------------------------


@needs_fonts
def test_poster_pdf_is_one_a4_page(pdf):
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)  # an independent, strict parser
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width == pytest.approx(595, abs=1) and box.height == pytest.approx(842, abs=1)


@needs_fonts
def test_poster_pdf_has_title_each_invitation_link_and_footer(pdf):
    text = pdf_text(pdf)
    for expected in (TITLE, TRANSLATED["ar"], TRANSLATED["fa"], TRANSLATED["ti"], LINK, FOOTER):
        assert expected in text


def _line_edges(pdf: bytes, low: str, high: str) -> list[tuple[float, float]]:
    """(left, right) in points of each printed line of characters between `low` and `high`."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[0].get_textpage()
        lines: dict[int, list[tuple[float, float]]] = {}
        for index in range(text.count_chars()):
            if low <= text.get_text_range(index, 1) <= high:
                left, bottom, right, _ = text.get_charbox(index, loose=True)
                lines.setdefault(round(bottom / 10), []).append((left, right))
    finally:
        document.close()
    return [(min(b[0] for b in boxes), max(b[1] for b in boxes)) for boxes in lines.values()]


@needs_fonts
def test_poster_with_the_bots_own_catalogues():
    """Whatever the translators have written so far shows, in a font that has its letters."""
    codes = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")
    lines, _ = invitation_lines(codes)
    text = pdf_text(poster_pdf(LINK, lines))
    for line in lines:
        assert " ".join(line.text.split()) in text


@needs_fonts
def test_right_to_left_lines_are_right_aligned(pdf):
    margin, right = 15 / MM_PER_PT, 210 / MM_PER_PT - 15 / MM_PER_PT
    arabic, ethiopic = _line_edges(pdf, "\u0600", "\u06ff"), _line_edges(pdf, "\u1200", "\u137f")
    assert len(arabic) == 4 and len(ethiopic) == 2  # each invitation wraps once, here
    # Within 2 mm of the margin (fpdf2's cell padding, side bearings); the short second
    # line of each would be far from it if aligned the other way.
    assert all(edge == pytest.approx(right, abs=6) for _, edge in arabic)
    assert all(edge == pytest.approx(margin, abs=6) for edge, _ in ethiopic)


# --- the PNG: the same page, rendered ---------------------------------------------------------


@needs_fonts
def test_poster_png_decodes_to_the_link_with_a_big_qr_code(pdf):
    dpi = 100
    image = Image.open(io.BytesIO(pdf_to_png(pdf, dpi)))
    assert image.size == (pytest.approx(827, abs=1), pytest.approx(1169, abs=1))  # A4, 100 dpi
    (barcode,) = zxingcpp.read_barcodes(image.convert("L"))
    assert barcode.text == LINK
    width_mm = (barcode.position.top_right.x - barcode.position.top_left.x) * 25.4 / dpi
    assert width_mm >= 90


@needs_fonts
def test_many_languages_still_leave_a_scannable_qr_code(translators):
    codes = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")
    lines = [Line(f"{code}: {INVITATION}", code, False) for code in codes]
    link = deep_link(BOT, need="mental_health")
    image = Image.open(io.BytesIO(pdf_to_png(poster_pdf(link, lines), 100)))
    (barcode,) = zxingcpp.read_barcodes(image.convert("L"))
    assert barcode.text == link
    assert (barcode.position.top_right.x - barcode.position.top_left.x) * 25.4 / 100 >= 90


@needs_fonts
def test_too_many_lines_is_a_clear_error():
    lines = [Line(INVITATION * 3, "en", False)] * 12
    with pytest.raises(PosterError, match="no room for the QR code: choose fewer"):
        poster_pdf(LINK, lines)


# --- files, formats and fonts -----------------------------------------------------------------


@needs_fonts
def test_format_follows_the_extension_unless_forced(tmp_path, lines):
    assert write_poster(tmp_path / "p.PDF", LINK, lines) == "pdf"
    assert (tmp_path / "p.PDF").read_bytes().startswith(b"%PDF-")
    assert write_poster(tmp_path / "p.png", LINK, lines, dpi=50) == "png"
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    assert write_poster(tmp_path / "p.pdf", LINK, lines, fmt="png", dpi=50) == "png"
    assert (tmp_path / "p.pdf").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(PosterError, match="name it .pdf or .png"):
        output_format(tmp_path / "poster.jpg")
    assert output_format(tmp_path / "poster", "PDF") == "pdf"


def _font_folder(tmp_path: Path, *texts: str) -> Path:
    """A font folder holding only the fonts the system uses for `texts`."""
    for text in texts:
        font = find_font(text)
        (tmp_path / font.name).symlink_to(font)
    return tmp_path


@needs_fonts
def test_a_script_without_font_names_the_debian_package(tmp_path, lines):
    dejavu_only = _font_folder(tmp_path, "Latin")
    with pytest.raises(PosterError, match=r"Ethiopic script.*apt-get install fonts-noto-core"):
        poster_pdf(LINK, lines, dirs=(dejavu_only,))
    with pytest.raises(PosterError, match="apt-get install fonts-dejavu-core"):
        find_font(TITLE, dirs=(tmp_path / "empty",))


@needs_fonts
def test_each_script_gets_a_font_that_covers_it(lines):
    for line in lines:
        assert find_font(line.text).name.startswith(("NotoSansArabic", "NotoSansEthiopic"))
    assert find_font(TITLE, bold=True).name == "DejaVuSans-Bold.ttf"


# --- the command ------------------------------------------------------------------------------


def _run_poster(*argv: str, translators: Translators) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_poster_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = poster_main(parser.parse_args(argv), out, err, ENV, translators)
    return code, out.getvalue(), err.getvalue()


@needs_fonts
def test_poster_command_writes_the_file_and_warns_of_missing_translations(tmp_path, translators):
    path = tmp_path / "poster.png"
    code, out, err = _run_poster(
        "--lang", "ar,de", "--out", str(path), "--dpi", "60", translators=translators
    )
    assert code == 0
    assert out == f"wrote {path} (PNG, A4) for {LINK}\n"
    assert err == "warning: no de translation of the invitation yet; English stands in\n"
    assert decode(Image.open(path)) == [LINK]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--lang", "ar,xx"), "error: unknown language 'xx'"),
        (("--lang", "ar", "--need", "nope"), "error: unknown need 'nope'"),
        (("--lang", "ar", "--format", "png", "--bot", "me"), "error: 'me' is not a bot"),
        pytest.param(
            ("--lang", "ar", "--format", "png", "--dpi", "0"),
            "error: a resolution of 0 dpi?",
            marks=needs_fonts,
        ),
    ],
)
def test_poster_command_explains_a_bad_option(tmp_path, translators, argv, message):
    path = tmp_path / "poster.pdf"
    code, out, err = _run_poster(*argv, "--out", str(path), translators=translators)
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert not path.exists()
