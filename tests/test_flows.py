"""Unit tests of the conversation flow: every step, without Telegram."""

from __future__ import annotations

import pytest

from bot.flows.engine import parse_payload
from bot.flows.model import Action, Input, InputKind, StepName
from bot.flows.options import NEEDS
from tests.flow_helpers import Driver, make_context


def walk_to_need(d: Driver, language: str = "en", status: str = "asylum_applicant") -> None:
    d.start()
    d.tap(language)
    d.tap("me")
    d.tap("22-27")
    d.tap(status)
    assert d.reply.step is StepName.NEED


def test_start_asks_language_and_states_privacy():
    d = Driver()
    d.start()
    assert d.reply.step is StepName.LANGUAGE
    assert "/forget" in d.text and "30 days" in d.text
    assert {"en", "fr"} <= set(d.values())


def test_full_journey_to_results_and_anything_else():
    d = Driver()
    walk_to_need(d)
    d.tap("mental_health")
    assert d.reply.step is StepName.RESULTS
    assert "Therapy for applicants" in d.text
    assert "+352 48 59 76" in d.text
    assert "For: asylum applicants and refugees · ages 3 to 27" in d.text
    assert "Why: it fits what you need, your status, and your age." in d.text
    d.tap(action=Action.AGAIN)
    assert d.reply.step is StepName.NEED
    assert d.session.answers.age_min == 22 and d.session.answers.status == "asylum_applicant"


def test_french_end_to_end():
    d = Driver()
    walk_to_need(d, language="fr")
    assert "De quoi avez-vous besoin" in d.text or "besoin" in d.text
    d.tap("mental_health")
    assert "Thérapie pour demandeurs" in d.text


def test_typed_age_in_arabic_indic_digits():
    d = Driver()
    d.start()
    d.tap("en")
    d.tap("child")
    d.type("عمره ٧ سنوات")
    assert d.reply.step is StepName.STATUS
    assert d.session.answers.age_min == 7 == d.session.answers.age_max


def test_typed_need_with_typo():
    d = Driver()
    walk_to_need(d)
    d.type("psycholgist please")
    assert d.reply.step is StepName.RESULTS
    assert d.session.answers.need == "mental_health"


def test_unplaceable_text_gets_please_choose_and_same_buttons():
    d = Driver()
    walk_to_need(d)
    before = d.values()
    d.type("qqqq zzzz")
    assert d.reply.step is StepName.NEED
    assert "did not understand" in d.text
    assert d.values() == before


def test_back_and_start_over_on_every_question():
    d = Driver()
    d.start()
    d.tap("en")
    for _ in range(3):
        labels = [label for label, action, _ in d.buttons() if action in ("b", "r", "e")]
        assert any("Start over" in label for label in labels)
        assert any("Emergency" in label for label in labels)
        d.tap(d.values()[0])
    assert d.reply.step is StepName.NEED
    d.tap(action=Action.BACK)
    assert d.reply.step is StepName.STATUS
    d.tap(action=Action.RESTART)
    assert d.reply.step is StepName.WHO
    assert d.session.answers.age_min is None and d.session.language == "en"


def test_unknown_status_gives_broad_results():
    d = Driver()
    walk_to_need(d, status="unknown")
    d.tap("mental_health")
    assert "Therapy for applicants" in d.text


def test_nothing_for_the_need_says_so_and_offers_the_general_desks():
    d = Driver()
    walk_to_need(d, status="third_country_national")
    d.tap("mental_health")
    assert d.reply.step is StepName.RESULTS
    assert "Mental health: I found no service that fits your answers." in d.text
    assert "general information desks serve you" in d.text
    assert "Information desk" in d.text
    # The applicants' therapy does not serve this person: never shown as a "closest match".
    assert "Therapy for applicants" not in d.text
    # The desk is not claimed to fit the need.
    assert "fits Mental health" not in d.text


def test_need_with_offices_asks_place_and_orders_nearest_first():
    d = Driver()
    walk_to_need(d)
    d.tap("children_family")
    assert d.reply.step is StepName.PLACE
    d.type("Esch/Alzette")
    assert d.reply.step is StepName.RESULTS
    text = d.text
    assert text.index("Esch-sur-Alzette") < text.index("Wiltz")
    assert any(action == Action.MAP.value for _, action, _ in d.buttons())
    d.tap(action=Action.MAP)
    assert d.reply.venues and d.reply.venues[0].latitude == pytest.approx(49.4958)


def test_shared_location_keeps_town_not_coordinates():
    d = Driver()
    walk_to_need(d)
    d.tap("children_family")
    d.send(Input.location(49.9660, 5.9330))
    assert d.reply.step is StepName.RESULTS
    assert d.session.answers.place == "Wiltz"
    assert "49.96" not in d.session.model_dump_json()


def test_emergency_everywhere_and_back_returns():
    d = Driver()
    walk_to_need(d)
    d.tap(action=Action.EMERGENCY)
    assert d.reply.step is StepName.EMERGENCY
    for number in ("112", "113"):
        assert number in d.text
    assert "116 111" not in d.text  # the children's helpline, for an adult of 22 to 27
    d.tap(action=Action.BACK)
    assert d.reply.step is StepName.NEED


def test_emergency_with_violence_need_lists_violence_services():
    d = Driver()
    walk_to_need(d)
    d.tap("women_violence")
    d.send(Input.command("emergency"))
    assert "Help against violence" in d.text and "112" in d.text


def test_deep_link_presets_language_and_need():
    d = Driver()
    d.start("fr-mental_health")
    assert d.reply.step is StepName.WHO and d.session.language == "fr"
    d.tap("me")
    d.tap("22-27")
    d.tap("asylum_applicant")
    assert d.reply.step is StepName.RESULTS
    assert "Thérapie" in d.text


@pytest.mark.parametrize("payload", ["", "zz", "fr-", "-", "x" * 500, "../../etc", "fr-nope"])
def test_invalid_deep_link_is_ignored(payload):
    d = Driver()
    d.start(payload)
    assert d.reply.step in (StepName.LANGUAGE, StepName.WHO)


def test_parse_payload():
    ctx = make_context()
    assert parse_payload("en", ctx) == ("en", None)
    assert parse_payload("fr-mental_health", ctx) == ("fr", "mental_health")
    assert parse_payload("housing", ctx) == (None, "housing")


def test_stale_button_from_other_step_shows_current_screen():
    d = Driver()
    walk_to_need(d)
    d.send(Input.tap(Action.CHOOSE, "me", screen=1, step=StepName.WHO))
    assert d.reply.step is StepName.NEED
    assert "older message" in d.text


def test_forged_button_starts_over_politely():
    d = Driver()
    walk_to_need(d)
    d.send(Input(InputKind.CHOICE))
    assert d.reply.step is StepName.WHO
    assert "start again" in d.text


def test_forged_value_is_rejected():
    d = Driver()
    walk_to_need(d)
    d.send(Input.tap(Action.CHOOSE, "steal_data", screen=d.reply.screen, step=StepName.NEED))
    assert d.reply.step is StepName.NEED
    assert d.session.answers.need is None


def test_forget_returns_no_session():
    d = Driver()
    walk_to_need(d)
    d.send(Input.command("forget"))
    assert d.session is None and d.reply.forget


def test_language_change_mid_way_returns_to_the_same_question():
    d = Driver()
    walk_to_need(d)
    d.send(Input.command("language"))
    assert d.reply.step is StepName.LANGUAGE
    d.tap("fr")
    assert d.reply.step is StepName.NEED and d.session.language == "fr"


def test_every_need_has_a_non_empty_reply():
    for option in NEEDS:
        d = Driver()
        walk_to_need(d)
        d.tap(option.id)
        if d.reply.step is StepName.PLACE:
            d.tap("skip")
        assert d.reply.step is StepName.RESULTS, option.id
        assert len(d.text) > 40


def test_privacy_notice_mentions_encryption_and_retention():
    d = Driver()
    d.start()
    d.send(Input.command("privacy"))
    assert "end-to-end" in d.text and "30 days" in d.text
    assert d.reply.step is StepName.LANGUAGE


def test_results_paginate_with_more():
    extra = "".join(
        f"""
  - id: extra-{i}
    organization: Org
    name: {{en: Extra {i}, fr: Extra {i}}}
    summary: {{en: Help {i}., fr: Aide {i}.}}
    needs: [work]
    statuses: [any]
    emails: [{{address: x{i}@example.lu}}]
    source: {{file: t, place: x}}"""
        for i in range(7)
    )
    from tests.flow_helpers import SMALL_CATALOG

    d = Driver(make_context(SMALL_CATALOG + extra))
    walk_to_need(d)
    d.tap("work")
    assert "7 services found" in d.text
    assert any(action == Action.MORE.value for _, action, _ in d.buttons())
    d.tap(action=Action.MORE)
    assert "4 to 6 of 7" in d.text
    d.tap(action=Action.MORE)
    assert not any(action == Action.MORE.value for _, action, _ in d.buttons())


def test_typed_emergency_goes_to_emergency_numbers():
    d = Driver()
    walk_to_need(d)
    d.type("police, urgent")
    assert d.reply.step is StepName.EMERGENCY
    assert "112" in d.text


def test_typed_word_does_not_match_a_different_first_letter():
    from bot.understand import Analyzer, default_lexicon, phrase, read_option

    lexicon = default_lexicon()
    school = [("school", [phrase("cours", Analyzer())])]
    assert read_option("secours", school, lexicon).value is None
    mental = [("mental", [phrase("psychologist", Analyzer())])]
    assert read_option("psycholgist", mental, lexicon).value == "mental"
