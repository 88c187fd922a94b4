"""The archive's own pages (issue 10): one per project, organisation and place.

Routes registered here are matched before Datasette's own, so ``/esr/projects/<code>`` is
the page of *every* project the archive knows (``project_index``), not only of the described
ones whose ``projects`` row Datasette would show; the raw rows stay at their tables
(``/esr/projects?code=…``) and in every format (``/esr/projects/S10962.csv``). A code or name
the archive does not know is a 404 in Finnish and English. The data comes from
``parser/publish/pages/`` and the pages are ``templates/esr-*.html``; ``.json`` on any of the
addresses gives the same data as one nested record.
"""

from __future__ import annotations

import urllib.parse

from datasette import Response, hookimpl
from datasette.utils import tilde_decode
from markupsafe import Markup, escape

from parser.publish import errors
from parser.publish.labels import count, euros, finnish_date, finnish_moment, percent
from parser.publish.pages.links import NAME_KEY, PLACE_LEVEL_OF, PLACE_WORDS, Links, key_candidates
from parser.publish.pages.organisation import organisation_page
from parser.publish.pages.place import place_page
from parser.publish.pages.project import project_page

#: The table every page needs: an archive without it (another database) has no such pages.
INDEX_TABLE = "project_index"
#: Columns of the municipality key that link to a place page: column → level.
PLACE_COLUMNS = {"municipality_code": "municipality", "subregion_code": "subregion", "region_code": "region"}


class _NotFound(Exception):
    """What a page's address names does not exist: the English message of its 404."""


async def _archive(datasette, request):
    """The database of the request's address, with the archive's links."""
    route = tilde_decode(request.url_vars["database"])
    try:
        db = datasette.get_database(route=route)
    except KeyError:
        raise _NotFound(f"Database not found: {route}")
    if not await db.table_exists(INDEX_TABLE):
        raise _NotFound(f"No project pages in database {db.name}")
    return db, Links(db.name, datasette.urls.path)


def _answering_404(view):
    """``view`` answering its :class:`_NotFound` with the archive's bilingual 404 itself:
    Datasette's own 404 would first redirect an address with a percent escape to its tilde
    form (a name page's address always has some)."""

    async def answered(datasette, request):
        try:
            return await view(datasette, request)
        except _NotFound as missing:
            return await errors.error_response(datasette, request.path, errors.translate(404, str(missing)))

    answered.__doc__ = view.__doc__
    return answered


async def _answer(datasette, request, template: str, data: dict, context: dict) -> Response:
    if request.url_vars.get("ext") == ".json":
        return Response.json(data, default=str)
    return Response.html(await datasette.render_template(template, context, request=request))


async def project_view(datasette, request):
    """``/<database>/projects/<code>`` and ``.json``."""
    db, links = await _archive(datasette, request)
    for code in key_candidates(request.url_vars["code"]):
        found = await db.execute_fn(lambda conn: project_page(conn, code, links))
        if found is not None:
            record, view = found
            return await _answer(datasette, request, "esr-project.html", record, {"project": view, "record": record, "database": db.name})
    raise _NotFound(f"No such project: {tilde_decode(request.url_vars['code'])}")


async def organisation_view(datasette, request):
    """``/<database>/organisations/<business ID>`` and ``/<database>/organisations/nimi/<name>``."""
    db, links = await _archive(datasette, request)
    raw = request.url_vars["key"]
    by_name = request.url_vars.get("kind") == "nimi"
    # A name's address is percent-encoded (Links.organisation); a tilde form is accepted too.
    candidates = [NAME_KEY + key for key in key_candidates(raw)] if by_name else key_candidates(raw)
    for key in candidates:
        found = await db.execute_fn(lambda conn: organisation_page(conn, key, links))
        if found is not None:
            return await _answer(datasette, request, "esr-organisation.html", found, {"organisation": found, "database": db.name})
    raise _NotFound(f"No such organisation: {candidates[-1][len(NAME_KEY):] if by_name else candidates[0]}")


async def place_view(datasette, request):
    """``/<database>/alueet/kunta|seutukunta|maakunta/<code>``."""
    db, links = await _archive(datasette, request)
    level = PLACE_LEVEL_OF[request.url_vars["word"]]
    code = urllib.parse.unquote(request.url_vars["code"])
    found = await db.execute_fn(lambda conn: place_page(conn, level, code, links))
    if found is None:
        raise _NotFound(f"No such place: {request.url_vars['word']} {code}")
    return await _answer(datasette, request, "esr-place.html", found, {"place": found, "database": db.name})


@hookimpl
def register_routes():
    """The three kinds of page; a dot never belongs to a key here (a row's ``.csv`` stays
    Datasette's)."""
    words = "|".join(PLACE_LEVEL_OF)
    return [
        (r"^/(?P<database>[^/.]+)/projects/(?P<code>[^/.]+)(?P<ext>\.json)?$", _answering_404(project_view)),
        (r"^/(?P<database>[^/.]+)/organisations/(?P<kind>nimi)/(?P<key>[^/.]+)(?P<ext>\.json)?$", _answering_404(organisation_view)),
        (r"^/(?P<database>[^/.]+)/organisations/(?P<key>[^/.]+)(?P<ext>\.json)?$", _answering_404(organisation_view)),
        (rf"^/(?P<database>[^/.]+)/alueet/(?P<word>{words})/(?P<code>[^/.]+)(?P<ext>\.json)?$", _answering_404(place_view)),
    ]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A code of the municipality key, or a matched place of a project, links to its page."""
    if not value:
        return None
    if table == "municipalities" and column in PLACE_COLUMNS:
        level = PLACE_COLUMNS[column]
    elif table == "project_areas" and column == "code" and row is not None and row["level"] in PLACE_WORDS:
        level = row["level"]
    else:
        return None
    links = Links(database, datasette.urls.path)
    return Markup(f'<a href="{escape(links.place(level, str(value)))}">{escape(value)}</a>')


@hookimpl
def prepare_jinja2_environment(env):
    """The number and date formats of the pages, as Jinja filters."""
    env.filters["euros"] = euros
    env.filters["percent"] = percent
    env.filters["count_fi"] = count
    env.filters["fi_date"] = finnish_date
    env.filters["fi_moment"] = finnish_moment
