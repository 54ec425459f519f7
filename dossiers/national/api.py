"""The endpoint the national portal pushes dossiers filed there to (problem+json errors it can show)."""

from __future__ import annotations

import hmac

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .inbound import dossier_take_in_national


class NationalPortalClient:
    """The national portal, authenticated by its bearer token (no user account behind it)."""

    is_authenticated = True
    is_active = True
    is_officer = False
    is_citizen = False
    pk = None


class NationalPortalAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        expected = settings.NATIONAL_INBOUND_TOKEN
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise exceptions.AuthenticationFailed("Mã xác thực của Cổng DVC quốc gia không đúng.")
        return NationalPortalClient(), "national-portal"

    def authenticate_header(self, request):
        return self.keyword


class IsNationalPortal(permissions.BasePermission):
    message = "Chỉ Cổng Dịch vụ công quốc gia được gửi hồ sơ đến địa chỉ này."

    def has_permission(self, request, view):
        return request.auth == "national-portal"


class PaperSerializer(serializers.Serializer):
    TenTepDinhKem = serializers.CharField(max_length=255)
    MaThanhPhanHoSo = serializers.CharField(max_length=60)
    NoiDungTep = serializers.CharField(help_text="Nội dung tệp, mã hóa base64.")


class NationalDossierSerializer(serializers.Serializer):
    MaHoSo = serializers.RegexField(r"^[A-Za-z0-9.\-_/]{3,60}$")
    MaTTHC = serializers.CharField(max_length=30)
    ChuHoSo = serializers.CharField(max_length=300)
    LoaiDoiTuong = serializers.ChoiceField(choices=[1, 2, 3, 4], default=1)
    SoGiayToChuHoSo = serializers.CharField(max_length=20)
    DiaChi = serializers.CharField(max_length=300, required=False, allow_blank=True)
    SoDienThoai = serializers.CharField(max_length=15, required=False, allow_blank=True)
    Email = serializers.EmailField(required=False, allow_blank=True)
    MaDonViTiepNhan = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ThongTinToKhai = serializers.DictField(required=False)
    TaiLieuNop = PaperSerializer(many=True)


class NationalDossierAnswerSerializer(serializers.Serializer):
    MaHoSo = serializers.CharField()
    TrangThaiHoSo = serializers.IntegerField()
    DonViTiepNhan = serializers.CharField()


@extend_schema(
    tags=["Liên thông Cổng DVC quốc gia"],
    summary="Nhận hồ sơ nộp trên Cổng Dịch vụ công quốc gia",
    request=NationalDossierSerializer,
    responses={
        201: NationalDossierAnswerSerializer,
        200: OpenApiResponse(NationalDossierAnswerSerializer, description="Hồ sơ này đã được nhận trước đó."),
        401: OpenApiResponse(description="Thiếu hoặc sai mã của Cổng DVC quốc gia (problem+json)."),
        422: OpenApiResponse(
            description="Thủ tục không có trong danh mục, giấy tờ không hợp lệ (problem+json)."
        ),
    },
)
class NationalDossierInbound(APIView):
    authentication_classes = [NationalPortalAuthentication]
    permission_classes = [IsNationalPortal]

    def post(self, request):
        serializer = NationalDossierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dossier, created = dossier_take_in_national(record=serializer.validated_data)
        answer = NationalDossierAnswerSerializer(
            {
                "MaHoSo": dossier.national_code,
                "TrangThaiHoSo": dossier.national_status,
                "DonViTiepNhan": dossier.receiving_agency.name if dossier.receiving_agency_id else "",
            }
        ).data
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class NationalPortalAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = NationalPortalAuthentication
    name = "nationalPortalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Mã của Cổng DVC quốc gia (NATIONAL_INBOUND_TOKEN).",
        }
