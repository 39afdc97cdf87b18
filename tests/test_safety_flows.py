"""Safety in the flow: distress heard at every step, the emergency screen, careful options."""

from __future__ import annotations

import pytest

from bot.catalog.loader import bundled_catalog_path
from bot.flows.model import Action, Input, Session, StepName
from tests.flow_helpers import Driver, make_context

DISTRESS = {
    "en": "I want to kill myself",
    "ar": "زوجي يضربني",
    "fa": "میخوام خودکشی کنم",
    "uk": "мене побили",
}


def bundled() -> Driver:
    return Driver(make_context(bundled_catalog_path().read_text(encoding="utf-8")))


def to(d: Driver, target: StepName, language: str = "en") -> None:
    """Walk by taps to `target` (results with the need 'work')."""
    d.start()
    taps = [language, "me", "22-27", "asylum_applicant", "work"]
    order = [StepName.LANGUAGE, StepName.WHO, StepName.AGE, StepName.STATUS, StepName.NEED]
    for step, value in zip(order, taps, strict=True):
        if d.reply.step is target:
            return
        assert d.reply.step is step
        d.tap(value)
    assert d.reply.step is target


STEPS = [
    StepName.LANGUAGE,
    StepName.WHO,
    StepName.AGE,
    StepName.STATUS,
    StepName.NEED,
    StepName.RESULTS,
]


@pytest.mark.parametrize("language", sorted(DISTRESS))
@pytest.mark.parametrize("step", STEPS)
def test_distress_at_every_step_gives_the_emergency_screen_and_back(language, step):
    d = Driver()
    to(d, step, language=language)
    answers = d.session.answers.model_copy()
    d.type(DISTRESS[language])
    assert d.reply.step is StepName.EMERGENCY
    assert "112" in d.text and "113" in d.text
    assert DISTRESS[language] not in d.session.model_dump_json()  # nothing typed is kept
    d.tap(action=Action.BACK)
    assert d.reply.step is step
    assert d.session.answers == answers


def test_emergency_screen_speaks_the_persons_language():
    d = Driver()
    to(d, StepName.WHO, language="ar")
    d.type("I want to die")  # English in an Arabic conversation
    assert d.reply.rtl and "إذا كان أحد في خطر الآن" in d.text


def test_before_a_language_the_screen_is_in_the_apps_language():
    d = Driver(session=Session(language="uk"))  # the channel's default from Telegram
    d.start()
    assert d.reply.step is StepName.LANGUAGE
    d.type("help me")
    assert d.reply.step is StepName.EMERGENCY
    assert "Якщо хтось у небезпеці" in d.text


def test_without_any_language_the_screen_is_in_the_language_typed():
    d = Driver()
    d.start()
    d.type("اريد ان اموت")
    assert d.reply.step is StepName.EMERGENCY and d.reply.rtl


def test_my_husband_hits_me_is_not_me():
    d = Driver()
    to(d, StepName.WHO)
    d.type("my husband hits me")
    assert d.reply.step is StepName.EMERGENCY
    assert d.session.answers.who is None


def test_a_negated_option_is_asked_again():
    d = Driver()
    to(d, StepName.WHO)
    d.type("I have no child")
    assert d.reply.step is StepName.WHO and d.session.answers.who is None
    assert "did not understand" in d.text


def test_two_options_at_once_are_asked_again():
    d = Driver()
    to(d, StepName.WHO)
    d.type("me and my child")
    assert d.reply.step is StepName.WHO and d.session.answers.who is None


@pytest.mark.parametrize(("typed", "who"), [("2", "child"), ("Moi", "me"), ("مامان", None)])
def test_option_by_number_or_label_in_another_language(typed, who):
    d = Driver()
    to(d, StepName.WHO)
    d.type(typed)
    assert d.session.answers.who == who


def test_typed_status_in_another_language():
    d = Driver()
    to(d, StepName.STATUS)
    d.type("réfugié")
    assert d.session.answers.status == "international_protection"


@pytest.mark.parametrize(("typed", "code"), [("Arabic", "ar"), ("farsi", "fa"), ("dari", "fa")])
def test_language_by_name(typed, code):
    d = Driver()
    d.start()
    d.type(typed)
    assert d.session.language == code and d.reply.step is StepName.WHO


def test_a_first_hello_gets_the_welcome():
    d = Driver()
    d.type("hello")
    assert "Hello! I help you find services" in d.text
    assert "did not understand" not in d.text


def test_typed_need_number():
    d = Driver()
    to(d, StepName.NEED)
    d.type("1")
    assert d.session.answers.need == "mental_health"


def test_violence_results_start_with_the_emergency_numbers():
    d = Driver()
    to(d, StepName.NEED)
    d.tap("women_violence")
    assert d.reply.step is StepName.RESULTS
    text = d.text
    assert text.index("112") < text.index("113") < text.index("Help against violence")


def test_other_results_do_not_start_with_emergency_numbers():
    d = Driver()
    to(d, StepName.NEED)
    d.tap("work")
    assert "112" not in d.text


def test_childs_emergency_screen_shows_the_domestic_violence_service():
    d = bundled()
    d.start()
    d.tap("en")
    d.tap("child")
    d.type("7")  # typed: the age buttons change with the catalogue
    d.tap(action=Action.EMERGENCY)
    text = d.text
    assert "116 111" in text
    assert "Help for children who are victims of domestic violence" in text
    assert "+352 26 48 20 50" in text
    assert text.index("112") < text.index("Help for children who are victims")


def test_adults_emergency_screen_has_no_childrens_line_and_only_callable_services():
    d = bundled()
    to(d, StepName.NEED)
    d.tap(action=Action.EMERGENCY)
    text = d.text
    assert "112" in text and "113" in text and "116 111" not in text
    services = text.split("Services you can call:")[1]
    assert services.count("📞") >= 1
    assert services.count("\n\n") <= 3  # at most three services


def test_emergency_numbers_come_from_the_catalogue():
    def digits(text: str) -> str:
        return "".join(ch for ch in text if ch.isdigit())

    catalog = make_context().index.catalog
    known = {digits(phone.number) for s in catalog.services for phone in s.phones}
    d = Driver()
    d.start()
    d.tap("en")
    d.tap(action=Action.EMERGENCY)
    shown = [digits(line.split(":")[-1]) for line in d.text.splitlines() if "📞" in line]
    assert len(shown) >= 3 and set(shown) <= known


def test_talk_to_a_person_lists_services_with_a_phone():
    d = Driver()
    to(d, StepName.NEED)
    d.type("I want to talk to a person")
    assert d.reply.step is StepName.NEED
    assert "Services you can call:" in d.text and "📞" in d.text
    assert "Information desk" not in d.text  # it has an e-mail, no phone


def test_typed_text_is_never_stored():
    d = Driver()
    to(d, StepName.NEED)
    for text in ("je ne dors pas", "I lost my brother", "hello", "qqqq"):
        d.type(text)
        assert text not in d.session.model_dump_json()
    d.send(Input.typed("I need a lawyer"))
    assert d.session.answers.need == "legal_admin"


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("asylum seeker", "asylum_applicant"),
        ("sans papiers", "no_papers"),
        ("не знаю", "unknown"),
        ("لاجئ", "international_protection"),
        ("I am not a refugee", None),  # negated: asked again
    ],
)
def test_typed_situation_in_ordinary_words(typed, status):
    d = Driver()
    to(d, StepName.STATUS)
    d.type(typed)
    assert d.session.answers.status == status
    assert d.reply.step is (StepName.STATUS if status is None else StepName.NEED)
