"""The demo dossiers come with their retention rows and one paper digitised for a dossier component."""

import json
from pathlib import Path

from dossiers import demo as dossier_demo
from dossiers.models import ArchiveRecord, Dossier
from portal import demo as portal_demo
from procedures.services import catalogue_import
from repository.constants import DossierLinkState
from repository.models import DigitisationJob

CATALOGUE = Path(__file__).resolve().parents[3] / "procedures" / "data" / "catalogue_khanh_hoa.json"


def test_with_the_demo_dossiers_the_archive_and_a_digitisation_for_a_dossier_load_twice(db, pki):
    # given the demo province with its catalogue
    portal_demo.load()
    catalogue_import(records=json.loads(CATALOGUE.read_text(encoding="utf-8")), actor=None)

    # when the dossiers demo is loaded twice
    dossier_demo.load()
    dossier_demo.load()

    # then every finished demo dossier has its retention row
    finished = Dossier.objects.filter(finished_at__isnull=False)
    assert finished.exists()
    assert set(ArchiveRecord.objects.values_list("dossier_id", flat=True)) == set(
        finished.values_list("pk", flat=True)
    )
    # and one paper was digitised for a component of a received dossier, once
    job = DigitisationJob.objects.get(dossier_id__isnull=False)
    assert job.output_document.origin_dossier_id == job.dossier_id
    assert job.dossier_link == DossierLinkState.LINKED
