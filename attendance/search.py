"""Search as people type (issue 13, item 7): names without diacritics or titles, numbers with or without spaces.

"Muhammad Hasan" must find "Dr. H. Muḥammad Ḥasan Basri, M.Pd.", and "1978 0512 2003 12 1 003" the
NIP 197805122003121003. Comparing folded text per query in Python would not use the database and
would differ between SQLite and PostgreSQL (their case folding of non-ASCII letters differs), so
each participant keeps two normalised columns, maintained on every write (Participant.save and
the QuerySet's bulk_create/bulk_update): ``search_name`` (``fold_name`` of the full name) and
``id_digits`` (the identity number's digits). Every search (the desk's, the coordinators' and
organisers' list, the API's ``search``) folds the query the same way and matches those columns.
"""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Q

# Marks inside a name that join its parts rather than separate them: Syu'aib, Ma’ruf, ʿAbd.
_JOINERS = re.compile(r"['’‘`ʼʻʿʾ]")
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_DIGIT = re.compile(r"\D")


def fold_name(text: str) -> str:
    """``Dr. H. Muḥammad Ḥasan Basri, M.Pd.`` → ``dr h muhammad hasan basri m pd``.

    Diacritics removed (NFKD, combining marks dropped), case folded, punctuation turned into
    single spaces, apostrophes inside names dropped.
    """
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _JOINERS.sub("", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def digits_only(text: str) -> str:
    """An identity number's digits: ``1978 0512.2003-12 1 003`` → ``197805122003121003``."""
    return _NOT_DIGIT.sub("", text or "")


def name_match(text: str, prefix: str = "participant__") -> Q | None:
    """People whose folded name contains every folded word of ``text`` (any order); None for no words."""
    words = fold_name(text).split()
    if not words:
        return None
    match = Q()
    for word in words:
        match &= Q(**{f"{prefix}search_name__contains": word})
    return match


def looks_like_number(text: str) -> bool:
    """A number as people type it: digits, spaces, dots and dashes only, with at least one digit."""
    return bool(digits_only(text)) and re.fullmatch(r"[\d\s.\-]+", text or "") is not None
