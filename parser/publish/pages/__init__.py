"""The archive's own pages: one per project, organisation and place (issue 10).

Datasette shows rows of tables; these pages show things. Each has one address
(:mod:`.links`), served by a plugin route that Datasette matches before its own routes
(``plugins/project_page.py``, ``plugins/organisation_page.py``, ``plugins/place_page.py``):

========================================  ==============================================
``/esr/projects/<code>``                  every code of ``project_index`` (:mod:`.project`)
``/esr/organisations/<business ID>``      an organisation with a business ID (:mod:`.organisation`)
``/esr/organisations/nimi/<name>``        one known only by its normalised name, URL-encoded
``/esr/alueet/kunta/<code>``              a municipality, 3 digits (:mod:`.place`)
``/esr/alueet/seutukunta/<code>``         a sub-region, 3 digits
``/esr/alueet/maakunta/<code>``           a region, 2 digits
========================================  ==============================================

Each address with ``.json`` gives the same data for programs. The modules here only read the
archive (a plain ``sqlite3`` connection, so the tests call them as the routes do) and return
plain data; the templates format it with the filters of :mod:`parser.publish.labels` and
escape it (no ``|safe`` on data).
"""
