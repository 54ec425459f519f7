"""The short verification code under a result's QR code: unambiguous, grouped, self-checking; old codes still
verify."""

from __future__ import annotations

import pytest

from repository import selectors, services, verification_codes
from repository.verification_codes import ALPHABET, grouped, is_well_formed, new_code, normalise


def test_a_new_code_is_twelve_unambiguous_characters_in_three_groups():
    code = new_code()
    assert len(code) == 12 and is_well_formed(code)
    assert not set(code) & set("01OIL")
    assert len(grouped(code)) == 14 and grouped(code).count("-") == 2


@pytest.mark.parametrize("position", range(12))
def test_any_single_wrong_character_is_caught(position):
    code = new_code()
    for wrong in ALPHABET:
        if wrong != code[position]:
            assert not is_well_formed(code[:position] + wrong + code[position + 1 :])


def test_swapping_two_neighbours_is_caught():
    code = new_code()
    for i in range(11):
        if code[i] != code[i + 1]:
            swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
            assert not is_well_formed(swapped)


def test_what_a_person_types_is_normalised():
    code = new_code()
    assert normalise(grouped(code).lower().replace("-", " ")) == code


def test_both_the_short_code_and_the_old_code_find_the_document(issued_result):
    document = issued_result
    assert verification_codes.is_well_formed(document.verification_code)
    found = selectors.document_for_verification_code(grouped(document.verification_code).lower())
    assert found == document
    assert (
        selectors.document_for_verification_code(f"{document.pk}-{document.verification_token}") == document
    )
    assert selectors.document_for_verification_code(new_code()) is None
    # The stamp on the paper prints the short code.
    assert services.verification_code(document) == grouped(document.verification_code)


def test_a_mistyped_code_is_explained_before_anything_is_looked_up(client, db):
    code = new_code()
    wrong = code[:3] + ("A" if code[3] != "A" else "B") + code[4:]
    response = client.post("/kho-du-lieu/xac-thuc/", {"code": grouped(wrong)})
    assert "Mã xác thực có ký tự bị gõ sai" in response.content.decode()
