"""Load parsed documents into the archive: their rows, their warnings, and which document a
project is loaded from when two describe it.

Every warning row of a document is numbered by :class:`WarningWriter`, whichever stage raised
it: the parser's warnings first, then the build's own (duplicate projects, place names without a
code), each with the ``stage`` the registry (:mod:`parser.warnings`) gives its code.

A build without contacts (:func:`without_contacts`) removes the contact person's e-mail and phone
from the whole record before any row is made of it, not only from the two columns: the text of
the document (and so its full-text index and the search vocabulary), extra fields, warnings.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import sqlite_utils

from ..corpus import harvested_page
from ..warnings import WARNING_CODES, warning
from . import schema
from .rows import RowsWritten, child_rows, document_record, document_row, project_row


class WarningWriter:
    """Numbers the warning rows of documents: one numbering, in the order warnings are added.

    A document's numbering goes on from the warnings the archive already holds for it, read
    when the writer first meets the document, so make a writer after deleting what a build
    replaces.
    """

    def __init__(self, db: sqlite_utils.Database, *, archive_empty: bool = False) -> None:
        self.db = db
        self._last: dict[str, int] = {}
        #: The archive held no warnings when the writer was made (a full build): a document the
        #: writer has not met has none, so the archive need not be asked.
        self.archive_empty = archive_empty

    def _start(self, document_id: str) -> None:
        if self.archive_empty:
            self._last[document_id] = 0
            return
        (last,) = self.db.execute(
            "select coalesce(max(position), 0) from parse_warnings where document_id = ?", [document_id]
        ).fetchone()
        self._last[document_id] = last

    def numbered(self, document_id: str, warnings: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The ``parse_warnings`` rows, as tuples in the table's column order, of ``warnings``
        given as tuples of the columns after ``document_id`` and ``position``."""
        if document_id not in self._last:
            self._start(document_id)
        last = self._last[document_id]
        rows = [(document_id, last + offset, *item) for offset, item in enumerate(warnings, 1)]
        self._last[document_id] = last + len(warnings)
        return rows

    def rows(self, document_id: str, warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ``parse_warnings`` rows of ``warnings`` (each ``{code, message, line}``)."""
        if document_id not in self._last:
            self._start(document_id)
        rows = []
        for item in warnings:
            self._last[document_id] += 1
            rows.append({
                "document_id": document_id,
                "position": self._last[document_id],
                "stage": WARNING_CODES[item["code"]].stage,
                **item,
            })
        return rows


def precedence(doc_id: str) -> tuple:
    """Which of the documents describing one project is loaded: the smallest key.

    The newest harvested version of the project's page first (it is what the service says
    now), then the other documents by path.
    """
    page = harvested_page(doc_id)
    if page is not None:
        return (0, -page.fetched_at.timestamp(), doc_id)
    return (1, 0.0, doc_id)


def same_page(first: str, second: str) -> bool:
    """Whether two documents are versions of one harvested project page."""
    a, b = harvested_page(first), harvested_page(second)
    return a is not None and b is not None and (a.period, a.code) == (b.period, b.code)


def why_first(doc_id: str) -> str:
    """Why a document is the one loaded, for the duplicate_project message."""
    return "the newest fetched version of its page" if harvested_page(doc_id) is not None else "which comes first"


def description_values_row(document_id: str, project: dict[str, Any]) -> dict[str, Any]:
    """The ``description_values`` row: the figures a description gives its project."""
    funding = project.get("funding") or {}
    return {
        "document_id": document_id, "code": project.get("code"), "name": project.get("name"), "status": project.get("status"),
        "start_date": project.get("start_date"), "end_date": project.get("end_date"),
        **{name: funding.get(name) for name in ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")},
    }


#: What stands where a contact's e-mail or phone was, in a build without contacts.
REMOVED = "[poistettu / removed]"
#: The ``@`` of an address as the service writes it to fool harvesters (``(at)``, ``[at]``),
#: and as a wrap of the page may cut it (``(a t)``).
_AT = r"(?:@|\s*[(\[]\s*(?:a\s*t|ä\s*t|a)\s*[)\]]\s*)"
#: What may stand between the digits of a phone number as written: spaces, hyphens, slashes,
#: dots, brackets (``040-772 8419``, ``(017) 183 300``).
_PHONE_GAP = r"[\s\-./()]*"


def _spaced(text: str) -> str:
    # A wrap may have put whitespace anywhere inside an address.
    return r"\s*".join(re.escape(char) for char in text)


def contact_patterns(contact: dict[str, Any] | None) -> list[re.Pattern[str]]:
    """How the contact's e-mail and phone may be written in a document's text.

    Each e-mail address of ``contact.email`` as read (``a@b.fi``) or as the service writes it
    (``a(at)b.fi``), whitespace allowed inside; each phone number of ``contact.phone`` (five
    digits or more) with any separators between its digits, or with ``+358`` for its leading
    ``0``, never as part of a longer number.
    """
    patterns: list[re.Pattern[str]] = []
    if not contact:
        return patterns
    for address in re.findall(r"[^\s,;]+@[^\s,;]+", contact.get("email") or ""):
        local, _, domain = address.partition("@")
        patterns.append(re.compile(_spaced(local) + _AT + _spaced(domain), re.IGNORECASE))
    for piece in re.split(r"[,;]|\s/\s|\s(?:ja|tai|och|eller|and|or)\s", contact.get("phone") or ""):
        digits = re.sub(r"\D", "", piece)
        if len(digits) < 5:
            continue
        rest = _PHONE_GAP.join(digits[1:]) if digits.startswith("0") else None
        number = _PHONE_GAP.join(digits)
        if rest is not None:
            number = rf"(?:{number}|\+{_PHONE_GAP}358{_PHONE_GAP}(?:\(0\){_PHONE_GAP})?{rest})"
        patterns.append(re.compile(rf"(?<![\d+]){number}(?!\d)"))
    return patterns


def without_contacts(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its contact person's e-mail and phone removed from every value.

    Wherever they are written, in the text, the title, extra fields, warnings' messages or any
    other member, they become :data:`REMOVED`; a member of the project that held nothing else
    (the organisation's phone when it is the person's) becomes ``null``, as the contact's own
    e-mail and phone do. The name and title of the person stay. ``source`` is left as it is.
    """
    project = record.get("project")
    person = (project or {}).get("contact") or {}
    if not person.get("email") and not person.get("phone"):
        return record  # no contact details to remove (an "other" document, say)
    patterns = contact_patterns(person)

    def scrub(value: Any, *, member: bool) -> Any:
        if isinstance(value, str):
            for pattern in patterns:
                value = pattern.sub(REMOVED, value)
            return None if member and value.strip() == REMOVED else value
        if isinstance(value, dict):
            return {key: scrub(item, member=member) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item, member=member) for item in value]
        return value

    cleaned = {key: value if key == "source" else scrub(value, member=False) for key, value in record.items()}
    if project is not None:
        # Free text keeps a marker where a value was; a member that was nothing but one is null.
        cleaned["project"] = {
            key: value if key in ("texts", "extra_fields") else scrub(project[key], member=True) for key, value in cleaned["project"].items()
        }
        contact = cleaned["project"].get("contact")
        if contact:
            cleaned["project"]["contact"] = {**contact, "email": None, "phone": None}
    return cleaned


def delete_project(db: sqlite_utils.Database, code: str) -> None:
    """Remove a project and its many-row children."""
    for table in schema.PROJECT_CHILD_TABLES:
        db.execute(f"delete from [{table.name}] where project_code = ?", [code])
    db.execute("delete from projects where code = ?", [code])


def delete_document(db: sqlite_utils.Database, doc_id: str) -> None:
    """Remove a document, its warnings and the project loaded from it."""
    for (code,) in db.execute("select code from projects where document_id = ?", [doc_id]).fetchall():
        delete_project(db, code)
    db.execute("delete from parse_warnings where document_id = ?", [doc_id])
    db.execute("delete from description_values where document_id = ?", [doc_id])
    db.execute("delete from documents where id = ?", [doc_id])


def _columns(table: schema.TableSchema) -> tuple[str, ...]:
    return tuple(table.columns)


#: The columns a parse worker sends each table's rows in (see :class:`ParsedRows`); the loader
#: adds what only it knows (the document's id, path and hash, warning positions).
_DOCUMENT_COLUMNS = _columns(schema.DOCUMENTS)
#: The columns of the loader's ``documents`` rows: the rowid, then the table's.
DOCUMENT_ROW = ("rowid", *_DOCUMENT_COLUMNS)
_PROJECT_COLUMNS = tuple(column for column in schema.PROJECTS.columns if column != "document_id")
_VALUES_COLUMNS = _columns(schema.DESCRIPTION_VALUES)
_WARNING_COLUMNS = _columns(schema.PARSE_WARNINGS)
_CHILD_COLUMNS = {table.name: _columns(table) for table in schema.PROJECT_CHILD_TABLES}
assert _DOCUMENT_COLUMNS[:3] == ("id", "path", "sha256") and _VALUES_COLUMNS[0] == "document_id"
assert _WARNING_COLUMNS[:2] == ("document_id", "position")
assert _PROJECT_COLUMNS[0] == "code" and all(columns[0] == "project_code" for columns in _CHILD_COLUMNS.values())


class ParsedRows(NamedTuple):
    """A parsed document's rows, made in the parse worker (:func:`document_rows`): tuples in the
    columns of each table but what only the loader knows, small to send and ready to insert."""

    #: ``documents`` columns after ``id``, ``path`` and ``sha256``.
    document: tuple[Any, ...]
    #: ``parse_warnings`` columns after ``document_id`` and ``position``: the parser's warnings,
    #: then ``no_project_code`` for a description without a code.
    warnings: list[tuple[Any, ...]]
    #: The project's code, when the document describes a project that has one; then:
    code: str | None
    #: ``description_values`` columns after ``document_id``;
    values: tuple[Any, ...] | None
    #: ``projects`` columns but ``document_id`` (:data:`_PROJECT_COLUMNS`);
    project: tuple[Any, ...] | None
    #: every row of each project child table, in its columns.
    children: dict[str, list[tuple[Any, ...]]] | None
    #: Whether the contact's e-mail and phone were kept (``include_contacts``).
    contacts: bool
    #: The SHA-256 of the bytes the worker parsed (a new archive's hash of the file: see
    #: :func:`parser.archive.build.build`).
    sha256: str


def _warning_tuple(item: dict[str, Any]) -> tuple[Any, ...]:
    row = {"stage": WARNING_CODES[item["code"]].stage, **item}
    return tuple(row.get(column) for column in _WARNING_COLUMNS[2:])


def parsed_rows(record: dict[str, Any], *, include_contacts: bool = True) -> ParsedRows:
    """The rows of a parsed document's plain-data record (:func:`parser.archive.rows.document_record`)."""
    if not include_contacts:
        record = without_contacts(record)
    document = document_row("", record, path="", sha256="", error=None)
    warnings = [_warning_tuple(item) for item in record["warnings"]]
    project = record["project"]
    code = values = row = children = None
    if project is not None:
        code = project.get("code") or None
        if code is None:
            warnings.append(_warning_tuple(warning("no_project_code", "the description has no project code, so it is not in projects")))
        else:
            described = description_values_row("", project)
            values = tuple(described.get(column) for column in _VALUES_COLUMNS[1:])
            made = project_row(project, "")
            if not include_contacts:
                made["contact_email"] = made["contact_phone"] = None
            row = tuple(made.get(column) for column in _PROJECT_COLUMNS)
            children = {
                table: [tuple(item.get(column) for column in _CHILD_COLUMNS[table]) for item in items]
                for table, items in child_rows(project).items()
            }
    document_values = tuple(document.get(column) for column in _DOCUMENT_COLUMNS[3:])
    return ParsedRows(document_values, warnings, code, values, row, children, include_contacts, record["source"]["sha256"])


def document_rows(document: Any, *, include_contacts: bool = True) -> ParsedRows:
    """What a parse worker sends the loader for one document (a ``transform`` of
    :func:`parser.runner.parse_files`): its rows, without contacts when so asked."""
    return parsed_rows(document_record(document), include_contacts=include_contacts)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' * len(columns))})"


class DocumentLoader:
    """Collects the rows of newly parsed documents and writes them in few, large inserts."""

    def __init__(
        self, db: sqlite_utils.Database, *, include_contacts: bool,
        on_documents: RowsWritten | None = None,
    ) -> None:
        self.db = db
        self.include_contacts = include_contacts
        #: Called after each :meth:`flush` with the ``documents`` rows it wrote: their columns
        #: (:data:`DOCUMENT_ROW`, the rowid first) and the rows (a new archive's full-text index
        #: takes them as they are written rather than reading 50 MB of text back).
        self.on_documents = on_documents
        #: Row tuples per table, in the columns of :attr:`_sql`.
        self.rows: dict[str, list[tuple[Any, ...]]] = {table.name: [] for table in schema.TABLES}
        self._sql = {table.name: _insert_sql(table.name, _columns(table)) for table in schema.TABLES}
        self._sql["projects"] = _insert_sql("projects", (*_PROJECT_COLUMNS, "document_id"))
        self._sql["documents"] = _insert_sql("documents", DOCUMENT_ROW)
        # The rowid SQLite would give each row (one more than the largest), given here so that
        # the rows handed on name theirs.
        (self._next_rowid,) = db.execute("select coalesce(max(rowid), 0) + 1 from documents").fetchone()
        self.holders = {code: doc for code, doc in db.execute("select code, document_id from projects")}
        (held,) = db.execute("select exists(select 1 from parse_warnings)").fetchone()
        self.warnings = WarningWriter(db, archive_empty=not held)
        self.new_projects: list[str] = []

    def add(self, doc_id: str, sha256: str, record: ParsedRows | dict[str, Any] | None, error: str | None) -> None:
        """Add one document: its :class:`ParsedRows` (made by :func:`document_rows` in a parse
        worker) or its plain-data record, ``None`` when it failed."""
        rowid = self._next_rowid
        self._next_rowid += 1
        if record is None:
            failed = document_row(doc_id, None, path=doc_id, sha256=sha256, error=error)
            self.rows["documents"].append((rowid, *(failed.get(column) for column in _DOCUMENT_COLUMNS)))
            return
        if not isinstance(record, ParsedRows):
            record = parsed_rows(record, include_contacts=self.include_contacts)
        elif record.contacts != self.include_contacts:
            raise ValueError("the rows were made with another include_contacts than the loader's")
        self.rows["documents"].append((rowid, doc_id, doc_id, sha256, *record.document))
        warnings = record.warnings
        if record.code is not None:
            warnings = [*warnings, *self._add_project(doc_id, record)]
        self.rows["parse_warnings"].extend(self.warnings.numbered(doc_id, warnings))

    def _add_project(self, doc_id: str, record: ParsedRows) -> list[tuple[Any, ...]]:
        code = record.code
        self.rows["description_values"].append((doc_id, *record.values))  # type: ignore[misc]
        holder = self.holders.get(code)  # type: ignore[arg-type]
        if holder is not None and precedence(holder) < precedence(doc_id):
            if same_page(holder, doc_id):
                return []  # an older version of the page: history, no duplicate
            return [_warning_tuple(warning("duplicate_project", f"project {code} is loaded from {holder}, {why_first(holder)}"))]
        if holder is not None:
            self._unload(code)  # type: ignore[arg-type]
            if not same_page(holder, doc_id):
                notice = warning("duplicate_project", f"project {code} is loaded from {doc_id}, {why_first(doc_id)}")
                self.rows["parse_warnings"].extend(self.warnings.numbered(holder, [_warning_tuple(notice)]))
        self.holders[code] = doc_id  # type: ignore[index]
        self.new_projects.append(code)  # type: ignore[arg-type]
        self.rows["projects"].append((*record.project, doc_id))  # type: ignore[misc]
        for table, rows in record.children.items():  # type: ignore[union-attr]
            self.rows[table].extend(rows)
        return []

    def _unload(self, code: str) -> None:
        """Take a project out, whether it is in the archive or still waiting in this loader."""
        delete_project(self.db, code)
        # The code is the first column of the projects rows and of the child tables' rows.
        for table in ("projects", *(child.name for child in schema.PROJECT_CHILD_TABLES)):
            self.rows[table] = [row for row in self.rows[table] if row[0] != code]
        if code in self.new_projects:
            self.new_projects.remove(code)

    def flush(self) -> None:
        """Write the collected rows."""
        for table in schema.TABLES:
            rows = self.rows[table.name]
            if rows:
                self.db.conn.executemany(self._sql[table.name], rows)
                if table is schema.DOCUMENTS and self.on_documents is not None:
                    self.on_documents(DOCUMENT_ROW, rows)
                self.rows[table.name] = []
