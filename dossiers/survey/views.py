"""Survey pages: the applicant rates a delivered dossier from its page; at the desk, the intake officer opens a
tablet-sized page and hands the tablet to the person; leaders read the results per agency and officer."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import ApplicationError

from ..models import Dossier
from . import permissions, selectors, services
from .constants import QUESTIONS, SurveyChannel
from .forms import PeriodForm, SurveyForm


def _answer(request, dossier: Dossier, *, channel: str, template: str, done_url: str):
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_submit(
                dossier=dossier,
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
                channel=channel,
                recorded_by=request.user if channel == SurveyChannel.DESK else None,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Cảm ơn ông/bà đã đánh giá chất lượng phục vụ."))
            return redirect(done_url)
    return render(
        request,
        template,
        {
            "dossier": dossier,
            "form": form,
            "survey": selectors.survey_of(dossier=dossier),
            "open": selectors.survey_is_open(dossier=dossier),
        },
    )


@login_required
def rate(request, pk: int):
    dossier = get_object_or_404(Dossier.objects.select_related("procedure_version"), pk=pk)
    if not permissions.can_rate_online(request.user, dossier):
        raise Http404
    return _answer(
        request,
        dossier,
        channel=SurveyChannel.ONLINE,
        template="dossiers/survey/rate.html",
        done_url=reverse("dossiers:detail", args=[dossier.pk]),
    )


@login_required
def desk(request, pk: int):
    dossier = get_object_or_404(Dossier.objects.select_related("procedure_version"), pk=pk)
    if not permissions.can_host_desk_survey(request.user, dossier):
        raise Http404
    return _answer(
        request,
        dossier,
        channel=SurveyChannel.DESK,
        template="dossiers/survey/desk.html",
        done_url=reverse("survey:desk", args=[dossier.pk]),
    )


@login_required
def results(request):
    agency_ids = permissions.result_agency_ids(request.user)
    if agency_ids is not None and not agency_ids:
        raise Http404
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(data["tu_ngay"], dt.time.min, tz) if data.get("tu_ngay") else None
    end = (
        dt.datetime.combine(data["den_ngay"] + dt.timedelta(days=1), dt.time.min, tz)
        if data.get("den_ngay")
        else None
    )
    return render(
        request,
        "dossiers/survey/results.html",
        {
            "form": form,
            "questions": QUESTIONS,
            "agencies": selectors.satisfaction_by_agency(start=start, end=end, agency_ids=agency_ids),
            "officers": selectors.satisfaction_by_officer(start=start, end=end, agency_ids=agency_ids),
            "comments": selectors.survey_comments(start=start, end=end, agency_ids=agency_ids),
        },
    )
