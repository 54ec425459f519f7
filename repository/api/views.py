"""REST API of Kho dữ liệu: the owner's documents, reusable documents for a component, downloads through the
same permission check and access log as the pages, and public verification of signed results (rate limited).

Errors are RFC 7807 problem+json (portal.errors). Views parse input and call one selector or service.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import ratelimit
from portal.errors import ApplicationError

from .. import ratelimits, selectors, signing
from ..constants import AccessPurpose
from ..models import StoredDocument
from ..permissions import can_read_document
from ..services import DOCUMENT_ALLOWED
from ..views import document_file_response
from .serializers import (
    DocumentFilterSerializer,
    ReusableQuerySerializer,
    StoredDocumentDetailSerializer,
    StoredDocumentSerializer,
    VerificationResultSerializer,
    VerifyRequestSerializer,
)

TAG = "Kho dữ liệu"


class TooManyVerifications(ApplicationError):
    status_code = 429
    code = "too_many_verifications"


class DocumentNotFound(ApplicationError):
    status_code = 404
    code = "not_found"


def _owner(request, key: str):
    """The owner named by `owner` (`me` or `org-<id>`) among those the user may act for."""
    owners = {("me" if o == request.user else f"org-{o.pk}"): o for o in selectors.owners_for(request.user)}
    owner = owners.get(key or "me")
    if owner is None:
        raise ValidationError({"owner": ["Bạn không đại diện cho chủ sở hữu này."]})
    return owner


def _readable(request, pk: int) -> StoredDocument:
    document = (
        StoredDocument.objects.select_related(
            "current_version", "issuing_agency", "owner_user", "owner_organisation"
        )
        .filter(pk=pk)
        .first()
    )
    if document is None or not can_read_document(request.user, document):
        # The same answer for someone else's document as for none: ids reveal nothing.
        raise DocumentNotFound("Không tìm thấy giấy tờ.")
    return document


OWNER_PARAMETER = OpenApiParameter(
    "owner", OpenApiTypes.STR, description="`me` (mặc định) hoặc `org-<id>` của tổ chức bạn đại diện"
)


@extend_schema(
    tags=[TAG],
    summary="Giấy tờ trong Kho dữ liệu của tôi (hoặc của tổ chức tôi đại diện)",
    parameters=[
        OWNER_PARAMETER,
        OpenApiParameter("type", OpenApiTypes.STR, description="Mã loại giấy tờ, ví dụ CCCD, GPXD"),
        OpenApiParameter("validity", OpenApiTypes.STR, enum=["valid", "expired", "revoked"]),
        OpenApiParameter(
            "source",
            OpenApiTypes.STR,
            enum=["uploaded", "digitised", "issued_result", "national_database", "backfile"],
        ),
    ],
)
class MyDocumentsView(generics.ListAPIView):
    serializer_class = StoredDocumentSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        query = DocumentFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.documents_for_owner(
            owner=_owner(self.request, data["owner"]),
            document_type_code=data.get("type") or None,
            validity=data.get("validity") or None,
            source=data.get("source") or None,
        ).select_related("owner_user", "owner_organisation")


@extend_schema(
    tags=[TAG],
    summary="Giấy tờ dùng được thay cho bản nộp mới của một thành phần hồ sơ",
    description="Còn hiệu lực, chủ sở hữu đồng ý sử dụng lại, chưa bị thu hồi (nguyên tắc chỉ cung cấp một lần, "
    "NĐ 45/2020/NĐ-CP Điều 17).",
    parameters=[
        OWNER_PARAMETER,
        OpenApiParameter(
            "component_code", OpenApiTypes.STR, required=True, description="Mã thành phần hồ sơ"
        ),
    ],
)
class ReusableDocumentsView(generics.ListAPIView):
    serializer_class = StoredDocumentSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    def get_queryset(self):
        query = ReusableQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        owner = _owner(self.request, data["owner"])
        return selectors.documents_reusable_for(owner, data["component_code"].strip()).select_related(
            "owner_user", "owner_organisation"
        )


@extend_schema(
    tags=[TAG],
    summary="Chi tiết một giấy tờ",
    description="Chủ sở hữu, hoặc cán bộ có lý do theo quy định (cơ quan đã cấp, số hóa, hoặc đang giải quyết hồ sơ "
    "của người này).",
    responses={
        200: StoredDocumentDetailSerializer,
        404: OpenApiResponse(description="Không có hoặc không được xem"),
    },
)
class DocumentDetailView(generics.RetrieveAPIView):
    serializer_class = StoredDocumentDetailSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = StoredDocument.objects.none()

    def get_object(self):
        document = _readable(self.request, self.kwargs["pk"])
        document.use_count = document.uses.count()
        return document


@extend_schema(
    tags=[TAG],
    summary="Tải tệp của giấy tờ (mỗi lần tải được ghi nhật ký)",
    parameters=[
        OpenApiParameter("version", OpenApiTypes.INT, description="Số phiên bản; mặc định bản hiện hành")
    ],
    responses={
        # The stored file as it was accepted (DOCUMENT_ALLOWED), under its own content type.
        **{
            (200, mime): OpenApiResponse(OpenApiTypes.BINARY, description="Tệp giấy tờ")
            for mime in DOCUMENT_ALLOWED
        },
        404: OpenApiResponse(description="Không có hoặc không được xem"),
    },
)
class DocumentDownloadView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file itself, whatever the client accepts; errors still come as problem+json.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, pk: int):
        document = _readable(request, pk)
        try:
            return document_file_response(
                request,
                document,
                purpose=AccessPurpose.DOWNLOAD,
                inline=False,
                number=request.query_params.get("version"),
            )
        except Http404 as exc:
            raise DocumentNotFound(str(exc) or "Không tìm thấy tệp.") from exc


@extend_schema(
    tags=["Tra cứu công khai"],
    summary="Xác thực văn bản điện tử có chữ ký số (tệp PDF hoặc mã xác thực)",
    request={"multipart/form-data": VerifyRequestSerializer, "application/json": VerifyRequestSerializer},
    responses={
        200: VerificationResultSerializer,
        404: OpenApiResponse(description="Mã xác thực không đúng"),
        429: OpenApiResponse(description="Xác thực quá nhiều lần từ cùng một địa chỉ"),
    },
)
class VerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def post(self, request):
        payload = VerifyRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        limit = ratelimits.verification_limit()
        if not ratelimit.allow(limit, request):
            raise TooManyVerifications(f"Xác thực quá nhiều lần. Vui lòng thử lại sau {limit.minutes} phút.")
        upload = payload.validated_data.get("file")
        if upload is not None:
            if upload.size > selectors.VERIFY_MAX_BYTES:
                raise ValidationError({"file": ["Tệp quá lớn (tối đa 20 MB)."]})
            result = signing.verify_signed_pdf(upload.read())
        else:
            document = selectors.document_for_verification_code(payload.validated_data["code"])
            if document is None or document.current_version is None:
                raise DocumentNotFound("Mã xác thực không đúng hoặc văn bản không có trong hệ thống.")
            result = selectors.verify_stored_document(document)
        body = VerificationResultSerializer(
            {
                "status": result.status,
                "label": result.label,
                "message": result.message,
                "is_valid": result.is_valid,
                "signer": result.signer,
                "signed_at": result.signed_at,
                "document": result.document,
            }
        ).data
        response = Response(body, status=status.HTTP_200_OK)
        response["Cache-Control"] = "no-store"
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, TooManyVerifications):
            response["Retry-After"] = str(ratelimits.verification_limit().window)
        return response
