from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import problem_response

API_PREFIX = "/api/"


class ChosenLanguageMiddleware:
    """Vietnamese unless the person chose another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language phone
    would get a half-translated portal; the language here is a choice, stored in the language cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def _carries_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
        return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists())
    return False


def bad_request(request, message: str):
    """400 as the API answers it (problem+json) or as a page with the message in Vietnamese."""
    if request.path_info.startswith(API_PREFIX):
        return problem_response(status=400, title=message, code="bad_request")
    return render(request, "400.html", {"message": message}, status=400)


class RejectNulBytesMiddleware:
    """A NUL byte in the path, the query or a form field is never a real request: answer 400 before any
    view or database sees it (PostgreSQL refuses NUL in text and the query would fail with a 500).

    Belt and braces only: every view still parses its parameters with a form, a serializer or a path
    converter, which reject bad values on their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            return bad_request(request, _("Địa chỉ hoặc dữ liệu gửi lên có ký tự không hợp lệ."))
        return self.get_response(request)
