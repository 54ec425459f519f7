from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("notifications/_dossier_status.html", takes_context=True)
def dossier_notifications(context, dossier):
    """Delivery status of the dossier's SMS, Zalo and e-mail messages: the applicant sees their own,
    officers every recipient's."""
    user = context["request"].user
    own_only = not getattr(user, "is_officer", False)
    rows = list(
        selectors.delivery_status_for_dossier(dossier_id=dossier.pk, recipient=user if own_only else None)[
            :20
        ]
    )
    return {"rows": rows}
