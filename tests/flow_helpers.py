"""Shared helpers for flow tests: a small catalogue, a context, and a driver."""

from __future__ import annotations

from datetime import date

from bot.catalog.loader import load_catalog_text
from bot.catalog.places import find_place, nearest_place
from bot.catalog.query import CatalogIndex
from bot.flows.context import Context
from bot.flows.engine import step
from bot.flows.model import Action, Input, Reply, Session
from bot.i18n import Translators

SMALL_CATALOG = """
version: test
services:
  - id: therapy-applicants
    organization: Test org
    name: {en: Therapy for applicants, fr: Thérapie pour demandeurs}
    summary: {en: Talk to a therapist., fr: Parler à un thérapeute.}
    needs: [mental_health]
    statuses: [asylum_applicant, international_protection]
    age: {min: 3, max: 27}
    phones: [{number: "(+352) 48 59 76"}]
    source: {file: test.txt, place: line 1}
  - id: offices
    organization: Test org
    name: {en: Regional offices, fr: Bureaux régionaux}
    summary: {en: Family help near you., fr: Aide aux familles près de chez vous.}
    needs: [children_family]
    statuses: [any]
    age: {min: 0, max: 27}
    locations:
      - {address: [1 Main Street], postal_code: L-9530, city: Wiltz}
      - {address: [2 Main Street], postal_code: L-4001, city: Esch-sur-Alzette,
         latitude: 49.4958, longitude: 5.9806}
    source: {file: test.txt, place: line 2}
  - id: info-desk
    organization: Desk org
    name: {en: Information desk, fr: Guichet d'information}
    summary: {en: Answers your questions., fr: Répond à vos questions.}
    needs: [legal_admin]
    statuses: [any]
    general_information: true
    emails: [{address: desk@example.lu}]
    source: {file: test.txt, place: line 3}
  - id: emergency-numbers
    organization: Public emergency services
    name: {en: Emergency numbers, fr: Numéros d'urgence}
    summary: {en: Call in danger., fr: Appelez en cas de danger.}
    needs: [emergency]
    statuses: [any]
    phones:
      - {number: "112", label: {en: Ambulance and fire, fr: Ambulance et pompiers}}
      - {number: "113", label: {en: Police, fr: Police}}
      - {number: "116 111", label: {en: Helpline for children, fr: Ligne pour enfants}}
    source: {file: issue, place: emergency numbers}
  - id: violence-help
    organization: Test org
    name: {en: Help against violence, fr: Aide contre la violence}
    summary: {en: Support for women., fr: Soutien aux femmes.}
    needs: [women_violence]
    statuses: [any]
    phones: [{number: "(+352) 26 48 20 50"}]
    source: {file: test.txt, place: line 4}
"""

TODAY = date(2026, 11, 23)


def make_context(catalog_text: str = SMALL_CATALOG, today: date = TODAY) -> Context:
    index = CatalogIndex(load_catalog_text(catalog_text, "test.yaml"))
    return Context(
        index=index,
        translators=Translators(),
        today=today,
        find_place=find_place,
        nearest_place=nearest_place,
    )


class Driver:
    """Plays a conversation against `step`, keeping the session like the store would."""

    def __init__(self, ctx: Context | None = None, session: Session | None = None) -> None:
        self.ctx = ctx or make_context()
        self.session: Session | None = session or Session()
        self.reply: Reply | None = None

    def send(self, inp: Input) -> Reply:
        assert self.session is not None
        self.session, self.reply = step(self.session, inp, self.ctx)
        return self.reply

    def start(self, payload: str = "") -> Reply:
        return self.send(Input.start(payload))

    def tap(self, value: str = "", action: Action = Action.CHOOSE) -> Reply:
        assert self.reply is not None
        return self.send(Input.tap(action, value, screen=self.reply.screen, step=self.reply.step))

    def type(self, text: str) -> Reply:
        return self.send(Input.typed(text))

    @property
    def text(self) -> str:
        assert self.reply is not None
        return "\n".join(message.text for message in self.reply.messages)

    def buttons(self) -> list[tuple[str, str, str]]:
        assert self.reply is not None
        return [(b.label, b.action.value, b.value) for row in self.reply.buttons for b in row]

    def values(self) -> list[str]:
        return [value for _, action, value in self.buttons() if action == Action.CHOOSE.value]
