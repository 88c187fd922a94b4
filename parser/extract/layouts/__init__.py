"""Layout declarations: what a description layout looks like, as data.

Each ``*.yml`` file beside this module declares one layout (the 2007–2013 "projektin kuvaus",
the 2014–2020 "hankkeen kuvaus", …): the title that selects it, its section headings, and per
section the Finnish labels and the contract keys they fill, with the value type. One engine
(:mod:`parser.engine`) reads them all; adding the 2021–2027 layout means adding a file here.

The models below are the schema of those files, so a malformed declaration fails loudly when it
is loaded, not silently while parsing.
"""

from __future__ import annotations

from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ...records import Project, list_item_model, member_type
from ...yaml_files import load_yaml
from ..values import CONVERTERS, PAIR_CONVERTERS


class Declaration(BaseModel):
    """Base of the declaration models: unknown keys are refused, declarations are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class FieldSpec(Declaration):
    """One ``Label: value`` line: its labels (aliases), the key(s) it fills and the value type."""

    #: The Finnish label as the service writes it, plus known variants (a fixed typo, say).
    label: list[str]
    #: Dotted contract key (``implementer.business_id``); two keys for a pair converter.
    key: str | list[str]
    type: str = "text"
    #: Only when this key was already filled in the same section: ``Puhelinnumero`` after the
    #: contact person is the contact's phone, before it the organisation's.
    after: str | None = None
    #: Free lines after the label line are a text of their own (a yes/no answer's justification).
    followed_by: str | None = None
    #: ``join``: a free line after the label continues its value (a wrapped line);
    #: ``items``: each free line is one more item of a list (co-implementers).
    continuation: Literal["join", "items"] = "join"
    #: Extra arguments for the converter (``organisation_types`` for co-implementers).
    options: dict[str, Any] = Field(default_factory=dict)
    #: No warning when the label is absent.
    optional: bool = False
    #: The label may also stand alone on its line, without a colon, heading the lines of its
    #: value (2014–2020 pages write ``Osatoteuttajat`` so, then one co-implementer a line).
    alone: bool = False

    _label_as_list = field_validator("label", mode="before")(_as_list)

    @model_validator(mode="after")
    def _check_type(self) -> "FieldSpec":
        if self.type not in CONVERTERS:
            raise ValueError(f"unknown value type {self.type!r}; known: {sorted(CONVERTERS)}")
        pair = isinstance(self.key, list)
        if pair != (self.type in PAIR_CONVERTERS):
            raise ValueError(f"type {self.type!r} needs {'two keys' if not pair else 'one key'}: {self.key!r}")
        return self

    @cached_property
    def normalised_labels(self) -> frozenset[str]:
        """The labels in the form they are compared in."""
        return frozenset(normalise_label(label) for label in self.label)

    @cached_property
    def keys(self) -> tuple[str, ...]:
        """The keys this field fills, always as a sequence (one key or a pair)."""
        return tuple(self.key) if isinstance(self.key, list) else (self.key,)

    @cached_property
    def filled_keys(self) -> tuple[str, ...]:
        """The keys a value of this field fills: :attr:`keys`, and :attr:`followed_by` if any."""
        return (*self.keys, self.followed_by) if self.followed_by else self.keys


class RecordSpec(Declaration):
    """The section is one item of a list member (an indicator): ``values`` are set on it."""

    into: str
    values: dict[str, Any] = Field(default_factory=dict)


class ScoreTableSpec(Declaration):
    """A scored table such as the 2014–2020 sustainability criteria.

    ``row`` is a regular expression with named groups; a line that equals one of ``groups`` sets
    the group of the rows below it; lines after a row continue its ``continuation_key``.
    """

    into: str
    row: str
    groups: list[str] = Field(default_factory=list)
    group_key: str = "group"
    continuation_key: str
    types: dict[str, str] = Field(default_factory=dict)
    header_lines: list[str] = Field(default_factory=list)

    @field_validator("row")
    @classmethod
    def _compiles(cls, value: str) -> str:
        regex.compile(value)
        return value

    @cached_property
    def row_pattern(self) -> regex.Pattern[str]:
        """:attr:`row` compiled, once per layout rather than once per document."""
        return regex.compile(self.row)

    @cached_property
    def header_keys(self) -> frozenset[str]:
        """The :attr:`header_lines` in the form lines are compared in."""
        return frozenset(normalise_label(line) for line in self.header_lines)

    @cached_property
    def group_names(self) -> dict[str, str]:
        """Each group as written, by the form lines are compared in."""
        return {normalise_label(group): group for group in self.groups}


class FlagSpec(Declaration):
    """The section's presence with this sentence sets ``key`` to true (``Esimerkkihanke``)."""

    key: str
    text: str

    @cached_property
    def normalised_text(self) -> str:
        """:attr:`text` in the form lines are compared in."""
        return normalise_label(self.text)


class SectionSpec(Declaration):
    """A section, found by its heading text whatever its number."""

    heading: list[str]
    optional: bool = False
    #: The section's own lines (before any subsection) as one text.
    text: str | None = None
    fields: list[FieldSpec] = Field(default_factory=list)
    record: RecordSpec | None = None
    table: ScoreTableSpec | None = None
    flag: FlagSpec | None = None
    #: Lines that belong to the section's print form and carry no data.
    expected_lines: list[str] = Field(default_factory=list)

    _heading_as_list = field_validator("heading", mode="before")(_as_list)

    @property
    def name(self) -> str:
        """The heading as the service writes it, used in warnings and ``extra_fields.section``."""
        return self.heading[0]

    @cached_property
    def expected_keys(self) -> frozenset[str]:
        """The :attr:`expected_lines` in the form lines are compared in."""
        return frozenset(normalise_label(line) for line in self.expected_lines)

    @model_validator(mode="after")
    def _one_kind(self) -> "SectionSpec":
        """A section is read one way: two kinds in one declaration would leave one unread."""
        declared = [
            name
            for name, present in (
                ("fields", bool(self.fields) and self.record is None),
                ("record", self.record is not None),
                ("table", self.table is not None),
                ("flag", self.flag is not None),
                ("text", self.text is not None),
            )
            if present
        ]
        if len(declared) > 1:
            raise ValueError(f"section {self.name!r} declares {' and '.join(declared)}: a section has one kind")
        if self.record is not None and not self.fields:
            raise ValueError(f"section {self.name!r} is a record without fields")
        return self

    @property
    def kind(self) -> str:
        """Which reader of :data:`parser.extract.kinds.SECTION_KINDS` the section needs.

        ``record`` (its ``fields`` fill one list item), ``table``, ``flag``, ``fields``, ``text``,
        or ``group`` for a heading that only groups subsections.
        """
        if self.record is not None:
            return "record"
        if self.table is not None:
            return "table"
        if self.flag is not None:
            return "flag"
        if self.fields:
            return "fields"
        if self.text is not None:
            return "text"
        return "group"


class LayoutSpec(Declaration):
    """One description layout."""

    #: The ``template`` value of the record (``esr-2014``).
    name: str
    period: str
    #: Regular expression for the title line, with a named group ``fund``.
    title: str
    #: Labels that identify the layout even when the title line is lost (a truncated document).
    keywords: list[str] = Field(default_factory=list)
    #: Values the layout implies when the document does not say them (``exemplary: false``).
    defaults: dict[str, Any] = Field(default_factory=dict)
    sections: list[SectionSpec]

    @field_validator("title")
    @classmethod
    def _title_compiles(cls, value: str) -> str:
        if "fund" not in regex.compile(value).groupindex:
            raise ValueError("the title pattern needs a named group 'fund'")
        return value

    @cached_property
    def title_pattern(self) -> regex.Pattern[str]:
        """:attr:`title` compiled as it is matched, case-insensitive: once, not per document."""
        return regex.compile(self.title, regex.I)

    @cached_property
    def keyword_labels(self) -> frozenset[str]:
        """The :attr:`keywords` in the form labels are compared in."""
        return frozenset(normalise_label(keyword) for keyword in self.keywords)

    @cached_property
    def heading_index(self) -> dict[str, SectionSpec]:
        """Each section by each of its headings, in the form headings are compared in."""
        return {normalise_label(heading): section for section in self.sections for heading in section.heading}

    @cached_property
    def unique_labels(self) -> dict[str, FieldSpec]:
        """The labels that only one section declares (records' sections aside), by the form they
        are compared in: found out of their own section (its heading lost), they are still read."""
        owners: dict[str, list[FieldSpec]] = {}
        for section in self.sections:
            if section.record is None:
                for spec in section.fields:
                    for label in spec.label:
                        owners.setdefault(normalise_label(label), []).append(spec)
        return {label: specs[0] for label, specs in owners.items() if len(specs) == 1}

    @model_validator(mode="after")
    def _unique_headings(self) -> "LayoutSpec":
        seen: set[str] = set()
        for section in self.sections:
            for heading in section.heading:
                key = normalise_label(heading)
                if key in seen:
                    raise ValueError(f"heading {heading!r} is declared twice in {self.name}")
                seen.add(key)
        return self

    @model_validator(mode="after")
    def _keys_are_record_members(self) -> "LayoutSpec":
        """Every key the layout fills is a member of the record (:class:`parser.records.Project`),
        so a mistyped key fails when the layout loads, not as a per-file error while parsing."""
        try:
            for key in self.defaults:
                member_type(Project, key)
            for section in self.sections:
                _check_section_keys(section)
        except KeyError as error:
            raise ValueError(f"layout {self.name}: {error.args[0]}") from None
        return self


def _check_section_keys(section: SectionSpec) -> None:
    """Raise ``KeyError`` for a key of ``section`` that its target model does not have."""
    where = f"section {section.name!r}"
    try:
        if section.record is not None:
            item = list_item_model(Project, section.record.into)
            for key in section.record.values:
                member_type(item, key)
            _check_fields(section.fields, item)
        else:
            _check_fields(section.fields, Project)
        if section.text is not None:
            member_type(Project, section.text)
        if section.flag is not None:
            member_type(Project, section.flag.key)
        if section.table is not None:
            table = section.table
            item = list_item_model(Project, table.into)
            groups = regex.compile(table.row).groupindex
            for key in [*groups, table.group_key, table.continuation_key, *table.types]:
                member_type(item, key)
            unknown = sorted(set(table.types) - set(groups))
            if unknown:
                raise KeyError(f"types name {unknown} that the row pattern has no group for")
    except KeyError as error:
        raise KeyError(f"{where}: {error.args[0]}") from None


def _check_fields(fields: list[FieldSpec], model: type[BaseModel]) -> None:
    own = {key for spec in fields for key in spec.keys}
    for spec in fields:
        for key in spec.keys:
            member_type(model, key)
        if spec.followed_by is not None:
            member_type(model, spec.followed_by)
        if spec.after is not None and spec.after not in own:
            raise KeyError(f"'after: {spec.after}' of label {spec.label[0]!r} names no key of the same section")


#: How many texts :func:`normalise_label` remembers: the labels and headings every document
#: repeats, and the lines of the last documents (the section splitter and then the section
#: readers normalise each line of a document, the second time from here).
NORMALISED_CACHE_SIZE = 8192


@lru_cache(maxsize=NORMALISED_CACHE_SIZE)
def normalise_label(text: str) -> str:
    """The form labels and headings are compared in: case and spacing do not matter."""
    return " ".join(text.replace("\u00a0", " ").split()).rstrip(":").strip().casefold()


def load_layout(text: str) -> LayoutSpec:
    """Validate one YAML declaration."""
    return LayoutSpec.model_validate(load_yaml(text))


@cache
def builtin_layouts() -> tuple[LayoutSpec, ...]:
    """Every layout declared in this package, in file-name order (the order they are tried)."""
    folder = resources.files(__name__)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yml")), key=lambda f: f.name)
    return tuple(load_layout(f.read_text(encoding="utf-8")) for f in files)


def compile_patterns() -> None:
    """Compile the built-in layouts' patterns now rather than at the first document that needs
    them: :func:`parser.runner.parse_files` calls this before it forks its workers, so that they
    inherit them compiled instead of each compiling them again at its first file."""
    for layout in builtin_layouts():
        layout.title_pattern  # noqa: B018 - a cached property: reading it compiles it
        for section in layout.sections:
            if section.table is not None:
                section.table.row_pattern  # noqa: B018
