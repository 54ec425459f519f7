"""`choice_label`: the label of a stored choice read from its enumeration, the same as Django's
`get_FOO_display`, in each language."""

import pytest
from django.utils import translation

from dossiers.constants import DeadlineStatus, DossierState, EventAction
from dossiers.models import Dossier, DossierEvent
from dossiers.templatetags.dossier_tags import choice_label
from procedures.constants import Channel


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize(
    ("name", "model", "field", "values"),
    [
        ("action", DossierEvent, "action", EventAction.values),
        ("state", DossierEvent, "to_state", DossierState.values),
        ("channel", Dossier, "channel", Channel.values),
        ("deadline", Dossier, "deadline_status", DeadlineStatus.values),
    ],
)
def test_every_choice_reads_as_django_displays_it(language, name, model, field, values):
    with translation.override(language):
        for value in values:
            assert choice_label(value, name) == getattr(model(**{field: value}), f"get_{field}_display")()


def test_a_value_outside_the_enumeration_is_shown_as_stored():
    assert choice_label("", "state") == ""
    assert choice_label("withdrawn_by_robot", "action") == "withdrawn_by_robot"
