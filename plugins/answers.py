"""The analysts' answers (``parser/publish/answers.py``) as pages, JSON, CSV and workbooks.

``/<database>/vastaukset`` lists them; ``/<database>/vastaukset/<slug>`` is one, filtered with
``?period=&fund=&authority=&region=`` and sorted with ``?sort=<column>&desc=1``; the same
address with ``.json``, ``.csv`` or ``.xlsx`` gives exactly the rows shown and the totals row.
"""

from __future__ import annotations

import csv
import io
import urllib.parse

from datasette import Response, hookimpl
from datasette.utils import tilde_decode

from parser.publish import errors
from parser.publish.answers import ANSWERS, COLUMNS, answer
from parser.publish.downloads import XLSX, attachment, write_workbook
from parser.spreadsheet import neutralise_row

async def _database(datasette, request):
    try:
        db = datasette.get_database(route=tilde_decode(request.url_vars["database"]))
    except KeyError:
        return None
    return db if await db.table_exists("project_index") else None


def _headers(question) -> list[str]:
    return [f"{fi or question.heading_fi} – {en or question.heading_en}" for _, fi, en, _ in COLUMNS]


async def answers_index(datasette, request):
    """The list of answers."""
    db = await _database(datasette, request)
    if db is None:
        return await errors.error_response(datasette, request.path, errors.translate(404, "404"))
    return Response.html(await datasette.render_template("esr-answers.html", {"answers": ANSWERS, "database": db.name}, request=request))


async def answer_view(datasette, request):
    """One answer, in the format of the address's extension."""
    db = await _database(datasette, request)
    slug = request.url_vars["slug"]
    if db is None or slug not in {a.slug for a in ANSWERS}:
        return await errors.error_response(datasette, request.path, errors.translate(404, "404"))
    args = {key: request.args.get(key) for key in request.args}
    result = await db.execute_fn(lambda conn: answer(conn, slug, args))
    extension = request.url_vars.get("ext") or ""
    names = [name for name, *_ in COLUMNS]
    rows = result["rows"] + ([result["total"]] if result["total"] else [])
    if extension == ".json":
        return Response.json(
            {**{k: v for k, v in result.items() if k != "question"}, "title": result["question"].title_fi,
             "title_en": result["question"].title_en}, default=str,
        )
    if extension == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(names)
        for row in rows:
            writer.writerow(neutralise_row(row.get(name) for name in names))
        return Response(buffer.getvalue(), content_type="text/csv; charset=utf-8",
                        headers=attachment(slug, "csv"))
    if extension == ".xlsx":
        async def source():
            for row in rows:
                yield row

        file = io.BytesIO()
        await write_workbook(file, slug, _headers(result["question"]), names, source())
        return Response(file.getvalue(), content_type=XLSX, headers=attachment(slug, "xlsx"))
    given = [(key, request.args.get(key)) for key in request.args]
    query = [(key, value) for key, value in given if key not in ("sort", "desc") and value]

    def sorted_by(column: str) -> str:
        descending = "0" if result["sort"] == column and result["descending"] else "1"
        return "?" + urllib.parse.urlencode(query + [("sort", column), ("desc", descending)])

    def download(ext: str) -> str:
        params = urllib.parse.urlencode(given)
        return datasette.urls.path(f"/{db.name}/vastaukset/{slug}{ext}") + (f"?{params}" if params else "")

    context = {"result": result, "columns": COLUMNS, "sorted_by": sorted_by, "download": download, "database": db.name}
    return Response.html(await datasette.render_template("esr-answer.html", context, request=request))


@hookimpl
def register_routes():
    """The list of answers and each answer."""
    return [
        (r"^/(?P<database>[^/.]+)/vastaukset$", answers_index),
        (r"^/(?P<database>[^/.]+)/vastaukset/(?P<slug>[a-z]+)(?P<ext>\.json|\.csv|\.xlsx)?$", answer_view),
    ]
