"""The short code printed under a signed result's QR code, for a person holding the paper copy.

Twelve characters in three groups (`K7QM-X4PA-R9TC`), read aloud and typed without confusion: the alphabet
leaves out 0/O and 1/I/L, and the last character is a check character (weighted sum modulo 31, a prime, so any
single wrong character and any swap of two neighbours is caught before the database is asked).
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters: no 0, O, 1, I, L
RANDOM_LENGTH = 11
GROUP = 4


def check_character(body: str) -> str:
    total = sum((position + 2) * ALPHABET.index(c) for position, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def new_code() -> str:
    """A new code, stored without the hyphens."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def grouped(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(typed: str) -> str:
    """What a person typed, as stored: upper case, spaces and hyphens removed."""
    return "".join(c for c in (typed or "").upper() if c not in " -.\u00a0")


def is_well_formed(code: str) -> bool:
    """Right length, right alphabet and the check character agrees."""
    return (
        len(code) == RANDOM_LENGTH + 1
        and all(c in ALPHABET for c in code)
        and check_character(code[:-1]) == code[-1]
    )
