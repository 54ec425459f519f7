"""One application error family, rendered as RFC 7807 problem+json by the API and as messages on pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    """A business rule refused the request. `message` is shown to the person, in Vietnamese."""

    status_code = 400
    code = "application_error"

    def __init__(self, message: str, *, code: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra or {}


class NotPermitted(ApplicationError):
    status_code = 403
    code = "not_permitted"


class Conflict(ApplicationError):
    """The object changed under the request (concurrent modification, wrong state)."""

    status_code = 409
    code = "conflict"


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        body = {
            "type": f"urn:problem:{exc.code}",
            "title": exc.message,
            "status": exc.status_code,
            **exc.extra,
        }
        return Response(body, status=exc.status_code, content_type="application/problem+json")
    if isinstance(exc, ValidationError):
        exc = drf_exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    title = (
        detail.get("detail") if isinstance(detail, dict) and "detail" in detail else "Dữ liệu không hợp lệ."
    )
    body = {
        "type": f"urn:problem:{getattr(exc, 'default_code', 'error')}",
        "title": str(title),
        "status": response.status_code,
    }
    if isinstance(detail, dict) and "detail" not in detail:
        body["errors"] = detail
    response.data = body
    # DRF sets the header from this attribute when rendering; setting the header itself would be overwritten.
    response.content_type = "application/problem+json"
    return response


def problem_response(*, status: int, title: str, code: str) -> JsonResponse:
    """A problem+json answer outside DRF (middleware), shaped like `problem_exception_handler`'s."""
    return JsonResponse(
        {"type": f"urn:problem:{code}", "title": title, "status": status},
        status=status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


def page_not_found(request, exception):
    """handler404: a URL under /api/ that matches no route answers problem+json like the API's own 404s."""
    if request.path.startswith("/api/"):
        return problem_response(status=404, title="Không tìm thấy.", code="not_found")
    return defaults.page_not_found(request, exception)
