"""ESR-arkisto: Finnish ESF project descriptions into validated records.

The pipeline, one module per stage: :mod:`parser.read` (bytes → lines), :mod:`parser.clean`
(furniture, breaks), :mod:`parser.layouts` (layout declarations), :mod:`parser.engine`
(layout → sections → fields), :mod:`parser.values` (typed values), :mod:`parser.records`
(pydantic models), :mod:`parser.pipeline` (one file), :mod:`parser.runner` (many files,
bounded), :mod:`parser.cli` (the ``esr`` command).
"""

__version__ = "0.1.0"
