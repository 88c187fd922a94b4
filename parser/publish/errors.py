"""What a request to the published archive got wrong, in Finnish and English.

Datasette 0.65 answers many wrong requests with a 500 (a server error) because it meets them
deep inside a view: ``int()`` of ``_timelimit``, ``json.loads`` of an ``__in`` filter or of
``_through``, SQLite refusing to bind a JSON object or a 21-digit number, a compound primary key
with one value, or its own ``DatasetteError`` raised with the default status 500 ("Cannot sort
table by …"). This module holds the rules, in one place, for the two things
``plugins/errors.py`` does with them:

* :func:`check_query` and :func:`check_row_key` / :func:`check_view_offset` look at a request
  *before* Datasette does (its ``asgi_wrapper``) and say what is wrong with it;
* :func:`from_exception` turns what Datasette raised into a client error (its
  ``handle_exception`` hook), translating Datasette's English messages.

Either way the answer is a :class:`ClientError`: a 4xx status with a Finnish and an English
message, written as JSON (:func:`as_json`), as plain text (:func:`as_text`) or, by the plugin,
as the HTML page ``templates/error.html``. Nothing here knows ASGI; the plugin does.
"""

from __future__ import annotations

import json
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from typing import Any

from ..spreadsheet import PLAIN_NUMBER
from .labels import plain_number

#: The largest and smallest integers SQLite binds (64-bit): Python's sqlite3 raises
#: OverflowError for anything beyond, which Datasette does not catch.
INT64 = (-(2**63), 2**63 - 1)

#: ``_timelimit`` in milliseconds. Datasette only ever lowers the time limit with it (a value
#: over ``sql_time_limit_ms`` is ignored), so the bound is about parsing, not about cost.
TIMELIMIT = re.compile(r"[0-9]{1,9}")

#: Datasette 0.65's filters whose value goes through ``int()`` when ``str.isdigit()`` says it
#: is digits (datasette/filters.py, ``TemplatedFilter(numeric=True)``).
NUMERIC_FILTERS = frozenset({"gt", "gte", "lt", "lte"})
#: Filters whose value, when it starts with ``[``, is read as a JSON array (``InFilter``).
LIST_FILTERS = frozenset({"in", "notin"})

#: Parameters Datasette reads with ``int()`` once ``str.isdigit()`` says they are digits
#: (``_facet_size``: datasette/facets.py; ``_ttl``: views/base.py), which "²" passes and
#: ``int()`` refuses, as it refuses more than 4,300 digits.
DIGIT_PARAMETERS = frozenset({"_facet_size", "_ttl"})
#: The values of ``_shape`` Datasette's JSON renderer knows (datasette/renderer.py).
SHAPES = ("arrays", "objects", "array", "arrayfirst", "object")
#: What ``value_as_boolean`` accepts (datasette/utils); anything else raises ValueError.
BOOLEANS = ("on", "off", "true", "false", "1", "0")

#: Page titles by status: (Finnish, English).
TITLES = {
    400: ("Virheellinen pyyntö", "Bad request"),
    403: ("Ei sallittu", "Forbidden"),
    404: ("Ei löydy", "Not found"),
    405: ("Menetelmä ei ole sallittu", "Method not allowed"),
}

#: What a Finnish reader is told when the English message has no translation below.
GENERIC_FI = {
    400: "Pyyntö on virheellinen.",
    403: "Tähän ei ole käyttöoikeutta.",
    404: "Sivua ei löydy.",
    405: "Tämä arkisto on vain luettavissa.",
}


@dataclass(frozen=True)
class ClientError:
    """A request the archive cannot answer, and why: a 4xx ``status``, the reason in Finnish
    (``fi``) and English (``en``), and optionally a ``detail`` (such as the SQL that ran too
    long) shown as it is."""

    status: int
    fi: str
    en: str
    detail: str | None = None

    @property
    def title_fi(self) -> str:
        """The page title in Finnish: "Virheellinen pyyntö"."""
        return TITLES.get(self.status, (f"Virhe {self.status}", ""))[0]

    @property
    def title_en(self) -> str:
        """The page title in English: "Bad request"."""
        return TITLES.get(self.status, ("", f"Error {self.status}"))[1]


def one_line(text: Any) -> str:
    """``text`` with its control characters (newlines, tabs, …) written as escapes, so that a
    message quoting the request is always one line."""
    return "".join(
        char if unicodedata.category(char)[0] != "C" else char.encode("unicode_escape").decode("ascii")
        for char in str(text)
    )


def shown(value: Any, limit: int = 60) -> str:
    """A value from the request as a message quotes it: «in guillemets», at most ``limit``
    characters, on one line (:func:`one_line`)."""
    text = str(value)
    return f"«{one_line(text[:limit])}{'…' if len(text) > limit else ''}»"


# ------------------------------------------------------------------------------- the request


def query_pairs(query_string: str) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs exactly as Datasette reads them
    (``urllib.parse.parse_qs`` of the Latin-1 decoded bytes: percent escapes read as UTF-8)."""
    return urllib.parse.parse_qsl(query_string, keep_blank_values=True)


def _is_filter(name: str) -> bool:
    # Datasette's rule (views/table.py): a parameter that starts with _ and has no __ is a
    # special one (_sort, _search, …); every other one is a column filter.
    return not (name.startswith("_") and "__" not in name)


def _text(value: Any) -> bool:
    """Whether a JSON value is text SQLite can take: a string that is valid Unicode (JSON can
    spell a lone surrogate, ``"\\ud800"``, which UTF-8 cannot encode)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _name(value: Any) -> bool:
    """Whether a JSON value can name a table or a column in SQL text: text without NUL
    (``"\\u0000"``), which SQLite refuses in a statement (a bound value may hold one)."""
    return _text(value) and "\x00" not in value


def _bindable(value: Any) -> bool:
    """Whether Python's sqlite3 binds this JSON value without an error."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return INT64[0] <= value <= INT64[1]
    return False


def _json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, a number of over 4,300 digits, deep nesting
        return False, None


def check_query(query_string: str) -> ClientError | None:
    """The first thing wrong with a request's parameters that Datasette would meet as a server
    error, or ``None``. ``query_string`` is the raw query string decoded as Latin-1, as
    Datasette decodes it. Only what Datasette cannot answer by itself is checked here; a wrong
    sort, an unknown column or bad SQL it answers (see :func:`from_exception`)."""
    if "\x00" in query_string:
        return _nul()
    pairs = query_pairs(query_string)
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            return _nul()
    for name, value in pairs:
        if name == "_timelimit" and value and not TIMELIMIT.fullmatch(value):
            return ClientError(
                400,
                f"_timelimit on aikaraja millisekunteina, kokonaisluku 0–999999999; {shown(value)} ei ole sellainen.",
                f"_timelimit is a time limit in milliseconds, a whole number from 0 to 999999999; {shown(value)} is not.",
            )
        if name in DIGIT_PARAMETERS and value.isdigit() and _integer(value) is None:
            return ClientError(
                400,
                f"{name} on kokonaisluku; {shown(value)} ei ole luku, jonka voi lukea.",
                f"{name} is a whole number; {shown(value)} is not one it can read.",
            )
        if name == "_through":
            problem = _check_through(value)
            if problem:
                return problem
        if name.startswith("_facet") and value.startswith("{"):
            problem = _check_facet(name, value)
            if problem:
                return problem
        if _is_filter(name) and "__" in name:
            problem = _check_filter(name, name.rsplit("__", 1)[1], value)
            if problem:
                return problem
    return None


def _integer(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _check_facet(name: str, value: str) -> ClientError | None:
    # datasette/facets.py reads a _facet… value that starts with { as a JSON object and uses
    # its "column" (or, without one, its "simple") as a column name.
    ok, config = _json(value)
    if ok and isinstance(config, dict):
        column = config.get("column") or config.get("simple")
        if _name(column):
            return None
    return ClientError(
        400,
        f'{name} on sarakkeen nimi tai JSON-olio {{"column": "sarake"}}; {shown(value)} ei ole kumpikaan.',
        f'{name} is a column name or a JSON object {{"column": "column"}}; {shown(value)} is neither.',
    )


def _nul() -> ClientError:
    return ClientError(
        400,
        "Pyynnössä on NUL-merkki (%00). Sitä ei voi olla missään hakuehdossa.",
        "The request contains a NUL character (%00), which no parameter may contain.",
    )


def _check_filter(name: str, operator: str, value: str) -> ClientError | None:
    if operator in LIST_FILTERS and value.startswith("["):
        ok, items = _json(value)
        if not ok or not isinstance(items, list):
            return ClientError(
                400,
                f"Suodatin {name} ottaa luettelon: arvot pilkuilla erotettuina (a,b) tai JSON-taulukkona "
                f'(["a","b"]); {shown(value)} ei ole kelvollinen JSON-taulukko.',
                f'The filter {name} takes a list: values separated by commas (a,b) or a JSON array (["a","b"]); '
                f"{shown(value)} is not a valid JSON array.",
            )
        for item in items:
            if not _bindable(item):
                return ClientError(
                    400,
                    f"Suodattimen {name} JSON-taulukon arvot ovat tekstejä tai lukuja (enintään 64-bittisiä "
                    f"kokonaislukuja); {shown(json.dumps(item, ensure_ascii=False))} ei ole.",
                    f"The items of the JSON array of {name} are strings or numbers (integers of at most 64 bits); "
                    f"{shown(json.dumps(item, ensure_ascii=False))} is not.",
                )
    if operator in NUMERIC_FILTERS and value.isdigit():
        # Datasette compares digits as a number: int() must read them (it does not read "²")
        # and SQLite must bind the result.
        number = _integer(value)
        if number is None or not _bindable(number):
            return ClientError(
                400,
                f"Suodattimen {name} arvo {shown(value)} ei ole luku, johon voi verrata "
                "(kokonaisluku enintään 64 bittiä).",
                f"The value {shown(value)} of {name} is not a number it can compare with (an integer of at most 64 bits).",
            )
    return None


def comparisons_to_check(pairs: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """The comparison filters (``column__gt`` and the like) whose value SQLite would not read as
    a number: (parameter, column, value). Datasette binds such a value as text, which compares
    after every number, so on a numeric column the page shows no row and says nothing."""
    found = []
    for name, value in pairs:
        if _is_filter(name) and "__" in name:
            column, operator = name.rsplit("__", 1)
            # SQLite's numeric affinity reads a plain decimal number, ASCII spaces around it
            # ignored (not a no-break space, which str.strip() would take too).
            if operator in NUMERIC_FILTERS and not PLAIN_NUMBER.fullmatch(value.strip(" \t\n\v\f\r")):
                found.append((name, column, value))
    return found


def numeric_affinity(declared_type: str | None) -> bool:
    """Whether a column of this declared type holds numbers, by SQLite's rules of affinity
    (INTEGER, REAL and NUMERIC: "Determination Of Column Affinity")."""
    declared = (declared_type or "").upper()
    if "INT" in declared:
        return True
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")) or "BLOB" in declared or not declared:
        return False
    return True


def not_a_number(name: str, value: str) -> ClientError:
    """The 400 for a comparison filter on a numeric column whose value is not a number (or is
    empty); a number written the Finnish way (``1 000 000 €``, ``0,5``) gets its plain form
    suggested."""
    if not value.strip():
        return ClientError(
            400,
            f"Suodatin {name} vertaa lukuun, mutta arvo puuttuu. Kirjoita luku numeroin, esimerkiksi «1000000» tai «0.5».",
            f"The filter {name} compares with a number, but its value is missing. Write one in digits, for example "
            "«1000000» or «0.5».",
        )
    plain = plain_number(value)
    if plain is not None:
        return ClientError(
            400,
            f"Suodatin {name} vertaa lukuun: kirjoita {shown(value)} ilman välilyöntejä ja desimaalit pisteellä, "
            f"{shown(plain)}.",
            f"The filter {name} compares with a number: write {shown(value)} without spaces and with a decimal point, "
            f"{shown(plain)}.",
        )
    return ClientError(
        400,
        f"Suodatin {name} vertaa lukuun, mutta {shown(value)} ei ole luku. Kirjoita luku numeroin, esimerkiksi "
        "«1000000» tai «0.5».",
        f"The filter {name} compares with a number, but {shown(value)} is not one. Write it in digits, for example "
        "«1000000» or «0.5».",
    )


def _check_through(value: str) -> ClientError | None:
    ok, through = _json(value)
    if (
        ok
        and isinstance(through, dict)
        and _name(through.get("table"))
        and _name(through.get("column"))
        and "value" in through
        and _bindable(through["value"])
    ):
        return None
    return ClientError(
        400,
        '_through on JSON-olio {"table": "taulu", "column": "sarake", "value": arvo}, jossa taulu ja sarake ovat '
        f"tekstejä ja arvo teksti tai luku; {shown(value)} ei ole sellainen.",
        '_through is a JSON object {"table": "table", "column": "column", "value": value} whose table and column '
        f"are strings and whose value is a string or a number; {shown(value)} is not.",
    )


def check_json_options(pairs: list[tuple[str, str]]) -> ClientError | None:
    """The options of a ``.json`` request Datasette's JSON renderer reads: ``_shape`` (its
    first value, as Datasette reads it) and ``_json_infinity`` (a boolean it reads with
    ``value_as_boolean``, which raises on anything else)."""
    values = dict(reversed(pairs))  # the first value of each name, as Datasette's args.get()
    shape = values.get("_shape")
    if shape is not None and shape not in SHAPES:
        return ClientError(
            400,
            f"Tuntematon _shape {shown(shape)}: vaihtoehdot ovat {', '.join(SHAPES)}.",
            f"Invalid _shape {shown(shape)}: it is one of {', '.join(SHAPES)}.",
        )
    infinity = values.get("_json_infinity")
    if infinity is not None and infinity.lower() not in BOOLEANS:
        return ClientError(
            400,
            f"_json_infinity on kyllä tai ei ({', '.join(BOOLEANS)}); {shown(infinity)} ei ole.",
            f"_json_infinity is yes or no ({', '.join(BOOLEANS)}); {shown(infinity)} is not.",
        )
    return None


def shape_needs_rows(database: str, shape: str) -> ClientError:
    """``_shape=array`` (or ``arrayfirst``, ``object``) of the database page, which has no rows."""
    return ClientError(
        400,
        f"Tietokannan sivulla ei ole rivejä, joten _shape={shape} ei käy. Kysy taulua (/{database}/projects.json) "
        f"tai kyselyä (/{database}.json?sql=select …).",
        f"The database page has no rows, so _shape={shape} does not apply. Ask for a table (/{database}/projects.json) "
        f"or a query (/{database}.json?sql=select …).",
    )


def shape_object_needs_key(name: str) -> ClientError:
    """``_shape=object`` (rows keyed by their primary key) of something without a primary key.
    Datasette answers it with a 200 whose body says ``"ok": false``."""
    return ClientError(
        400,
        f"_shape=object nimeää rivit pääavaimellaan, eikä kohteella {name} ole pääavainta (näkymä, kysely tai taulu "
        "ilman pääavainta). Käytä _shape=objects.",
        f"_shape=object keys the rows by their primary key, and {name} has none (a view, a query or a table without "
        "one). Use _shape=objects.",
    )


def check_view_offset(view: str, value: str) -> ClientError | None:
    """``_next`` of a view: Datasette reads it with ``int()`` as the number of rows before the page."""
    if not value or re.fullmatch(r"[0-9]{1,18}", value):
        return None
    return ClientError(
        400,
        f"Näkymän {view} _next on niiden rivien määrä, joiden jälkeen sivu alkaa (kokonaisluku); {shown(value)} ei ole.",
        f"The _next of the view {view} is the number of rows the page starts after (a whole number); {shown(value)} is not.",
    )


def check_row_key(database: str, table: str, primary_keys: list[str], values: list[str]) -> ClientError | None:
    """A row page names its row with one value per primary-key column (``rowid`` for a table
    without one), separated by commas. Datasette 0.65 fails with a 500 on too few values and
    quietly ignores extra ones; either way the address names no row."""
    keys = primary_keys or ["rowid"]
    if len(values) == len(keys):
        return None
    names = ", ".join(keys)
    example = f"/{database}/{table}/" + ",".join(f"<{key}>" for key in keys)
    return ClientError(
        404,
        f"Taulun {table} rivi nimetään avaimella ({names}): {len(keys)} arvoa pilkuilla erotettuina, {example}. "
        f"Osoitteessa on {len(values)}.",
        f"A row of {table} is named by its key ({names}): {len(keys)} values separated by commas, {example}. "
        f"The address has {len(values)}.",
    )


def no_such_table(table: str) -> ClientError:
    """The row page of a table the database does not have."""
    return ClientError(404, f"Taulua {table} ei ole.", f"Table not found: {table}.")


def view_has_no_rows(view: str) -> ClientError:
    """The row page of a view: a view has no primary key, so no row of it has a page."""
    return ClientError(
        404,
        f"{view} on näkymä: sen riveillä ei ole omia sivuja. Rivit näkyvät näkymän sivulla.",
        f"{view} is a view: its rows have no pages of their own. They are on the view's page.",
    )


def database_csv_without_query(database: str) -> ClientError:
    """``/esr.csv`` with no ``sql``: the database page is a list of tables, not rows."""
    return ClientError(
        400,
        f"Tietokannan sivusta ei ole CSV-tiedostoa. Lataa taulu (/{database}/projects.csv) tai kysely "
        f"(/{database}.csv?sql=select …).",
        f"The database page has no CSV. Download a table (/{database}/projects.csv) or a query "
        f"(/{database}.csv?sql=select …).",
    )


def time_limit(limit_ms: int | None = None, sql: str | None = None) -> ClientError:
    """The SQL time limit interrupted the query."""
    limit = f" ({limit_ms} ms)" if limit_ms else ""
    return ClientError(
        400,
        f"Tietokantakysely kesti liian kauan ja keskeytettiin (SQL-aikaraja{limit}). Rajaa hakua suodattimilla "
        "tai hae pienempi osa kerrallaan.",
        f"The database query took too long and was interrupted (SQL time limit{limit}). Narrow it down with "
        "filters or ask for a smaller part at a time.",
        detail=sql,
    )


def download_interrupted(reason: str) -> str:
    """The last row of a CSV download that stopped after its first page (its status, 200, is
    already sent): in both languages, that rows are missing and why. ``reason`` is what
    Datasette wrote in place of the rest (the exception's text)."""
    if "interrupted" in reason:
        fi, en = "tietokantakysely kesti liian kauan (SQL-aikaraja)", "a database query took too long (SQL time limit)"
    else:
        fi, en = "tietokantavirhe", "a database error"
    return (
        f"VIRHE: lataus keskeytyi, kaikki rivit eivät tulleet: {fi}. Rajaa hakua ja lataa uudelleen. "
        f"ERROR: download interrupted, not all rows were sent: {en}. Narrow the query down and download again."
    )


def not_ascii_path() -> ClientError:
    """A raw request path with bytes over 0x7F: a client percent-encodes them (``%C3%A4``)."""
    return ClientError(
        400,
        "Osoitteessa on koodaamattomia merkkejä; selain koodaa ne (%C3%A4).",
        "The address has characters that are not percent-encoded (%C3%A4), as a browser sends them.",
    )


# ----------------------------------------------------------------------- what Datasette raised

#: Datasette 0.65's English messages of client errors, with their Finnish. A pattern's groups
#: fill the Finnish template; ``status`` replaces Datasette's when it answers with a 500.
_MESSAGES: list[tuple[re.Pattern[str], str, int | None]] = [
    (re.compile(r"Cannot sort table by (?P<column>.*)", re.DOTALL), "Taulua ei voi järjestää sarakkeen {column} mukaan.", 400),
    (re.compile(r"Cannot use _sort and _sort_desc at the same time"), "_sort ja _sort_desc eivät käy yhtä aikaa: valitse yksi järjestys.", 400),
    (re.compile(r"Invalid _through - could not find corresponding foreign key"),
     "_through-taulusta ei ole viiteavainta tähän tauluun, tai taulua ei ole.", 400),
    (re.compile(r"_size must be a positive integer"), "_size on sivun rivimäärä, positiivinen kokonaisluku (tai max).", None),
    (re.compile(r"_size must be <= (?P<limit>\d+)"), "_size on enintään {limit}.", None),
    (re.compile(r"_next not allowed for CSV streaming"), "_next ei käy koko taulun CSV-latauksessa (_stream=on): lataus alkaa alusta.", None),
    (re.compile(r"CSV streaming is disabled"), "Koko taulun CSV-lataus ei ole käytössä.", None),
    (re.compile(r"Invalid _shape: (?P<shape>.*)", re.DOTALL), "Tuntematon _shape {shape}: vaihtoehdot ovat arrays, objects, array, arrayfirst ja object.", None),
    (re.compile(r"_shape=object.*", re.DOTALL), "_shape=object käy vain taululle, jolla on pääavain.", None),
    (re.compile(r"_col=(?P<columns>.*) - invalid columns", re.DOTALL), "Tuntemattomia sarakkeita (_col): {columns}.", None),
    (re.compile(r"_nocol=(?P<columns>.*) - invalid columns", re.DOTALL), "Näitä sarakkeita ei voi jättää pois (_nocol): {columns}.", None),
    (re.compile(r"Cannot search by that column"), "Tällä sarakkeella ei voi hakea.", None),
    (re.compile(r"_facet= is not allowed"), "Luokittelu (_facet) ei ole käytössä.", None),
    (re.compile(r"Database not found.*", re.DOTALL), "Tietokantaa ei ole.", None),
    (re.compile(r"Table not found.*", re.DOTALL), "Taulua ei ole.", None),
    (re.compile(r"Record not found.*", re.DOTALL), "Riviä ei ole.", None),
    (re.compile(r"No data"), "Tässä muodossa ei ole tietoja.", None),
    # The archive's own pages (plugins/pages.py).
    (re.compile(r"No such project: (?P<code>.*)", re.DOTALL), "Arkistossa ei ole hanketta {code}: sitä ei ole kuvauksissa, virallisissa listoissa eikä EURA 2021 -viennissä.", None),
    (re.compile(r"No such organisation: (?P<key>.*)", re.DOTALL), "Arkistossa ei ole organisaatiota {key}.", None),
    (re.compile(r"No such place: (?P<place>.*)", re.DOTALL), "Tilastokeskuksen aluejaossa ei ole aluetta {place}.", None),
    (re.compile(r"No project pages in database (?P<database>.*)", re.DOTALL), "Tietokannassa {database} ei ole hankesivuja.", None),
]


def translate(status: int, message: str) -> ClientError:
    """Datasette's English ``message`` of a client error, with its Finnish."""
    message = str(message)
    for pattern, finnish, new_status in _MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            values = {key: shown(value) for key, value in match.groupdict().items()}
            return ClientError(new_status or status, finnish.format(**values), one_line(message))
    # Datasette's 404 for an address no route matches says only "404".
    english = "Page not found." if message == "404" else one_line(message) or TITLES.get(status, ("", f"Error {status}"))[1]
    return ClientError(status, GENERIC_FI.get(status, GENERIC_FI[400]), english)


def is_sort_error(exception: BaseException) -> bool:
    """Whether Datasette refused a ``_sort`` / ``_sort_desc`` column (the plugin then names the
    columns that can be sorted by: :func:`with_sortable_columns`)."""
    return str(getattr(exception, "message", "")).startswith("Cannot sort table by ")


def with_sortable_columns(error: ClientError, columns: list[str]) -> ClientError:
    """A sort error that also says which columns the table can be sorted by."""
    if not columns:
        return error
    listed = ", ".join(columns)
    return ClientError(
        error.status,
        f"{error.fi} Järjestää voi sarakkeiden {listed} mukaan.",
        f"{error.en.rstrip('.')}. It can be sorted by {listed}.",
        error.detail,
    )


def from_exception(exception: BaseException) -> ClientError | None:
    """The client error an exception Datasette raised stands for, or ``None`` when it is the
    server's own failure (which stays a 500, with its traceback in the log).

    A 4xx of Datasette (``NotFound``, ``BadRequest``, a ``DatasetteError`` with a 4xx status)
    keeps its status and gets its Finnish. A ``DatasetteError`` with the default status 500 is a
    client error only when its message is one Datasette raises for a request's parameters (a
    sort, a ``_through``: the entries of :data:`_MESSAGES` with a status). ``QueryInterrupted``,
    the SQL time limit, is a client error wherever it escapes (Datasette catches it for HTML and
    JSON, not for the first page of a CSV).
    """
    from datasette.database import QueryInterrupted
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if isinstance(exception, QueryInterrupted):
        return time_limit(sql=getattr(exception, "sql", None))
    if isinstance(exception, Base400):
        return translate(exception.status, exception.args[0] if exception.args else "")
    if isinstance(exception, DatasetteError):
        title = exception.title or ""
        message = str(exception.message)
        if title == "SQL Interrupted":  # its message is HTML, with the SQL in a textarea
            return time_limit()
        if 400 <= exception.status < 500:
            if title == "Invalid SQL":
                return ClientError(
                    exception.status, f"Tietokanta ei hyväksynyt pyyntöä: {shown(message, 300)}", f"Invalid SQL: {one_line(message)}"
                )
            return translate(exception.status, message)
        for pattern, _, status in _MESSAGES:
            if status and pattern.fullmatch(message):
                return translate(status, message)
    return None


# ----------------------------------------------------------------------------- the answer


def response_format(path: str) -> str:
    """How an error to a request for ``path`` is written: ``json`` for ``.json`` and the JSON
    Lines downloads, ``text`` for ``.csv``, ``html`` for everything else (Datasette's own rule
    is only ``.json``)."""
    path = path.partition("?")[0]
    if path.endswith(".json") or path.startswith("/-/jsonl/"):
        return "json"
    if path.endswith(".csv"):
        return "text"
    return "html"


def as_json(error: ClientError) -> dict[str, Any]:
    """The JSON of an error: Datasette's keys (``ok``, ``error``, ``status``, ``title``), with
    ``error`` in both languages, and each language on its own."""
    return {
        "ok": False,
        "error": f"{error.fi} / {error.en}",
        "error_fi": error.fi,
        "error_en": error.en,
        "status": error.status,
        "title": f"{error.title_fi} / {error.title_en}",
        **({"detail": error.detail} if error.detail else {}),
    }


def as_text(error: ClientError) -> str:
    """The plain text of an error (for a ``.csv`` request): a heading line, the Finnish line,
    the English line."""
    lines = [f"Virhe {error.status} / Error {error.status}", error.fi, error.en]
    if error.detail:
        lines += ["", error.detail]
    return "\n".join(lines) + "\n"


async def error_response(datasette, path: str, error: ClientError) -> Any:
    """The answer to a request for ``path`` that failed with ``error``, in its format."""
    from datasette import Response
    from datasette.utils import add_cors_headers

    headers = {}
    if datasette.cors:
        add_cors_headers(headers)
    form = response_format(path)
    if form == "json":
        return Response.json(as_json(error), status=error.status, headers=headers)
    if form == "text":
        return Response.text(as_text(error), status=error.status, headers=headers)
    # As Datasette's own handler renders its error page (datasette/handle_exception.py).
    template = datasette.jinja_env.select_template([f"{error.status}.html", "error.html"])
    context = {
        **as_json(error),
        "error": f"{error.fi} / {error.en}",
        "title_fi": error.title_fi,
        "title_en": error.title_en,
        "urls": datasette.urls,
        "app_css_hash": datasette.app_css_hash(),
        "menu_links": list,  # no menu on an error page, as in Datasette's own
    }
    return Response.html(await template.render_async(context), status=error.status, headers=headers)
