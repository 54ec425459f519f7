"""PAKN pages: file (anyone), follow by code and secret, the public page of answers, and the officers' queue
with assignment and answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from portal import ratelimit
from portal.errors import ApplicationError
from portal.models import User
from procedures.models import Procedure

from ..models import Dossier, Feedback
from ..views.lookup import no_store, secret_lookup
from . import permissions, selectors, services
from .constants import FeedbackCategory, FeedbackState
from .forms import AnswerForm, AssignForm, FeedbackForm, FollowForm


def file(request):
    """Anyone files a feedback. Filing is limited per client address (FEEDBACK_FILE_* settings)."""
    form = FeedbackForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limit = ratelimit.feedback_limit()
        if not ratelimit.allow(limit, request):
            form.add_error(
                None,
                _("Bạn đã gửi quá nhiều phản ánh. Vui lòng thử lại sau %(m)s phút.") % {"m": limit.minutes},
            )
            status = 429
        else:
            data = form.cleaned_data
            procedure = (
                Procedure.objects.filter(code=data["ma_thu_tuc"].strip()).first()
                if data["ma_thu_tuc"]
                else None
            )
            dossier = (
                Dossier.objects.filter(code=data["ma_ho_so"].strip().upper()).first()
                if data["ma_ho_so"]
                else None
            )
            try:
                feedback = services.feedback_file(
                    data=services.FeedbackInput(
                        category=data["loai"],
                        title=data["tieu_de"],
                        body=data["noi_dung"],
                        name=data["ho_ten"],
                        phone=data["dien_thoai"],
                        email=data["email"],
                        private=data["rieng_tu"],
                        procedure=procedure,
                        dossier=dossier,
                        agency=data["co_quan"],
                    ),
                    user=request.user,
                    attachment=data.get("tep"),
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Đã gửi phản ánh. Hãy ghi lại mã phản ánh và mã tra cứu để theo dõi kết quả."),
                )
                query = urlencode({"ma": feedback.code, "ma_tra_cuu": feedback.lookup_secret})
                return redirect(f"{reverse('feedback:follow')}?{query}")
    return render(request, "dossiers/feedback/file.html", {"form": form}, status=status)


def follow(request):
    """The person follows a feedback by its code and lookup secret, limited like the dossier lookup."""
    feedback, context, status = secret_lookup(request, FollowForm, selectors.feedback_lookup)
    if feedback is not None:
        context["feedback"] = feedback
    return no_store(render(request, "dossiers/feedback/follow.html", context, status=status))


def public_list(request):
    query = (request.GET.get("q") or "").strip()[:100]
    category = request.GET.get("loai") or ""
    if category not in FeedbackCategory.values:
        category = ""
    page = Paginator(selectors.feedback_published(query=query, category=category), 20).get_page(
        request.GET.get("trang")
    )
    return render(
        request,
        "dossiers/feedback/public_list.html",
        {"page": page, "query": query, "category": category, "categories": FeedbackCategory.choices},
    )


def public_detail(request, pk: int):
    feedback = selectors.feedback_public(pk=pk)
    if feedback is None:
        raise Http404
    return render(request, "dossiers/feedback/public_detail.html", {"feedback": feedback})


def _handled(request, pk: int) -> Feedback:
    feedback = get_object_or_404(
        Feedback.objects.select_related("agency", "assignee", "procedure", "dossier"), pk=pk
    )
    if not permissions.can_handle(request.user, feedback):
        raise Http404
    return feedback


@login_required
def queue(request):
    agency_ids = permissions.handled_agency_ids(request.user)
    if agency_ids is not None and not agency_ids:
        raise Http404
    state = request.GET.get("trang_thai") or ""
    if state not in FeedbackState.values:
        state = ""
    overdue = request.GET.get("qua_han") == "1"
    now = timezone.now()
    items = selectors.feedback_queue(agency_ids=agency_ids, state=state, overdue_at=now if overdue else None)
    page = Paginator(items, 25).get_page(request.GET.get("trang"))
    return render(
        request,
        "dossiers/feedback/queue.html",
        {"page": page, "state": state, "states": FeedbackState.choices, "overdue": overdue, "now": now},
    )


@login_required
def handle(request, pk: int):
    feedback = _handled(request, pk)
    officers = (
        User.objects.filter(
            agency_memberships__agency_id=feedback.agency_id,
            agency_memberships__active=True,
            agency_memberships__role__in=permissions.HANDLER_ROLES,
        )
        .distinct()
        .order_by("full_name")
    )
    assign_form = AssignForm(officers=officers)
    answer_form = AnswerForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "assign" and permissions.can_assign(request.user, feedback):
                assign_form = AssignForm(request.POST, officers=officers)
                if assign_form.is_valid():
                    services.feedback_assign(
                        feedback=feedback, actor=request.user, assignee=assign_form.cleaned_data["can_bo"]
                    )
                    messages.success(request, _("Đã phân công xử lý."))
                    return redirect("feedback:handle", pk=feedback.pk)
            elif action == "answer" and permissions.can_answer(request.user, feedback):
                answer_form = AnswerForm(request.POST)
                if answer_form.is_valid():
                    services.feedback_answer(
                        feedback=feedback, actor=request.user, answer=answer_form.cleaned_data["tra_loi"]
                    )
                    messages.success(request, _("Đã gửi trả lời."))
                    return redirect("feedback:handle", pk=feedback.pk)
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "dossiers/feedback/handle.html",
        {
            "feedback": feedback,
            "events": list(feedback.events.select_related("actor")),
            "assign_form": assign_form if permissions.can_assign(request.user, feedback) else None,
            "answer_form": answer_form if permissions.can_answer(request.user, feedback) else None,
            "now": timezone.now(),
        },
    )


@login_required
def attachment(request, pk: int):
    feedback = _handled(request, pk)
    if not feedback.attachment:
        raise Http404
    response = FileResponse(
        feedback.attachment.open("rb"),
        as_attachment=True,
        filename=feedback.attachment_name or "dinh-kem",
        content_type=feedback.attachment_mime,
    )
    response["Cache-Control"] = "private, no-store"
    return response
