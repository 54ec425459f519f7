"""Catalogue search that ignores diacritics and case ("giay phep xay dung" finds "Giấy phép xây dựng").

`Procedure.search_text` holds the folded code and name (procedures.text.fold, kept up to date by the services).
- PostgreSQL: each query word is folded by `unaccent(lower(...))` and matched with LIKE against the GIN trigram
  index (pg_trgm); results are ranked by trigram word similarity. When no procedure contains every word, a
  trigram word-similarity match (`<%`) of every word forgives a typo ("giay phep xay dungg").
- SQLite: the query is folded in Python and every word must appear (icontains); results whose text contains the
  whole phrase come first.
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import BooleanField, Case, F, FloatField, Func, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from .text import fold, search_words

_WORD = re.compile(r"[\w.]+")
MAX_WORDS = 12


def _raw_words(query: str) -> list[str]:
    words = [w.strip(".") for w in _WORD.findall(query or "")]
    return [w for w in words if w][:MAX_WORDS]


def _pg_fold(value: str) -> Func:
    return Func(Lower(Value(value)), function="unaccent")


def _filter_postgres(versions: QuerySet, query: str) -> QuerySet:
    words = _raw_words(query)
    matched = versions
    for word in words:
        matched = matched.filter(procedure__search_text__contains=_pg_fold(word))
    rank = Func(
        _pg_fold(" ".join(words)),
        F("procedure__search_text"),
        function="word_similarity",
        output_field=FloatField(),
    )
    if words and not matched.exists():
        # Forgive a typo: every word is similar enough to a word of the procedure's name (pg_trgm `<%`).
        matched = versions
        for word in words:
            matched = matched.filter(
                RawSQL(
                    "unaccent(lower(%s)) <%% procedures_procedure.search_text",
                    [word],
                    output_field=BooleanField(),
                )
            )
    return matched.annotate(rank=rank).order_by("-rank", "procedure__code")


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
    return versions.annotate(rank=rank).order_by("-rank", "procedure__code")


def search_versions(versions: QuerySet, query: str) -> QuerySet:
    """Narrow a queryset of ProcedureVersion to those whose procedure matches `query`, best first."""
    if not fold(query):
        return versions.order_by("procedure__code")
    if connections[versions.db].vendor == "postgresql":
        return _filter_postgres(versions, query)
    return _filter_python(versions, query)
