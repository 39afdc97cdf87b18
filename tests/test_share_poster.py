"""Deep links, the /share QR code and the printable poster: what a phone and a printer get."""

from __future__ import annotations

import argparse
import io
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pypdf
import pypdfium2
import pytest
import segno
import zxingcpp
from PIL import Image, ImageDraw

from bot.flows.cards import need_label
from bot.i18n import Translators
from bot.poster import (
    Line,
    PosterError,
    PosterText,
    add_poster_arguments,
    find_font,
    output_format,
    parse_languages,
    pdf_to_png,
    poster_link,
    poster_main,
    poster_pdf,
    poster_texts,
    write_poster,
)
from bot.share import (
    FOOTER,
    HEADLINE,
    INVITATION,
    OPENS_BROWSER,
    OPENS_TELEGRAM,
    add_link_arguments,
    bot_username,
    deep_link,
    link_main,
    qr_code,
    qr_png,
    web_base,
    web_link,
)

BOT = "LuxHelpBot"
LINK = f"https://t.me/{BOT}"
WEB = "https://help.example.org/"
LANGUAGES = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")
# The poster's English words: none may be left on a poster in another language.
TEMPLATE = (HEADLINE, INVITATION, OPENS_TELEGRAM, OPENS_BROWSER, FOOTER)
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
def texts(translators: Translators) -> list[PosterText]:
    return poster_texts(("ar", "fa", "ti"), translators=translators)[0]


@pytest.fixture(scope="module")
def pdf(texts: list[PosterText]) -> bytes:
    return poster_pdf({"telegram": LINK}, texts)


def decode(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image.convert("L"))]


def pdf_text(data: bytes) -> str:
    """The text of the first page, as PDFium reads it (pypdf misplaces some RTL punctuation)."""
    document = pypdfium2.PdfDocument(data)
    try:
        return " ".join(document[0].get_textpage().get_text_bounded().split())
    finally:
        document.close()


def both_texts(data: bytes) -> str:
    """The page's text as PDFium and as pypdf read it, one after the other. Each misreads
    some Arabic script (a ligature's letters in visual order, a letter moved at a wrap or
    across an isolate), not the same: a word either reads right is on the page."""
    other = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    return f"{pdf_text(data)} {plain(other)}"


def plain(text: str) -> str:
    """`text` as a PDF's text reads back: no bidi controls (drawn, not written), one space."""
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())


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


def test_web_link_has_the_telegram_links_payload():
    assert web_link("https://help.example.org", "ar", "mental_health") == (
        "https://help.example.org/?start=ar-mental_health"
    )
    assert web_link("https://help.example.org/chat/") == "https://help.example.org/chat/"
    assert web_link("HTTPS://help.example.org:8443/chat", need="work") == (
        "https://help.example.org:8443/chat?start=work"
    )
    telegram = deep_link(BOT, "fr", "housing")
    assert parse_qs(urlsplit(web_link(WEB, "fr", "housing")).query) == parse_qs(
        urlsplit(telegram).query
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://help.example.org", "must start with https://"),
        ("help.example.org", "must start with https://"),
        ("ftp://help.example.org", "must start with https://"),
        ("https://", "no host name"),
        ("https:///chat", "no host name"),
        ("https://help.example.org/?lang=ar", "without '?' or '#'"),
        ("https://help.example.org/?", "without '?' or '#'"),
        ("https://help.example.org/#top", "without '?' or '#'"),
        ("https://me:secret@help.example.org", "leave the user name and password out"),
        ("https://help.example.org:99999", "is not a web address"),
        ("https://help example.org", "has no spaces"),
    ],
)
def test_web_base_rejects_what_is_not_a_plain_https_address(url, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        web_base(url)


def test_link_command_prints_the_web_chats_link_too():
    assert _run_link(
        "--lang", "ar", "--need", "mental_health", "--web", "https://help.example.org"
    ) == (
        0,
        f"{LINK}?start=ar-mental_health\n{WEB}?start=ar-mental_health\n",
        "",
    )
    out, err = io.StringIO(), io.StringIO()
    parser = argparse.ArgumentParser()
    add_link_arguments(parser)
    args = parser.parse_args(["--web", "https://help.example.org", "--lang", "uk"])
    assert link_main(args, out, err, {}) == 0
    assert (out.getvalue(), err.getvalue()) == (f"{WEB}?start=uk\n", "")
    assert link_main(parser.parse_args([]), out, err, {}) == 2
    assert err.getvalue() == "error: which bot? give --bot NAME or set BOT_USERNAME, or --web URL\n"


def test_link_command_rejects_a_bad_web_address():
    code, out, err = _run_link("--web", "http://help.example.org")
    assert (code, out) == (2, "")
    assert (
        err
        == "error: --web 'http://help.example.org': the web chat's address must start with https://\n"
    )


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


def test_poster_texts_in_each_language(translators):
    texts, missing = poster_texts(("ar", "ti", "fr"), translators=translators)
    assert [(t.invitation.text, t.invitation.language, t.invitation.rtl) for t in texts] == [
        (TRANSLATED["ar"], "ar", True),
        (TRANSLATED["ti"], "ti", False),
        (TRANSLATED["fr"], "fr", False),
    ]
    # These catalogues translate only the invitation: the rest is English, left to right.
    assert [(t.headline.text, t.headline.language, t.headline.rtl) for t in texts] == [
        (HEADLINE, "en", False)
    ] * 3
    assert missing == ["ar", "ti", "fr"]


def test_a_missing_translation_falls_back_to_english_once(translators):
    texts, missing = poster_texts(("de", "en", "fa"), translators=translators)
    assert [text.invitation.text for text in texts] == [INVITATION, TRANSLATED["fa"]]
    assert missing == ["de", "fa"]


@pytest.mark.parametrize("code", LANGUAGES)
def test_poster_texts_from_the_bots_catalogues_are_all_translated(code):
    tr = Translators()[code]
    (text,), missing = poster_texts((code,), "mental_health")
    assert missing == []
    assert text.need is not None and text.need.text == need_label(tr, "mental_health")
    assert plain(text.headline.text) == tr(HEADLINE)
    assert {line.rtl for line in (text.headline, text.telegram, text.footer)} == {tr.rtl}
    if code != "en":
        assert not set(TEMPLATE) & {plain(word) for word in text.words()}


def test_a_command_is_isolated_in_right_to_left_text():
    """'/forget' inside Arabic or Persian stays one left-to-right run: read '/forget'."""
    for code in ("ar", "fa"):
        (text,), _ = poster_texts((code,))
        assert "\u2068/forget\u2069" in text.footer.text
    (text,), _ = poster_texts(("fr",))
    assert "\u2068" not in text.footer.text


# --- the PDF -----------------------------------------------------------------------------------


@needs_fonts
def test_poster_pdf_is_one_a4_page(pdf):
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)  # an independent, strict parser
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width == pytest.approx(595, abs=1) and box.height == pytest.approx(842, abs=1)


@needs_fonts
def test_poster_pdf_has_headline_each_invitation_link_and_footer(pdf):
    text = pdf_text(pdf)
    for expected in (HEADLINE, TRANSLATED["ar"], TRANSLATED["fa"], TRANSLATED["ti"], LINK, FOOTER):
        assert expected in text


def _letters(text: str) -> list[str]:
    """Each word of `text` as its sorted letters: PDF text of Arabic script may give a
    ligature's letters in visual order ('عىل' for 'على') and move a full stop at a wrap."""
    words = (
        "".join(ch for ch in word if unicodedata.category(ch)[0] in "LMN") for word in text.split()
    )
    return ["".join(sorted(word)) for word in words if word]


def shown(expected: str, page: str, rtl: bool) -> bool:
    """Whether `expected` is on the page (word by word, in any order, for right-to-left)."""
    if not rtl:
        return plain(expected) in page
    on_page = set(_letters(page))
    return all(word in on_page for word in _letters(plain(expected)))


def _latin_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z\u00c0-\u024f]+", text))


@needs_fonts
@pytest.mark.parametrize("code", LANGUAGES)
def test_a_poster_says_everything_in_its_language(code):
    """Headline, the need, the invitation, what each code opens and the footer: in the
    poster's language, with no English left from the template."""
    tr = Translators()[code]
    need = "pregnancy_baby"
    telegram, web = deep_link(BOT, code, need), web_link(WEB, code, need)
    (text,), _ = poster_texts((code,), need)
    page = both_texts(poster_pdf({"telegram": telegram, "web": web}, [text]))
    for message in TEMPLATE:
        assert shown(tr(message), page, tr.rtl)
    assert shown(need_label(tr, need), page, tr.rtl)
    assert telegram in page and web in page
    if code == "en":
        return
    for message in TEMPLATE:
        assert message not in page
    if code in ("ar", "fa", "ti", "uk", "ru"):
        # Latin script only for the app's name, the command and the links.
        words = _latin_words(page.replace(telegram, "").replace(web, ""))
        assert words <= {"Telegram", "forget"}


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
    """All ten languages on one poster: each one's headline, need, labels and footer show,
    in a font that has its letters, and nothing is cut at the edge of the page."""
    texts, missing = poster_texts(LANGUAGES, "voluntary_return")
    assert missing == []
    pdf = poster_pdf({"telegram": LINK, "web": WEB}, texts)
    page = both_texts(pdf)
    for text in texts:
        for line in (text.headline, text.need, text.telegram, text.web, text.footer):
            assert line and shown(line.text, page, line.rtl)
    assert_inside_the_margins(pdf)


def assert_inside_the_margins(pdf: bytes) -> None:
    """Every character is drawn on the page, inside its margins (2 mm of slack)."""
    slack = 2 / MM_PER_PT
    low, high = 15 / MM_PER_PT - slack, (210 - 15) / MM_PER_PT + slack
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = document[0].get_textpage()
        boxes = [text.get_charbox(index) for index in range(text.count_chars())]
    finally:
        document.close()
    drawn = [box for box in boxes if box[2] > box[0]]
    assert drawn
    assert all(low <= left and right <= high for left, _, right, _ in drawn)
    assert all(15 / MM_PER_PT - slack <= bottom for _, bottom, _, _ in drawn)
    assert all(top <= (297 - 15) / MM_PER_PT + slack for _, _, _, top in drawn)


@needs_fonts
@pytest.mark.parametrize(
    ("code", "need"), [("de", "pregnancy_baby"), ("lb", "voluntary_return"), ("fr", "legal_admin")]
)
def test_a_long_need_name_stays_on_the_page_on_one_line(code, need):
    label = need_label(Translators()[code], need)
    (text,), _ = poster_texts((code,), need)
    pdf = poster_pdf(
        {"telegram": deep_link(BOT, code, need), "web": web_link(WEB, code, need)}, [text]
    )
    assert_inside_the_margins(pdf)
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0].get_textpage()
        whole = page.get_text_range()
        start = whole.index(label)
        bottoms = [page.get_charbox(start + i)[1] for i in range(len(label)) if label[i].isalpha()]
    finally:
        document.close()
    assert max(bottoms) - min(bottoms) < 12  # points: descenders, not a second line


@needs_fonts
def test_right_to_left_lines_are_right_aligned(pdf):
    margin, right = 15 / MM_PER_PT, 210 / MM_PER_PT - 15 / MM_PER_PT
    arabic, ethiopic = _line_edges(pdf, "\u0600", "\u06ff"), _line_edges(pdf, "\u1200", "\u137f")
    assert len(arabic) >= 3 and len(ethiopic) >= 2  # at least one short, wrapped line each
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


def _codes(image: Image.Image, dpi: int) -> dict[str, tuple[float, float]]:
    """Each QR code's link -> (its width in mm, the x of its centre in mm)."""
    found = {}
    for barcode in zxingcpp.read_barcodes(image.convert("L")):
        left, right = barcode.position.top_left.x, barcode.position.top_right.x
        found[barcode.text] = ((right - left) * 25.4 / dpi, (right + left) / 2 * 25.4 / dpi)
    return found


@needs_fonts
def test_many_languages_still_leave_a_scannable_qr_code():
    texts, _ = poster_texts(LANGUAGES, "mental_health")
    link = deep_link(BOT, need="mental_health")
    image = Image.open(io.BytesIO(pdf_to_png(poster_pdf({"telegram": link}, texts), 100)))
    (barcode,) = zxingcpp.read_barcodes(image.convert("L"))
    assert barcode.text == link
    assert (barcode.position.top_right.x - barcode.position.top_left.x) * 25.4 / 100 >= 90


@needs_fonts
@pytest.mark.parametrize(("languages", "least"), [(("fr",), 70), (LANGUAGES, 55)])
def test_both_codes_decode_to_their_links(languages, least):
    """With --web, one code opens Telegram and one the web chat, with the same payload."""
    need = "mental_health"
    language = languages[0] if len(languages) == 1 else None
    telegram, web = deep_link(BOT, language, need), web_link(WEB, language, need)
    texts, _ = poster_texts(languages, need)
    image = Image.open(
        io.BytesIO(pdf_to_png(poster_pdf({"telegram": telegram, "web": web}, texts), 150))
    )
    codes = _codes(image, 150)
    assert set(codes) == {telegram, web}
    assert all(width >= least for width, _ in codes.values())
    assert codes[telegram][1] < 105 < codes[web][1]  # Telegram's on the left
    assert parse_qs(urlsplit(telegram).query) == parse_qs(urlsplit(web).query)


@needs_fonts
def test_right_to_left_posters_put_the_first_code_on_the_right():
    telegram, web = deep_link(BOT, "fa"), web_link(WEB, "fa")
    texts, _ = poster_texts(("fa",))
    image = Image.open(
        io.BytesIO(pdf_to_png(poster_pdf({"telegram": telegram, "web": web}, texts), 100))
    )
    codes = _codes(image, 100)
    assert codes[web][1] < 105 < codes[telegram][1]


@needs_fonts
def test_a_web_only_poster_has_one_code_labelled_for_the_browser():
    web = web_link(WEB, "ar", "housing")
    texts, _ = poster_texts(("ar",), "housing")
    pdf = poster_pdf({"web": web}, texts)
    page = both_texts(pdf)
    assert shown(texts[0].web.text, page, True) and not shown(texts[0].telegram.text, page, True)
    assert list(_codes(Image.open(io.BytesIO(pdf_to_png(pdf, 100))), 100)) == [web]


def _wordy(code: str) -> PosterText:
    line = Line(INVITATION * 3, code, False)
    return PosterText(line, None, line, line, line, line)


@needs_fonts
def test_too_many_lines_is_a_clear_error():
    texts = [_wordy(code) for code in LANGUAGES + ("xx", "yy")]
    with pytest.raises(PosterError, match="no room for the QR code: choose fewer"):
        poster_pdf({"telegram": LINK}, texts)


# --- files, formats and fonts -----------------------------------------------------------------


@needs_fonts
def test_format_follows_the_extension_unless_forced(tmp_path, texts):
    links = {"telegram": LINK}
    assert write_poster(tmp_path / "p.PDF", links, texts) == "pdf"
    assert (tmp_path / "p.PDF").read_bytes().startswith(b"%PDF-")
    assert write_poster(tmp_path / "p.png", links, texts, dpi=50) == "png"
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")
    assert write_poster(tmp_path / "p.pdf", links, texts, fmt="png", dpi=50) == "png"
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
def test_a_script_without_font_names_the_debian_package(tmp_path, texts):
    dejavu_only = _font_folder(tmp_path, "Latin")
    with pytest.raises(PosterError, match=r"Ethiopic script.*apt-get install fonts-noto-core"):
        poster_pdf({"telegram": LINK}, texts, dirs=(dejavu_only,))
    with pytest.raises(PosterError, match="apt-get install fonts-dejavu-core"):
        find_font(HEADLINE, dirs=(tmp_path / "empty",))


@needs_fonts
def test_each_script_gets_a_font_that_covers_it(texts):
    for text in texts:
        font = find_font(text.invitation.text)
        assert font.name.startswith(("NotoSansArabic", "NotoSansEthiopic"))
    assert find_font(HEADLINE, bold=True).name == "DejaVuSans-Bold.ttf"


@needs_fonts
def test_latin_characters_in_other_scripts_come_from_the_latin_font():
    """Tigrinya's footer holds '/forget', which the Ethiopic font lacks: it is drawn all the
    same (the Latin font stands in), never as empty boxes."""
    (text,), _ = poster_texts(("ti",))
    assert "/forget" in text.footer.text
    assert find_font(text.footer.text).name.startswith("NotoSansEthiopic")
    assert plain(text.footer.text) in pdf_text(poster_pdf({"telegram": LINK}, [text]))


# --- the command ------------------------------------------------------------------------------


def _run_poster(
    *argv: str, translators: Translators | None = None, env: dict[str, str] = ENV
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_poster_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = poster_main(parser.parse_args(argv), out, err, env, translators)
    return code, out.getvalue(), err.getvalue()


@needs_fonts
def test_poster_command_writes_the_file_and_warns_of_missing_translations(tmp_path, translators):
    path = tmp_path / "poster.png"
    code, out, err = _run_poster(
        "--lang", "ar,de", "--out", str(path), "--dpi", "60", translators=translators
    )
    assert code == 0
    assert out == f"wrote {path} (PNG, A4) for {LINK}\n"
    assert err == (
        "warning: the poster is not fully translated into ar; English stands in\n"
        "warning: the poster is not fully translated into de; English stands in\n"
    )
    assert decode(Image.open(path)) == [LINK]


@needs_fonts
def test_poster_command_with_web_puts_both_codes_on_the_poster(tmp_path):
    path = tmp_path / "poster.png"
    argv = ("--lang", "ti", "--need", "housing", "--web", "https://help.example.org")
    code, out, err = _run_poster(*argv, "--out", str(path), "--dpi", "100")
    telegram, web = f"{LINK}?start=ti-housing", f"{WEB}?start=ti-housing"
    assert (code, err) == (0, "")
    assert out == f"wrote {path} (PNG, A4) for {telegram} and {web}\n"
    assert sorted(decode(Image.open(path))) == sorted([telegram, web])
    # Without a bot named anywhere, only the web chat's code.
    code, out, err = _run_poster(*argv, "--out", str(path), "--dpi", "100", env={})
    assert (code, err) == (0, "")
    assert decode(Image.open(path)) == [web]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--lang", "ar,xx"), "error: unknown language 'xx'"),
        (("--lang", "ar", "--need", "nope"), "error: unknown need 'nope'"),
        (("--lang", "ar", "--format", "png", "--bot", "me"), "error: 'me' is not a bot"),
        (("--lang", "ar", "--web", "http://help.example.org"), "error: --web 'http://help"),
        (
            ("--lang", "ar", "--web", "https://h.example/?a=1"),
            "error: --web 'https://h.example/?a=1'",
        ),
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
