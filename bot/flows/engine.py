"""`step(session, input, ctx)`: the whole conversation as one pure function.

It returns the next session (None when the person asked us to forget them) and a
channel-neutral `Reply`. No I/O beyond the catalogue query.
"""

from __future__ import annotations

from bot.catalog.model import Need, Status
from bot.catalog.query import MatchResult, Profile
from bot.flows.cards import card, need_label
from bot.flows.context import Context
from bot.flows.emergency import (
    callable_services,
    emergency_lines,
    emergency_screen,
    person_services,
)
from bot.flows.model import (
    Action,
    Bold,
    Button,
    Input,
    InputKind,
    Message,
    Reply,
    Session,
    StepName,
    Venue,
)
from bot.flows.options import NEEDS, SKIP_PLACE, UNKNOWN_STATUS
from bot.flows.steps import QUESTIONS, valid_choice
from bot.i18n import N_, Translator
from bot.understand import distress, is_greeting, wants_person

ORDER = (StepName.LANGUAGE, StepName.WHO, StepName.AGE, StepName.STATUS, StepName.NEED)
NEED_IDS = {option.id for option in NEEDS}


def step(session: Session, inp: Input, ctx: Context) -> tuple[Session | None, Reply]:
    """Apply one input to a session; return the new session and what to answer."""
    s = session.model_copy(deep=True)
    if inp.kind is InputKind.START:
        return _start(s, inp.value, ctx)
    if inp.kind is InputKind.COMMAND:
        return _command(s, inp.value, ctx)
    if inp.kind is InputKind.CHOICE:
        return _tap(s, inp, ctx)
    if inp.kind is InputKind.TEXT:
        return _typed(s, inp.text, ctx)
    if inp.kind is InputKind.LOCATION and inp.latitude is not None and inp.longitude is not None:
        return _location(s, inp.latitude, inp.longitude, ctx)
    return s, render(s, ctx, notice=N_("Please choose one of the buttons."))


# --- entry points ------------------------------------------------------------------------


def parse_payload(payload: str, ctx: Context) -> tuple[str | None, str | None]:
    """A deep-link payload 'ar', 'mental_health' or 'fr-mental_health' -> (language, need).

    Anything unknown is ignored.
    """
    language = need = None
    for part in payload[:64].split("-"):
        if part in ctx.translators.codes and language is None:
            language = part
        elif part in NEED_IDS and need is None:
            need = part
    return language, need


def _start(s: Session, payload: str, ctx: Context) -> tuple[Session, Reply]:
    language, need = parse_payload(payload, ctx)
    fresh = Session(
        language=language or s.language,
        screen=s.screen,
        preset_need=need,
        last_update=s.last_update,
    )
    fresh.step = StepName.WHO if language else StepName.LANGUAGE
    if language:
        fresh.history = [StepName.LANGUAGE]
    return fresh, render(fresh, ctx, welcome=True)


def _command(s: Session, name: str, ctx: Context) -> tuple[Session | None, Reply]:
    tr = ctx.translators[s.language]
    if name == "forget":
        text = tr(N_("I have deleted everything I kept about you. Send /start to begin again."))
        return None, Reply(
            (Message((text,)),), forget=True, new_message=True, rtl=tr.rtl, language=tr.code
        )
    if name == "language":
        _go(s, StepName.LANGUAGE)
        return s, render(s, ctx)
    if name == "emergency":
        return _emergency(s, ctx)
    if name == "privacy":
        return s, render(s, ctx, before=privacy_notice(tr, ctx.retention_days, ctx.channel))
    if name == "help":
        return s, render(s, ctx, before=help_text(tr))
    return s, render(s, ctx, notice=N_("Please choose one of the buttons."))


def _tap(s: Session, inp: Input, ctx: Context) -> tuple[Session, Reply]:
    if inp.screen is not None and inp.screen != s.screen and inp.step != s.step:
        return s, render(
            s, ctx, notice=N_("That button was on an older message. Here is where we are now:")
        )
    action = inp.action
    if action is Action.RESTART:
        fresh = _fresh(s)
        return fresh, render(fresh, ctx)
    if action is Action.BACK:
        if s.history:
            s.step = s.history.pop()
            s.page = 0
        return s, render(s, ctx)
    if action is Action.EMERGENCY:
        return _emergency(s, ctx)
    if action is Action.MORE and s.step is StepName.RESULTS:
        s.page += 1
        return s, render(s, ctx)
    if action is Action.AGAIN and s.step is StepName.RESULTS:
        s.answers.need = s.answers.place = None
        s.preset_need = None
        _go(s, StepName.NEED)
        return s, render(s, ctx)
    if action is Action.MAP and s.step is StepName.RESULTS:
        return s, _map(s, ctx)
    if action is Action.CHOOSE:
        return _answer(s, inp.value, ctx, typed=False)
    if action is None:  # a button we could not read: forged, truncated or from an old version
        fresh = _fresh(s)
        notice = N_("Sorry, that button no longer works. Let us start again.")
        return fresh, render(fresh, ctx, notice=notice)
    return s, render(s, ctx, notice=N_("Please choose one of the buttons."))


def _fresh(s: Session) -> Session:
    """A new conversation that keeps only the language."""
    fresh = Session(language=s.language, screen=s.screen, last_update=s.last_update)
    fresh.step = StepName.WHO if s.language else StepName.LANGUAGE
    fresh.history = [StepName.LANGUAGE] if s.language else []
    return fresh


def _typed(s: Session, text: str, ctx: Context) -> tuple[Session, Reply]:
    """A typed text: first heard for danger, at every step; then read as an answer."""
    danger = distress(text, ctx.lexicon, s.language)
    if danger is not None:
        if s.language is None:  # no language yet, nor one from the app: the one they wrote in
            s.language = danger
        return _emergency(s, ctx)
    question = QUESTIONS.get(s.step)
    tr = ctx.translators[s.language]
    if s.step is not StepName.LANGUAGE and wants_person(text, ctx.lexicon, s.language):
        services = person_services(profile_of(s, ctx), ctx)
        if services:
            return s, render(s, ctx, before=[*callable_services(tr, services), ""])
    if question is not None:
        value = question.read_text(text, tr, ctx)
        if value is not None:
            return _answer(s, value, ctx, typed=True)
    elif s.step is StepName.RESULTS:
        value = QUESTIONS[StepName.NEED].read_text(text, tr, ctx)
        if value is not None:
            s.answers.place = None
            _go(s, StepName.NEED)
            return _answer(s, value, ctx, typed=True)
    if is_greeting(text, ctx.lexicon):
        return s, render(s, ctx, welcome=s.step is StepName.LANGUAGE)
    return s, render(
        s, ctx, notice=N_("Sorry, I did not understand. Please choose one of the buttons.")
    )


def _location(s: Session, latitude: float, longitude: float, ctx: Context) -> tuple[Session, Reply]:
    place = ctx.nearest_place(latitude, longitude)
    if s.step in (StepName.PLACE, StepName.RESULTS) and place is not None:
        s.answers.place = place.name
        if s.step is StepName.PLACE:
            return _after_place(s, ctx)
        s.page = 0
        return s, render(s, ctx)
    return s, render(s, ctx, notice=N_("Please choose one of the buttons."))


# --- moving between steps ------------------------------------------------------------------


def _go(s: Session, target: StepName) -> None:
    """Move forward to `target`, remembering where we were for Back."""
    if s.step is not target and s.step is not StepName.EMERGENCY:
        s.history.append(s.step)
    s.step = target
    s.page = 0
    del s.history[:-12]


def _answer(s: Session, value: str, ctx: Context, typed: bool) -> tuple[Session, Reply]:
    question = QUESTIONS.get(s.step)
    tr = ctx.translators[s.language]
    if question is None or not (typed or valid_choice(question, value, tr, ctx)):
        return s, render(s, ctx, notice=N_("Please choose one of the buttons."))
    if s.step is StepName.LANGUAGE:
        s.language = value
        if s.history and s.answers.who is not None:
            s.step = s.history.pop()
            return s, render(s, ctx)
        _go(s, StepName.WHO)
        return s, render(s, ctx)
    question.record(s.answers, value, ctx)
    if s.step is StepName.STATUS and s.preset_need and s.answers.need is None:
        s.answers.need = s.preset_need
        return _after_need(s, ctx)
    if s.step is StepName.NEED:
        return _after_need(s, ctx)
    if s.step is StepName.PLACE:
        return _after_place(s, ctx)
    _go(s, ORDER[ORDER.index(s.step) + 1])
    return s, render(s, ctx)


def _after_need(s: Session, ctx: Context) -> tuple[Session, Reply]:
    if s.answers.need == Need.EMERGENCY:
        return _emergency(s, ctx)
    result = _query(s, ctx)  # all of them: does any fitting service have several offices?
    if any(len(m.service.locations) > 1 for m in result.matches) and s.answers.place is None:
        _go(s, StepName.PLACE)
    else:
        _go(s, StepName.RESULTS)
    return s, render(s, ctx)


def _after_place(s: Session, ctx: Context) -> tuple[Session, Reply]:
    _go(s, StepName.RESULTS)
    return s, render(s, ctx)


# --- the catalogue ------------------------------------------------------------------------


def profile_of(s: Session, ctx: Context) -> Profile:
    """What the catalogue query needs to know about the person."""
    answers = s.answers
    status = None
    if answers.status and answers.status != UNKNOWN_STATUS:
        status = Status(answers.status)
    latitude = longitude = None
    if answers.place and answers.place != SKIP_PLACE:
        place = ctx.find_place(answers.place)
        if place is not None:
            latitude, longitude = place.lat, place.lon
    who = answers.who if answers.who in ("me", "child", "family") else None
    return Profile(
        need=Need(answers.need) if answers.need else None,
        status=status,
        age=answers.age_min,
        age_max=answers.age_max,
        who=who,
        language=s.language or "en",
        latitude=latitude,
        longitude=longitude,
    )


def _query(s: Session, ctx: Context, limit: int | None = None) -> MatchResult:
    return ctx.index.match(profile_of(s, ctx), ctx.today, limit=limit)


# --- screens -------------------------------------------------------------------------------


def privacy_line(tr: Translator, days: int) -> str:
    return tr.plural(
        "I keep only your language and your answers, never your name or what you type, "
        "for {n} day. Send /forget to delete them.",
        "I keep only your language and your answers, never your name or what you type, "
        "for {n} days. Send /forget to delete them.",
        days,
    )


WEB_KEEPS = N_(
    "What I keep: a random number your browser made for this chat, your language and the "
    "time of your last message. Also the step you are at and the buttons you chose, for "
    "example your age group and what you need."
)
WEB_BROWSER = N_(
    "Your browser keeps the random number until you delete it. This page uses no cookies."
)


def privacy_notice(tr: Translator, days: int, channel: str = "telegram") -> list[str]:
    """The privacy screen; the web chat's says what the browser keeps instead of Telegram."""
    web = channel == "web"
    return [
        Bold(tr(N_("Privacy"))),
        tr(WEB_KEEPS)
        if web
        else tr(
            N_(
                "What I keep: your Telegram user number, your language and the time of your "
                "last message. Also the step you are at and the buttons you chose, for example "
                "your age group and what you need."
            )
        ),
        tr(
            N_(
                "What I never keep: your name, your phone number, your messages or anything "
                "you type, the exact place you share."
            )
        ),
        tr(
            N_(
                "Why: so that you can continue where you stopped, and to count anonymously "
                "which needs are asked for most."
            )
        ),
        tr.plural(
            "How long: {n} day after your last message, then it is deleted automatically.",
            "How long: {n} days after your last message, then it is deleted automatically.",
            days,
        ),
        tr(N_("Delete now: send /forget.")),
        tr(WEB_BROWSER)
        if web
        else tr(
            N_(
                "Telegram itself can see your messages to bots: chats with bots are not "
                "end-to-end encrypted."
            )
        ),
        "",
    ]


def help_text(tr: Translator) -> list[str]:
    return [
        tr(N_("/start – begin again")),
        tr(N_("/language – change the language")),
        tr(N_("/emergency – emergency numbers")),
        tr(N_("/privacy – what I keep about you")),
        tr(N_("/forget – delete everything I keep about you")),
        "",
    ]


def _nav(tr: Translator, s: Session) -> tuple[Button, ...]:
    row = []
    if s.history:
        row.append(Button("⬅️ " + tr(N_("Back")), Action.BACK))
    row.append(Button("🔄 " + tr(N_("Start over")), Action.RESTART))
    if s.step is not StepName.EMERGENCY:
        row.append(Button("🆘 " + tr(N_("Emergency")), Action.EMERGENCY))
    return tuple(row)


def _rows(buttons: list[Button], columns: int) -> list[tuple[Button, ...]]:
    return [tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def render(
    s: Session,
    ctx: Context,
    *,
    notice: str | None = None,
    before: list[str] | None = None,
    welcome: bool = False,
) -> Reply:
    """The screen for the session's current step, with an optional notice above it."""
    tr = ctx.translators[s.language]
    s.screen += 1
    lines: list[str] = list(before or [])
    if notice:
        lines += [tr(notice), ""]
    if welcome:
        lines += [
            Bold(tr(N_("Hello! I help you find services in Luxembourg."))),
            privacy_line(tr, ctx.retention_days),
            "",
        ]
    if s.step is StepName.RESULTS:
        return _results(s, ctx, tr, lines)
    if s.step is StepName.EMERGENCY:
        return _emergency_reply(s, ctx, tr, lines)
    question = QUESTIONS[s.step]
    lines += question.prompt(tr, s, ctx)
    buttons = [Button(label, Action.CHOOSE, oid) for oid, label in question.choices(tr, ctx)]
    rows = _rows(buttons, question.columns) + [_nav(tr, s)]
    return Reply((Message(tuple(lines)),), tuple(rows), s.step, s.screen, tr.rtl, language=tr.code)


def _results(s: Session, ctx: Context, tr: Translator, lines: list[str]) -> Reply:
    size = ctx.page_size
    result = _query(s, ctx, limit=(s.page + 1) * size)
    matches = result.matches
    total = max(result.total, len(matches))
    page = matches[s.page * size : (s.page + 1) * size]
    if s.page == 0:
        lines += emergency_lines(tr, s.answers, ctx)
        need = need_label(tr, s.answers.need)
        # The need's name heads the sentence ("Mental health: …"), where no language
        # has to inflect it.
        if result.exact:
            found = tr.plural(
                "{need}: {n} service found", "{need}: {n} services found", total, need=need
            )
            lines.append(Bold(found))
        else:
            nothing = tr(N_("{need}: I found no service that fits your answers."), need=need)
            lines.append(Bold(nothing))
            if result.widened:
                lines.append(
                    tr(N_("These general information desks serve you and can guide you further."))
                )
    else:
        lines.append(
            Bold(
                tr(
                    N_("More results ({start} to {end} of {total})"),
                    start=s.page * size + 1,
                    end=s.page * size + len(page),
                    total=total,
                )
            )
        )
    for match in page:
        lines.append("")
        lines += card(tr, match, s.answers, ctx.today, widened=result.widened)
    rows: list[tuple[Button, ...]] = []
    if (s.page + 1) * size < total:
        rows.append((Button("➕ " + tr(N_("More")), Action.MORE),))
    if any(loc.has_coordinates for m in page for loc in m.locations):
        rows.append((Button("🗺️ " + tr(N_("Show on map")), Action.MAP),))
    rows.append((Button("🔁 " + tr(N_("Something else?")), Action.AGAIN),))
    rows.append(_nav(tr, s))
    return Reply(
        (Message(tuple(lines)),),
        tuple(rows),
        s.step,
        s.screen,
        tr.rtl,
        new_message=True,
        language=tr.code,
    )


def _map(s: Session, ctx: Context) -> Reply:
    tr = ctx.translators[s.language]
    result = _query(s, ctx, limit=(s.page + 1) * ctx.page_size)
    matches = result.matches
    page = matches[s.page * ctx.page_size : (s.page + 1) * ctx.page_size]
    venues = tuple(
        Venue(
            loc.latitude,
            loc.longitude,
            m.service.name.get(tr.code)[:100],
            ", ".join([*loc.address, " ".join(p for p in (loc.postal_code, loc.city) if p)]),
        )
        for m in page
        for loc in m.locations
        if loc.latitude is not None and loc.longitude is not None
    )[:5]
    reply = render(s, ctx)
    return Reply(
        reply.messages,
        reply.buttons,
        reply.step,
        reply.screen,
        reply.rtl,
        venues=venues,
        new_message=True,
        language=reply.language,
    )


def _emergency(s: Session, ctx: Context) -> tuple[Session, Reply]:
    if s.step is not StepName.EMERGENCY:
        _go(s, StepName.EMERGENCY)
    return s, render(s, ctx)


def _emergency_reply(s: Session, ctx: Context, tr: Translator, lines: list[str]) -> Reply:
    lines += emergency_screen(tr, s.answers, profile_of(s, ctx), ctx)
    rows = (_nav(tr, s),)
    return Reply(
        (Message(tuple(lines)),), rows, s.step, s.screen, tr.rtl, new_message=True, language=tr.code
    )
