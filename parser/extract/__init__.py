"""Extract: from a document's clean lines to the project it describes.

:mod:`.layouts` declares each description layout as data, :mod:`.engine` reads any layout's
sections and fields, :mod:`.values` types every value (euros, dates, business IDs …).
"""

from .engine import ParsedText, parse_lines

__all__ = ["ParsedText", "parse_lines"]
