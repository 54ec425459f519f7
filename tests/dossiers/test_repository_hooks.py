"""Kho dữ liệu asks about dossiers only through `repository.hooks`; the dossiers app fills it when Django starts."""

from dossiers.queues import officer_handles_dossier
from dossiers.repository_hooks import HOOKS
from dossiers.services import dossier_file_attach_digitised
from repository.hooks import dossier_hooks


def test_the_dossiers_app_registers_its_answers_when_django_starts():
    hooks = dossier_hooks()

    assert hooks is HOOKS
    assert hooks.officer_handles_dossier is officer_handles_dossier
    assert hooks.attach_digitised is dossier_file_attach_digitised
