"""The catalogue's data model: one `Service` per thing a person can use.

Field names follow Open Referral's Human Services Data Specification where that costs
nothing (organization, service, location, phone, email, url), so the data can be exported.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

FALLBACK_LANGUAGES = ("en", "fr")
# Languages the bot speaks; the staff report measures translation coverage against these.
SUPPORTED_LANGUAGES = ("en", "fr", "de", "lb", "ar", "fa", "ti", "uk", "ru", "es")


class Need(StrEnum):
    """What a person can ask for help with (closed set)."""

    MENTAL_HEALTH = "mental_health"
    CHILDREN_FAMILY = "children_family"
    PREGNANCY_BABY = "pregnancy_baby"
    WORK = "work"
    LANGUAGE_SCHOOL = "language_school"
    LEGAL_ADMIN = "legal_admin"
    HOUSING = "housing"
    WOMEN_VIOLENCE = "women_violence"
    DISCRIMINATION = "discrimination"
    LEISURE_SOCIAL = "leisure_social"
    FAMILY_TRACING = "family_tracing"
    VOLUNTARY_RETURN = "voluntary_return"
    EMERGENCY = "emergency"
    DEVELOPMENT_DISABILITY = "development_disability"


class Status(StrEnum):
    """Residence situation a service is open to (closed set)."""

    ASYLUM_APPLICANT = "asylum_applicant"
    INTERNATIONAL_PROTECTION = "international_protection"
    TEMPORARY_PROTECTION = "temporary_protection"
    UNACCOMPANIED_MINOR = "unaccompanied_minor"
    THIRD_COUNTRY_NATIONAL = "third_country_national"
    NO_PAPERS = "no_papers"
    ANY = "any"


class Audience(StrEnum):
    """A group a service is restricted to, beyond status and age (closed set).

    The bot does not ask about these, so a service restricted to one is shown with the
    restriction on its card and never as fitting the person's situation.
    """

    WOMEN = "women"
    YOUNG_PEOPLE = "young_people"  # "young people" / "young adults" with no upper age given
    PUPILS = "pupils"  # pupils of a school in Luxembourg
    RECEPTION_RESIDENTS = "reception_residents"  # living in a reception structure (ONA)
    REVIS = "revis"  # receiving the social inclusion income (REVIS)


class AgeOf(StrEnum):
    """Whose age a service's age limits are."""

    PERSON = "person"  # the person who needs help must be that age
    CHILD = "child"  # a child of that age; the child's parents and family are served too


class Strict(BaseModel):
    """Base for catalogue models: unknown fields are errors (a typo must not vanish)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


class Text(Strict):
    """Text in several languages, keyed by language code, read through a fallback chain."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    en: str | None = None
    fr: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Text:
        values = self.as_dict()
        for code, value in values.items():
            if not LANGUAGE_CODE.match(code):
                raise ValueError(f"'{code}' is not a language code (use two letters, like 'fr')")
            if not isinstance(value, str):
                raise ValueError(f"the '{code}' text must be plain text, not a list or group")
            if not value.strip():
                raise ValueError(f"the '{code}' text is empty")
        if not values:
            raise ValueError("give the text in at least English ('en') or French ('fr')")
        return self

    def as_dict(self) -> dict[str, str]:
        """Every language present, code -> text."""
        values = {"en": self.en, "fr": self.fr, **(self.model_extra or {})}
        return {code: value for code, value in values.items() if value is not None}

    def get(self, language: str) -> str:
        """The text in `language`, else English, else French, else any language present."""
        values = self.as_dict()
        for code in (language, *FALLBACK_LANGUAGES):
            if code in values:
                return values[code]
        return next(iter(values.values()))

    def has(self, language: str) -> bool:
        return language in self.as_dict()


# The longest texts allowed, in characters (after the spaces at either end are removed).
# A card must fit one Telegram message with room to spare; these are several times the
# longest texts of the bundled catalogue.
NAME_MAX = 150  # a service's name, in each language; an office's name too
SUMMARY_MAX = 600  # a summary, in each language
CONTACT_NOTE_MAX = 600  # a contact note, in each language
LABEL_MAX = 150  # what a phone number, e-mail address or link is for, in each language
ORGANIZATION_MAX = 150
ADDRESS_LINE_MAX = 150  # one line of an address
CITY_MAX = 80
PLAIN_MAX = 300  # other short texts: the source's file and place, the version


class TextTooLong(ValueError):
    """One language of a text is longer than its field allows."""

    def __init__(self, code: str, length: int, limit: int) -> None:
        super().__init__(f"is too long: {length} characters, at most {limit} — shorten it")
        self.code = code


def _at_most(limit: int) -> AfterValidator:
    def check(text: Text) -> Text:
        for code, value in text.as_dict().items():
            if len(value) > limit:
                raise TextTooLong(code, len(value), limit)
        return text

    return AfterValidator(check)


Name = Annotated[Text, _at_most(NAME_MAX)]
Summary = Annotated[Text, _at_most(SUMMARY_MAX)]
ContactNote = Annotated[Text, _at_most(CONTACT_NOTE_MAX)]
Label = Annotated[Text, _at_most(LABEL_MAX)]


PHONE = re.compile(r"^(\(\+\d{1,3}\)|\+\d{1,3})?[ \d\-/.]{3,20}$")
POSTAL_CODE = re.compile(r"^L-\d{4}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")


class Phone(Strict):
    """A phone number exactly as the source writes it, plus what it is for."""

    number: str = Field(max_length=40)
    label: Label | None = None

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        digits = re.sub(r"\D", "", value)
        if not PHONE.match(value) or not 3 <= len(digits) <= 15:
            raise ValueError(f"'{value}' does not look like a phone number, e.g. (+352) 48 59 76")
        return value

    def international(self) -> str:
        """The number as phones make it tappable: "(+352) 247-75910" -> "+352 247 75910".

        The source's own grouping is kept; a number without a country code (112, 116 111)
        stays as it is.
        """
        text = re.sub(r"\((\+\d+)\)", r"\1", self.number)
        text = re.sub(r"[\-/.]", " ", text)
        return re.sub(r"\s+", " ", text).strip()


class Email(Strict):
    address: str = Field(max_length=254)
    label: Label | None = None

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError(f"'{value}' is not an e-mail address, e.g. name@example.lu")
        return value


class Url(Strict):
    url: str = Field(max_length=2000)
    label: Label | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"'{value}' must start with https://")
        return value


class Location(Strict):
    """An office: where a person can go."""

    name: Name | None = None
    address: list[Annotated[str, Field(max_length=ADDRESS_LINE_MAX)]] = Field(default_factory=list)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str = Field(max_length=CITY_MAX)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @field_validator("postal_code")
    @classmethod
    def _postal_code(cls, value: str | None) -> str | None:
        if value is not None and not POSTAL_CODE.match(value):
            raise ValueError(f"'{value}' is not a Luxembourg postal code, e.g. L-1420")
        return value

    @model_validator(mode="after")
    def _coordinates(self) -> Location:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class AgeRange(Strict):
    """Inclusive age bounds in years; either side may be open."""

    min: int | None = Field(default=None, ge=0, le=120)
    max: int | None = Field(default=None, ge=0, le=120)

    @model_validator(mode="after")
    def _order(self) -> AgeRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(
                f"the age range is upside down: min {self.min} is above max {self.max}"
            )
        return self

    def contains(self, age: int) -> bool:
        return (self.min is None or age >= self.min) and (self.max is None or age <= self.max)


class ActivePeriod(Strict):
    """When a service or project runs; either side may be open."""

    start: date | None = Field(default=None, alias="from")
    until: date | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _order(self) -> ActivePeriod:
        if self.start and self.until and self.start > self.until:
            raise ValueError(f"the period ends ({self.until}) before it begins ({self.start})")
        return self

    def is_current(self, today: date) -> bool:
        return (self.start is None or self.start <= today) and (
            self.until is None or today <= self.until
        )

    def is_over(self, today: date) -> bool:
        return self.until is not None and self.until < today


class Source(Strict):
    """Where the facts come from: a seed file and the place in it."""

    file: str = Field(max_length=PLAIN_MAX)
    place: str = Field(max_length=PLAIN_MAX)


class Service(Strict):
    """One thing a person can use: a service, an office network or a project."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=48)
    organization: str = Field(max_length=ORGANIZATION_MAX)
    name: Name
    summary: Summary
    needs: list[Need] = Field(min_length=1)
    statuses: list[Status] = Field(min_length=1)
    age: AgeRange | None = None
    age_of: AgeOf = AgeOf.PERSON
    audience: list[Audience] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    active: ActivePeriod | None = None
    # An event: the dates it is held on; shown until the last one is over.
    editions: list[ActivePeriod] = Field(default_factory=list)
    # The source gives no current period: the card asks people to check before they go.
    period_unconfirmed: bool = False
    # The day the entry was last checked against its source.
    last_verified: date | None = None
    locations: list[Location] = Field(default_factory=list)
    phones: list[Phone] = Field(default_factory=list)
    emails: list[Email] = Field(default_factory=list)
    urls: list[Url] = Field(default_factory=list)
    contact_note: ContactNote | None = None
    general_information: bool = False
    source: Source

    @field_validator("languages")
    @classmethod
    def _languages(cls, values: list[str]) -> list[str]:
        for code in values:
            if not LANGUAGE_CODE.match(code):
                raise ValueError(f"'{code}' is not a language code (use two letters, like 'ar')")
        return values

    @property
    def reachable(self) -> bool:
        """Whether the entry gives any way to reach the service."""
        return bool(self.phones or self.emails or self.urls or self.locations)

    @property
    def contactable(self) -> bool:
        """Whether the entry gives a phone number or an e-mail address."""
        return bool(self.phones or self.emails)

    def serves_status(self, status: Status) -> bool:
        return Status.ANY in self.statuses or status in self.statuses

    def is_current(self, today: date) -> bool:
        """Within its period, and, for an event, not past its last edition."""
        if self.active is not None and not self.active.is_current(today):
            return False
        return not self.editions or not all(e.is_over(today) for e in self.editions)

    def next_edition(self, today: date) -> ActivePeriod | None:
        """The current or next edition of an event, if any."""
        coming = [e for e in self.editions if not e.is_over(today)]
        return min(coming, key=lambda e: e.start or date.min) if coming else None

    def ends_on(self) -> date | None:
        """The day after which the entry is no longer shown, if any."""
        ends = [self.active.until] if self.active and self.active.until else []
        if self.editions:
            lasts = [e.until for e in self.editions]
            if all(lasts):
                ends.append(max(d for d in lasts if d))
        return min(ends) if ends else None

    @property
    def has_age_limit(self) -> bool:
        return self.age is not None and (self.age.min is not None or self.age.max is not None)


class DuplicateIdError(ValueError):
    """Two services share an id (the loader reports it with both line numbers)."""


class Catalog(Strict):
    """The whole catalogue file."""

    version: str = Field(max_length=PLAIN_MAX)
    services: list[Service]

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        seen: set[str] = set()
        for service in self.services:
            if service.id in seen:
                raise DuplicateIdError(f"the id '{service.id}' is used by more than one entry")
            seen.add(service.id)
        return self

    def by_id(self) -> dict[str, Service]:
        return {service.id: service for service in self.services}
