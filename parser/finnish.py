"""Facts of the Finnish language that more than one stage uses.

The reference stage forms the genitives of place names (``Kuopio`` → ``Kuopion``, ``Turku`` →
``Turun``) and the search stage finds the other inflected forms of a word (``asunnon`` ↔
``asunto``); both rest on the letters and on consonant gradation, declared here once.
"""

from __future__ import annotations

#: Finnish vowels. ``å`` is not one: it occurs only in Swedish names (Åland, Närpes).
VOWELS = frozenset("aeiouyäö")
#: Consonants, with the š and ž of loanwords.
CONSONANTS = frozenset("bcdfghjklmnpqrstvwxzšž")

#: Conjunctions (with their Swedish and English counterparts, which the documents also use):
#: a suspended hyphen keeps its space before one (``sosiaali- ja terveyspalvelut``), and one
#: between two addresses separates them.
CONJUNCTIONS = frozenset({"ja", "tai", "sekä", "eli", "että", "kuin", "vai", "ynnä", "and", "or", "och", "eller"})

#: Consonant gradation in a stem's last syllable: the strong grade → its weak grades, the one
#: before a genitive's ``-n`` first. These always weaken in native words (Lappeenranta →
#: Lappeenrannan, Turku → Turun); ``lk`` and ``rk`` become ``lj`` and ``rj`` before an ``e``
#: (jälki → jäljen).
GRADATION: dict[str, tuple[str, ...]] = {
    "kk": ("k",), "pp": ("p",), "tt": ("t",),
    "nk": ("ng",), "mp": ("mm",), "lt": ("ll",), "nt": ("nn",), "rt": ("rr",), "ht": ("hd",),
    "lk": ("l", "lj"), "rk": ("r", "rj"), "lp": ("lv",), "rp": ("rv",),
}  # fmt: skip
#: Single consonants (and ``hk``) that weaken in most native words but not in all (auto → auton
#: but katu → kadun; ``k`` may vanish: reikä → reiän).
UNCERTAIN_GRADATION: dict[str, tuple[str, ...]] = {"k": ("",), "t": ("d",), "p": ("v",), "hk": ("h",)}
#: Weak grades that are too common as plain letters to be strengthened back when a stem is
#: guessed: every ``l`` is not a weakened ``lk``.
AMBIGUOUS_WEAK_GRADES = frozenset({"", "l", "r", "h"})


def other_grades(cluster: str) -> tuple[str, ...]:
    """The other grades of a stem's last consonant cluster, both ways: ``nt`` → ``nn``, ``nn``
    → ``nt``, ``p`` → ``v``, ``pp``. Empty for a cluster that does not alternate."""
    out: dict[str, None] = {}
    for table in (GRADATION, UNCERTAIN_GRADATION):
        out.update(dict.fromkeys(weak for weak in table.get(cluster, ()) if weak))
    if cluster not in AMBIGUOUS_WEAK_GRADES:
        for table in (GRADATION, UNCERTAIN_GRADATION):
            out.update(dict.fromkeys(strong for strong, weaks in table.items() if cluster in weaks))
    return tuple(out)
