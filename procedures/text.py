"""Folding Vietnamese text for search: lower case, no diacritics, đ → d, single spaces.

Used on both databases for the stored `Procedure.search_text`; on PostgreSQL the query side is folded by
`unaccent(lower(...))`, which agrees with this function on every Vietnamese letter (tested).
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w.]+")


def fold(text: str) -> str:
    """'Cấp Giấy phép xây dựng – Đắk Lắk' → 'cap giay phep xay dung – dak lak'."""
    text = (text or "").lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def search_words(query: str) -> list[str]:
    """Folded words of a query, punctuation dropped (dots kept: procedure codes look like 1.009972)."""
    words = _NOT_WORD.sub(" ", fold(query)).split()
    return [w.strip(".") for w in words if w.strip(".")]
