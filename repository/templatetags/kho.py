"""Template tags of Kho dữ liệu for other apps' pages: `{% load kho %}{% held_by_applicant dossier %}`."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("repository/_held_by_applicant.html")
def held_by_applicant(dossier):
    """What the applicant of `dossier` already holds in Kho dữ liệu, per component (once-only), for the desk."""
    return {"held": selectors.documents_held_for_dossier(dossier), "dossier": dossier}
