"""Pages: the inbox, the person's notification settings, and the administrators' templates and failures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import ratelimit
from portal.constants import Role
from portal.errors import ApplicationError
from portal.safe_url import safe_redirect_target

from . import contacts, rendering, selectors, services
from .constants import Channel, ContactKind, Kind, Status
from .forms import ContactForm, PreferencesForm, TemplateForm, VerifyForm
from .models import MessageTemplate, Notification, Preference


def _administrator(request) -> None:
    if not request.user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied


def _form_error(form, exc: ApplicationError) -> None:
    errors = (exc.extra or {}).get("errors") or {}
    for field, message in errors.items():
        form.add_error(field if field in form.fields else None, message)
    if not errors:
        form.add_error(None, exc.message)


@login_required
def inbox(request):
    if request.method == "POST":
        services.inbox_mark_all_read(actor=request.user)
        messages.success(request, _("Đã đánh dấu tất cả thông báo là đã đọc."))
        return redirect("notifications:inbox")
    page = Paginator(selectors.inbox_for(request.user), 20).get_page(request.GET.get("trang"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_POST
@login_required
def open_notification(request, pk: int):
    """Mark one inbox message read and go to its dossier."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user, channel=Channel.INBOX)
    services.inbox_mark_read(notification=notification, actor=request.user)
    fallback = "/thong-bao/"
    target = notification.link if notification.link.startswith("/") else fallback
    return redirect(safe_redirect_target(request, target, fallback=fallback))


def _settings_context(request, *, preferences_form=None, contact_forms=None, verify_forms=None):
    subscriber = services.subscriber_for(request.user)
    current = {p.kind: p.channels for p in Preference.objects.filter(user=request.user)}
    pending = {
        kind: contacts.ContactVerification.objects.filter(
            user=request.user, kind=kind, verified_at__isnull=True
        ).exists()
        for kind in ContactKind.values
    }
    return {
        "subscriber": subscriber,
        "form": preferences_form
        or PreferencesForm(user=request.user, current=current, language=subscriber.language),
        "phone_form": (contact_forms or {}).get(ContactKind.PHONE)
        or ContactForm(initial={"kind": ContactKind.PHONE, "value": subscriber.phone or request.user.phone}),
        "email_form": (contact_forms or {}).get(ContactKind.EMAIL)
        or ContactForm(initial={"kind": ContactKind.EMAIL, "value": subscriber.email or request.user.email}),
        "phone_verify": (verify_forms or {}).get(ContactKind.PHONE) or VerifyForm(initial={"kind": "phone"}),
        "email_verify": (verify_forms or {}).get(ContactKind.EMAIL) or VerifyForm(initial={"kind": "email"}),
        "pending": pending,
    }


@login_required
def preferences(request):
    if request.method == "POST":
        subscriber = services.subscriber_for(request.user)
        form = PreferencesForm(request.POST, user=request.user, current={}, language=subscriber.language)
        if form.is_valid():
            try:
                services.preferences_save(
                    user=request.user, choices=form.choices(), language=form.cleaned_data["language"]
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Đã lưu lựa chọn nhận thông báo."))
                return redirect("notifications:preferences")
        return render(
            request, "notifications/preferences.html", _settings_context(request, preferences_form=form)
        )
    return render(request, "notifications/preferences.html", _settings_context(request))


def _contact_step(request, form, *, act, done: str, forms_key: str):
    """One step of verifying a phone or e-mail: run `act(cleaned_data)`, or show the form again with its error."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ApplicationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("notifications:preferences")
    kind = form.data.get("kind") if form.data.get("kind") in ContactKind.values else ContactKind.PHONE
    return render(
        request, "notifications/preferences.html", _settings_context(request, **{forms_key: {kind: form}})
    )


def _refused(limit: ratelimit.Limit, field: str, what: str) -> ApplicationError:
    message = _("Bạn đã %(what)s quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.") % {
        "what": what,
        "minutes": limit.minutes,
    }
    return ApplicationError(message, code="rate_limited", extra={"errors": {field: message}})


def _send_code(request, data) -> None:
    """Send a code, at most NOTIFY_CODE_SEND_LIMIT per window from one client and for one account."""
    limit = ratelimit.contact_code_send_limit()
    client_ok = ratelimit.allow(limit, request)
    if not (ratelimit.allow(limit, request, key="user") and client_ok):
        raise _refused(limit, "value", _("yêu cầu gửi mã xác minh"))
    contacts.contact_verification_start(user=request.user, kind=data["kind"], value=data["value"])


def _check_code(request, data) -> None:
    """Check a code; wrong codes are counted per client and per account (a guessing game)."""
    limit = ratelimit.contact_code_verify_limit()
    if ratelimit.is_blocked(limit, request) or ratelimit.is_blocked(limit, request, key="user"):
        raise _refused(limit, "code", _("nhập sai mã xác minh"))
    try:
        contacts.contact_verify(user=request.user, kind=data["kind"], code=data["code"])
    except ApplicationError as exc:
        if exc.code == "wrong_code":
            ratelimit.hit(limit, request)
            ratelimit.hit(limit, request, key="user")
        raise


@require_POST
@login_required
def contact_start(request):
    return _contact_step(
        request,
        ContactForm(request.POST),
        act=lambda data: _send_code(request, data),
        done=_("Đã gửi mã xác minh. Nhập mã để xác nhận."),
        forms_key="contact_forms",
    )


@require_POST
@login_required
def contact_verify(request):
    return _contact_step(
        request,
        VerifyForm(request.POST),
        act=lambda data: _check_code(request, data),
        done=_("Đã xác minh. Bạn có thể chọn nhận thông báo qua kênh này."),
        forms_key="verify_forms",
    )


LANGUAGES = ("vi", "en")


@login_required
def template_list(request):
    _administrator(request)
    saved = {(t.kind, t.channel, t.language) for t in MessageTemplate.objects.all()}
    rows = [
        {
            "kind": kind,
            "label": Kind(kind).label,
            "cells": [
                {"channel": channel, "language": language, "custom": (kind, channel, language) in saved}
                for channel in Channel.values
                for language in LANGUAGES
            ],
        }
        for kind in Kind.values
    ]
    return render(request, "notifications/template_list.html", {"rows": rows, "channels": Channel.choices})


@login_required
def template_edit(request, kind: str, channel: str, language: str):
    """Edit one template; "Xem trước" renders it with a sample dossier, "Lưu" saves it when it passes the
    checks (known variables, SMS length, ZNS parameters)."""
    _administrator(request)
    if kind not in Kind.values or channel not in Channel.values or language not in LANGUAGES:
        raise Http404
    source = rendering.source_for(kind, channel, language)
    form = TemplateForm(
        request.POST or None,
        initial={"subject": source.subject, "body": source.body, "zns_template_id": source.zns_template_id},
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        errors = rendering.check(kind=kind, channel=channel, **data)
        for field, message in errors.items():
            form.add_error(field, message)
        if not errors:
            context = {**rendering.sample_context(), "status": str(Kind(kind).label)}
            preview = rendering.render(
                rendering.Source(data["subject"], data["body"], data["zns_template_id"]),
                channel=channel,
                context=context,
            )
            if request.POST.get("action") == "save":
                MessageTemplate.objects.update_or_create(
                    kind=kind,
                    channel=channel,
                    language=language,
                    defaults={**data, "updated_by": request.user},
                )
                messages.success(request, _("Đã lưu mẫu thông báo."))
                return redirect("notifications:template_list")
    return render(
        request,
        "notifications/template_edit.html",
        {
            "form": form,
            "kind_label": Kind(kind).label,
            "channel_label": Channel(channel).label,
            "language": language,
            "channel": channel,
            "preview": preview,
            "variables": rendering.VARIABLES.items(),
        },
    )


@login_required
def failures(request):
    _administrator(request)
    page = Paginator(selectors.failures(), 50).get_page(request.GET.get("trang"))
    return render(request, "notifications/failures.html", {"page": page})


@require_POST
@login_required
def retry(request, pk: int):
    _administrator(request)
    notification = get_object_or_404(Notification, pk=pk, status=Status.FAILED)
    services.notification_retry(notification=notification, actor=request.user)
    messages.success(request, _("Đã đưa thông báo vào hàng đợi gửi lại."))
    return redirect("notifications:failures")
