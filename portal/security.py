"""Security headers: Content-Security-Policy (django-csp) with a looser policy where third-party pages need it.

The portal's own pages carry no inline script or style (tests/portal/test_security_headers.py scans the
templates), so CONTENT_SECURITY_POLICY allows scripts and styles from the site only. Two kinds of page are
not ours: the Django admin (`<style>` blocks and style attributes in Django's templates) and the API's
browsable pages and Swagger UI (style attributes, a `<style>` block). Those get inline *styles* only; scripts
stay 'self' everywhere (Swagger UI's start-up script is served as a file by SpectacularSwaggerSplitView).
PDF responses get no policy: browsers' built-in PDF viewers run inside the document and would be blocked.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts

INLINE_STYLES = {"style-src": [UNSAFE_INLINE], "style-src-attr": [UNSAFE_INLINE]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("application/pdf"):
            response._csp_exempt = True
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.update is None and self.is_third_party_page(request):
            parts.update = INLINE_STYLES
        return parts

    @staticmethod
    def is_third_party_page(request) -> bool:
        match = getattr(request, "resolver_match", None)
        return request.path_info.startswith("/api/") or bool(match and "admin" in match.namespaces)
