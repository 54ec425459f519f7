"""Catalogue search that ignores diacritics and case ("giay phep xay dung" finds "Giấy phép xây dựng").

`Procedure.search_text` holds the folded code and name (procedures.text.fold, kept up to date by the services).
- PostgreSQL: each query word is folded like the stored text and matched as a constant LIKE pattern against the
  GIN trigram index (pg_trgm); results are ranked by trigram word similarity. A word that appears nowhere in the catalogue
  is replaced by the catalogue's most similar words (pg_trgm `%`), which forgives a typo ("giay phep xay dungg").
- SQLite: the query is folded in Python and every word must appear (icontains); results whose text contains the
  whole phrase come first.
"""

from __future__ import annotations

import re
import time

from django.core.cache import cache
from django.db import connections
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, QuerySet, Value, When

from .text import fold, search_words

_WORD = re.compile(r"[\w.]+")
MAX_WORDS = 12
VOCABULARY_SECONDS = 3600
VOCABULARY_CHECK_SECONDS = 30
_vocabulary_state: dict[str, tuple[float, str]] = {}


def _raw_words(query: str) -> list[str]:
    words = [w.strip(".") for w in _WORD.findall(query or "")]
    return [w for w in words if w][:MAX_WORDS]


def _vocabulary(using: str) -> tuple[str, frozenset[str]]:
    """Every folded word of the catalogue, cached per state of the procedure table (count and last change),
    with the cache key naming that state. The state itself is read at most every VOCABULARY_CHECK_SECONDS
    per process: a word added to the catalogue is known to the typo check within that time (the search
    itself always reads the table)."""
    now = time.monotonic()
    checked = _vocabulary_state.get(using)
    if checked is None or now - checked[0] >= VOCABULARY_CHECK_SECONDS:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT count(*), max(updated_at) FROM procedures_procedure")
            count, changed = cursor.fetchone()
        checked = _vocabulary_state[using] = (
            now,
            f"procedures:search-vocabulary:{count}:{changed.isoformat() if changed else ''}",
        )
    key = checked[1]
    words = cache.get(key)
    if words is None:
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT unnest(string_to_array(search_text, ' ')) FROM procedures_procedure"
            )
            words = frozenset(row[0] for row in cursor.fetchall())
        cache.set(key, words, VOCABULARY_SECONDS)
    return key, words


def _corrections(using: str, word: str, vocabulary: tuple[str, frozenset[str]]) -> list[str]:
    """The catalogue's words closest to a word it does not contain (pg_trgm similarity), best first; kept
    with the vocabulary, as the same slips of the keyboard come back (matching the word against the whole
    vocabulary costs more than the search itself)."""
    key, words = vocabulary
    cache_key = f"{key}:closest:{fold(word)}"
    closest = cache.get(cache_key)
    if closest is None:
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT known FROM unnest(%s::text[]) AS known WHERE known %% unaccent(lower(%s)) "
                "ORDER BY similarity(known, unaccent(lower(%s))) DESC, known LIMIT 3",
                [sorted(words), word, word],
            )
            closest = [row[0] for row in cursor.fetchall()]
        cache.set(cache_key, closest, VOCABULARY_SECONDS)
    return closest


def _filter_postgres(versions: QuerySet, query: str) -> QuerySet:
    words = _raw_words(query)
    vocabulary = _vocabulary(versions.db)
    matched = versions
    for word in words:
        folded = fold(word)
        if any(folded in known for known in vocabulary[1]):
            # A constant pattern, folded the way `search_text` itself is folded (procedures.text.fold): the
            # planner estimates it from the trigram statistics and answers it from the GIN index, which an
            # expression evaluated per query (unaccent(lower(...))) does not let it do.
            matched = matched.filter(procedure__search_text__contains=folded)
            continue
        # A word found nowhere in the catalogue is probably mistyped ("dungg"): look for the closest words
        # the catalogue does contain and accept any of them.
        alternatives = Q(pk__in=[])
        for known in _corrections(versions.db, word, vocabulary):
            alternatives |= Q(procedure__search_text__contains=known)
        matched = matched.filter(alternatives)
    # The phrase folded here, like the patterns: `unaccent` is not immutable, so PostgreSQL would fold a
    # constant given to it once for every row it ranks.
    rank = Func(
        Value(fold(" ".join(words))),
        F("procedure__search_text"),
        function="word_similarity",
        output_field=FloatField(),
    )
    # alias(), not annotate(): the count of results does not compute the rank.
    return matched.alias(rank=rank).order_by("-rank", "procedure__code")


def _filter_python(versions: QuerySet, query: str) -> QuerySet:
    words = search_words(query)[:MAX_WORDS]
    for word in words:
        versions = versions.filter(procedure__search_text__icontains=word)
    phrase = " ".join(words)
    rank = Case(
        When(procedure__search_text__icontains=phrase, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    return versions.alias(rank=rank).order_by("-rank", "procedure__code")


def search_versions(versions: QuerySet, query: str) -> QuerySet:
    """Narrow a queryset of ProcedureVersion to those whose procedure matches `query`, best first."""
    if not fold(query):
        return versions.order_by("procedure__code")
    if connections[versions.db].vendor == "postgresql":
        return _filter_postgres(versions, query)
    return _filter_python(versions, query)
