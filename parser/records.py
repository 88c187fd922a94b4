"""The public record: the pydantic models of ``docs/DATA-CONTRACT.md`` sections 1 and 2.

Member names and order follow the contract, because ``esr parse`` prints these models as they
are and users write code against them. Everything is optional where a document may not say it:
a label present with an empty value, or absent from a layout, is ``None``, never ``""`` or ``0``.
"""

from __future__ import annotations

import datetime
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    """Base of every record model: unknown members are refused, so a typo in a layout fails."""

    model_config = ConfigDict(extra="forbid")


class Numbered(Record):
    """A numbered heading value such as ``2: Työllistymisen …`` or ``10.1. Työelämän …``."""

    number: str | None = None
    name: str | None = None


class Implementer(Record):
    """The implementing organisation (toteuttaja / hakija) and how to reach it."""

    name: str | None = None
    type: str | None = None
    business_id: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None
    phone: str | None = None
    website: str | None = None
    project_website: str | None = None


class Contact(Record):
    """The project's contact person. A person: a public build can leave the e-mail and phone out."""

    name: str | None = None
    title: str | None = None
    email: str | None = None
    phone: str | None = None


class CoImplementer(Record):
    """One co-implementer (osatoteuttaja) of a 2014–2020 project."""

    name: str | None = None
    type: str | None = None
    business_id: str | None = None


class Site(Record):
    """The address where a project carried out in one place is carried out."""

    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None


class Area(Record):
    """Where the project is carried out: regions, sub-regions and municipalities as written."""

    regions: list[str] = Field(default_factory=list)
    subregions: list[str] = Field(default_factory=list)
    municipalities: list[str] = Field(default_factory=list)
    site: Site | None = None


class TargetGroups(Record):
    """Whom the project is for, as the description writes it."""

    primary: str | None = None
    indirect: str | None = None
    description: str | None = None


class Indicator(Record):
    """One planned and realised indicator (participants, new jobs, …), women counted apart."""

    indicator: str
    planned: int | None = None
    planned_women: int | None = None
    realised: int | None = None
    realised_women: int | None = None


class Funding(Record):
    """The four public funding figures, in whole euros."""

    eu_state_granted: int | None = None
    eu_state_realised: int | None = None
    public_planned: int | None = None
    public_realised: int | None = None


class Horizontal(Record):
    """The 2007–2013 horizontal-principle ratings, as written."""

    equality: str | None = None
    sustainable_development: str | None = None
    partnership: str | None = None
    innovativeness: str | None = None


class GenderEquality(Record):
    """The 2014–2020 gender-equality questions, each answer with its justification."""

    analysis_done: bool | None = None
    analysis_text: str | None = None
    mainstreamed: bool | None = None
    mainstreamed_text: str | None = None
    main_goal: bool | None = None
    main_goal_text: str | None = None


class SustainabilityScore(Record):
    """One 2014–2020 sustainability criterion with its direct and indirect score (0–10)."""

    group: str | None = None
    criterion: str
    direct: int | None = None
    indirect: int | None = None
    justification: str | None = None


class Texts(Record):
    """The description's free texts."""

    summary: str | None = None
    communication_plan: str | None = None
    dissemination_plan: str | None = None
    final_report_summary: str | None = None


class ExtraField(Record):
    """A ``Label: value`` the layout does not name, kept rather than dropped."""

    section: str | None = None
    label: str
    value: str | None = None


class Project(Record):
    """One project description (contract section 2)."""

    code: str | None = None
    fund: str | None = None
    period: str | None = None
    name: str | None = None
    section: str | None = None
    priority_axis: Numbered | None = None
    specific_objective: Numbered | None = None
    project_type: str | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    status: str | None = None
    managing_authority: str | None = None
    exemplary: bool | None = None
    implementer: Implementer = Field(default_factory=Implementer)
    contact: Contact = Field(default_factory=Contact)
    applicants: str | None = None
    co_implementers: list[CoImplementer] = Field(default_factory=list)
    area: Area = Field(default_factory=Area)
    target_groups: TargetGroups = Field(default_factory=TargetGroups)
    indicators: list[Indicator] = Field(default_factory=list)
    funding: Funding = Field(default_factory=Funding)
    horizontal: Horizontal | None = None
    gender_equality: GenderEquality | None = None
    sustainability: list[SustainabilityScore] = Field(default_factory=list)
    texts: Texts = Field(default_factory=Texts)
    extra_fields: list[ExtraField] = Field(default_factory=list)


class Source(Record):
    """The file a record was read from."""

    path: str
    sha256: str
    format: Literal["txt", "pdf", "html"]
    pages: int | None = None


class Warning(Record):  # noqa: A001 - the contract calls them warnings
    """Something the parser noticed and kept: a code, a message quoting the text, the source line."""

    code: str
    message: str
    line: int | None = None


class Document(Record):
    """The parsed document (contract section 1): what ``esr parse`` prints."""

    source: Source
    kind: Literal["description", "other"]
    template: str | None = None
    title: str | None = None
    warnings: list[Warning] = Field(default_factory=list)
    project: Project | None = None
    text: str = ""


def document_json(document: Document, indent: int | None = 2) -> str:
    """Serialise a document the one way the CLI and the tests do, byte-identical every time."""
    return document.model_dump_json(indent=indent)


def unwrap_optional(annotation: Any) -> Any:
    """``Foo | None`` → ``Foo``; any other annotation as it is."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def member_type(model: type[BaseModel], key: str) -> Any:
    """The type of a dotted member of a record model: ``member_type(Project, "implementer.name")``
    is ``str``. Raises ``KeyError`` naming the first part of ``key`` that is no member."""
    annotation: Any = model
    for depth, part in enumerate(key.split(".")):
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or part not in annotation.model_fields:
            owner = ".".join(key.split(".")[:depth]) or model.__name__
            raise KeyError(f"{key!r}: {owner} has no member {part!r}")
        annotation = unwrap_optional(annotation.model_fields[part].annotation)
    return annotation


def list_item_model(model: type[BaseModel], key: str) -> type[BaseModel]:
    """The model of the items of a list member (``indicators`` → :class:`Indicator`); ``KeyError``
    when ``key`` is no list of records."""
    annotation = member_type(model, key)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    raise KeyError(f"{key!r} is not a list of records")

