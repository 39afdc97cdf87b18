"""The questions of the conversation, declared as data: text, options, what an answer sets.

Each `Question` says how to ask, which options to offer, how to read a typed answer, and
what to record. The order between them lives in `engine.next_step`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.flows.context import Context
from bot.flows.model import Answers, Session, StepName
from bot.flows.options import (
    AGE_BANDS,
    NEEDS,
    REGIONS,
    SKIP_PLACE,
    STATUSES,
    WHO,
    Option,
)
from bot.i18n import N_, Translator, Translators
from bot.understand import (
    Analyzer,
    Lexicon,
    Phrase,
    by_number,
    parse_age,
    phrase,
    read_language,
    read_need,
    read_option,
)

Choices = list[tuple[str, str]]  # (option id, translated label)

# A 360-dp-wide phone shows about 40 characters in a button alone in its row, 20 in a row of
# two, 13 in a row of three. Statuses, needs and regions have labels of 20 to 40 characters in
# some languages (what sets a status apart, an emoji and a need's name, a region and its
# town), so each stands alone in its row; tests/test_wording.py checks every keyboard.
ONE_PER_ROW = 1


@dataclass(frozen=True)
class Question:
    """One step that asks something."""

    name: StepName
    prompt: Callable[[Translator, Session, Context], list[str]]
    choices: Callable[[Translator, Context], Choices]
    record: Callable[[Answers, str, Context], None]
    read_text: Callable[[str, Translator, Context], str | None]
    columns: int = 2


# --- language -------------------------------------------------------------------------


def _language_prompt(tr: Translator, session: Session, ctx: Context) -> list[str]:
    return [tr(N_("Which language do you want to use?"))]


def _language_choices(tr: Translator, ctx: Context) -> Choices:
    return [(lang.code, lang.native_name) for lang in ctx.translators.languages]


def _record_language(answers: Answers, value: str, ctx: Context) -> None:
    """The language lives on the session itself; see engine."""


def _read_language(text: str, tr: Translator, ctx: Context) -> str | None:
    """A language's name in English, French, itself or a common other name, or its number."""
    languages = ctx.translators.languages
    place = by_number(text, len(languages))
    if place is not None:
        return languages[place].code
    names = [(lang.code, lang.native_name) for lang in languages]
    return read_language(text, ctx.lexicon, names).value


# --- who -----------------------------------------------------------------------------------


def _who_prompt(tr: Translator, session: Session, ctx: Context) -> list[str]:
    return [tr(N_("Who needs help?"))]


def _options(options) -> Callable[[Translator, Context], Choices]:  # type: ignore[no-untyped-def]
    def choices(tr: Translator, ctx: Context) -> Choices:
        return [(option.id, f"{option.icon} {tr(option.label)}".strip()) for option in options]

    return choices


def _record_who(answers: Answers, value: str, ctx: Context) -> None:
    answers.who = value


@lru_cache(maxsize=32)
def label_phrases(
    translators: Translators, lexicon: Lexicon, options: tuple[Option, ...]
) -> tuple[tuple[str, tuple[Phrase, ...]], ...]:
    """Per option, its label in every language, and the data files' other words for it."""
    found = []
    for option in options:
        names: list[Phrase] = []
        for lang in translators.languages:
            words = lexicon.by_code.get(lang.code)
            analyzer = words.analyzer if words else Analyzer()
            label = phrase(translators[lang.code](option.label), analyzer)
            if label is not None and label not in names:
                names.append(label)
            if words:
                names += words.answers.get(option.id, ())
        found.append((option.id, tuple(names)))
    return tuple(found)


def _read_option(options) -> Callable[[str, Translator, Context], str | None]:  # type: ignore[no-untyped-def]
    def read(text: str, tr: Translator, ctx: Context) -> str | None:
        named = label_phrases(ctx.translators, ctx.lexicon, tuple(options))
        return read_option(text, named, ctx.lexicon).value

    return read


# --- age -----------------------------------------------------------------------------------


def _age_prompt(tr: Translator, session: Session, ctx: Context) -> list[str]:
    if session.answers.who == "me":
        question = tr(N_("How old are you?"))
    else:
        question = tr(N_("How old is the person who needs help?"))
    return [question, tr(N_("Tap a button or type the age as a number."))]


def _record_age(answers: Answers, value: str, ctx: Context) -> None:
    for band in AGE_BANDS:
        if band.id == value:
            answers.age_min, answers.age_max = band.min, band.max
            return
    age = int(value)
    answers.age_min = answers.age_max = age


def _read_age(text: str, tr: Translator, ctx: Context) -> str | None:
    age = parse_age(text)
    return None if age is None else str(age)


def _age_choices(tr: Translator, ctx: Context) -> Choices:
    return [(band.id, tr(band.label)) for band in AGE_BANDS]


# --- status --------------------------------------------------------------------------------


def _status_prompt(tr: Translator, session: Session, ctx: Context) -> list[str]:
    """The question and, per status, its hint: in the first person for "Me", in the third
    person when the person asks for their child or someone in their family."""
    mine = session.answers.who == "me"
    if mine:
        question = tr(N_("What is your situation in Luxembourg?"))
    else:
        question = tr(N_("What is their situation in Luxembourg?"))
    lines = [question, ""]
    for option in STATUSES:
        hint = option.hint if mine else option.hint_other
        lines.append(f"• {tr(option.label)}: {tr(hint)}")
    return lines


def _record_status(answers: Answers, value: str, ctx: Context) -> None:
    answers.status = value


# --- need ----------------------------------------------------------------------------------


def _need_prompt(tr: Translator, session: Session, ctx: Context) -> list[str]:
    return [
        tr(N_("What do you need help with?")),
        tr(N_("Tap a button or write a few words.")),
    ]


def _record_need(answers: Answers, value: str, ctx: Context) -> None:
    answers.need = value


def _read_need(text: str, tr: Translator, ctx: Context) -> str | None:
    """A need's number or label in any language, or the data files' words for it."""
    place = by_number(text, len(NEEDS))
    if place is not None:
        return NEEDS[place].id
    labels = dict(label_phrases(ctx.translators, ctx.lexicon, NEEDS))
    return read_need(text, ctx.lexicon, tr.code, extra=labels)


# --- place ---------------------------------------------------------------------------------


def _place_prompt(tr: Translator, session: Session, ctx: Context) -> list[str]:
    return [
        tr(N_("Where are you? Then I show the nearest office first.")),
        tr(N_("Tap your region, type your town, or tap 📍 to share your location."))
        if ctx.channel == "web"  # the page's own location button, no Telegram 📎 menu
        else tr(N_("Tap your region, type your town, or send your location (📎 → Location).")),
        tr(N_("Your location is only used for this search; I keep the town name, not the spot.")),
    ]


def _place_choices(tr: Translator, ctx: Context) -> Choices:
    return [(o.id, tr(o.label)) for o in REGIONS] + [(SKIP_PLACE, tr(N_("Skip")))]


def _record_place(answers: Answers, value: str, ctx: Context) -> None:
    answers.place = None if value == SKIP_PLACE else value


def _read_place(text: str, tr: Translator, ctx: Context) -> str | None:
    choices = _place_choices(tr, ctx)
    number = by_number(text, len(choices))
    if number is not None:
        return choices[number][0]
    place = ctx.find_place(text[:100])
    return place.name if place else None


QUESTIONS: dict[StepName, Question] = {
    q.name: q
    for q in (
        Question(
            StepName.LANGUAGE,
            _language_prompt,
            _language_choices,
            _record_language,
            _read_language,
        ),
        Question(StepName.WHO, _who_prompt, _options(WHO), _record_who, _read_option(WHO), 1),
        Question(StepName.AGE, _age_prompt, _age_choices, _record_age, _read_age, 3),
        Question(
            StepName.STATUS,
            _status_prompt,
            _options(STATUSES),
            _record_status,
            _read_option(STATUSES),
            ONE_PER_ROW,
        ),
        Question(
            StepName.NEED, _need_prompt, _options(NEEDS), _record_need, _read_need, ONE_PER_ROW
        ),
        Question(
            StepName.PLACE, _place_prompt, _place_choices, _record_place, _read_place, ONE_PER_ROW
        ),
    )
}


def valid_choice(question: Question, value: str, tr: Translator, ctx: Context) -> bool:
    """Whether a tapped value is one this question offers (typed ages are checked apart)."""
    return any(option_id == value for option_id, _ in question.choices(tr, ctx))
