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
from typing import Any

import sqlite_utils

from ..corpus import harvested_page
from ..warnings import WARNING_CODES, warning
from . import schema
from .rows import child_rows, document_row, project_row


class WarningWriter:
    """Numbers the warning rows of documents: one numbering, in the order warnings are added.

    A document's numbering goes on from the warnings the archive already holds for it, read
    when the writer first meets the document, so make a writer after deleting what a build
    replaces.
    """

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._last: dict[str, int] = {}

    def rows(self, document_id: str, warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The ``parse_warnings`` rows of ``warnings`` (each ``{code, message, line}``)."""
        if document_id not in self._last:
            (last,) = self.db.execute(
                "select coalesce(max(position), 0) from parse_warnings where document_id = ?", [document_id]
            ).fetchone()
            self._last[document_id] = last
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


class DocumentLoader:
    """Collects the rows of newly parsed documents and writes them in few, large inserts."""

    def __init__(self, db: sqlite_utils.Database, *, include_contacts: bool) -> None:
        self.db = db
        self.include_contacts = include_contacts
        self.rows: dict[str, list[dict[str, Any]]] = {table.name: [] for table in schema.TABLES}
        self.holders = {code: doc for code, doc in db.execute("select code, document_id from projects")}
        self.warnings = WarningWriter(db)
        self.new_projects: list[str] = []

    def add(self, doc_id: str, sha256: str, record: dict[str, Any] | None, error: str | None) -> None:
        """Add one document: ``record`` is its plain-data record (``None`` when it failed)."""
        if record is not None and not self.include_contacts:
            record = without_contacts(record)
        self.rows["documents"].append(document_row(doc_id, record, path=doc_id, sha256=sha256, error=error))
        if record is None:
            return
        warnings = list(record["warnings"])
        if record["project"] is not None:
            warnings.extend(self._add_project(doc_id, record["project"]))
        self.rows["parse_warnings"].extend(self.warnings.rows(doc_id, warnings))

    def _add_project(self, doc_id: str, project: dict[str, Any]) -> list[dict[str, Any]]:
        code = project.get("code")
        if not code:
            return [warning("no_project_code", "the description has no project code, so it is not in projects")]
        self.rows["description_values"].append(description_values_row(doc_id, project))
        holder = self.holders.get(code)
        if holder is not None and precedence(holder) < precedence(doc_id):
            if same_page(holder, doc_id):
                return []  # an older version of the page: history, no duplicate
            return [warning("duplicate_project", f"project {code} is loaded from {holder}, {why_first(holder)}")]
        if holder is not None:
            self._unload(code)
            if not same_page(holder, doc_id):
                notice = warning("duplicate_project", f"project {code} is loaded from {doc_id}, {why_first(doc_id)}")
                self.rows["parse_warnings"].extend(self.warnings.rows(holder, [notice]))
        self.holders[code] = doc_id
        self.new_projects.append(code)
        row = project_row(project, doc_id)
        if not self.include_contacts:
            row["contact_email"] = row["contact_phone"] = None
        self.rows["projects"].append(row)
        for table, rows in child_rows(project).items():
            self.rows[table].extend(rows)
        return []

    def _unload(self, code: str) -> None:
        """Take a project out, whether it is in the archive or still waiting in this loader."""
        delete_project(self.db, code)
        for table in ("projects", *(child.name for child in schema.PROJECT_CHILD_TABLES)):
            key = "code" if table == "projects" else "project_code"
            self.rows[table] = [row for row in self.rows[table] if row.get(key) != code]
        if code in self.new_projects:
            self.new_projects.remove(code)

    def flush(self) -> None:
        """Write the collected rows."""
        for table in schema.TABLES:
            rows = self.rows[table.name]
            if rows:
                schema.insert_rows(self.db, table, rows)
                rows.clear()
