"""Cleaning text people type before it is stored and printed."""

from __future__ import annotations

# Unicode bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069) and the
# invisible direction marks (U+200E, U+200F, U+061C). Vietnamese never needs them, and an override makes a name
# or a file name print reversed on a receipt ("gnảH nễyugN" or "hoa-don‮fdp.exe").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_DELETE_BIDI = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi_controls(value: str) -> str:
    return value.translate(_DELETE_BIDI)
