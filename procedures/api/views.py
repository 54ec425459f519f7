"""Read-only REST API of the public catalogue."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.errors import ApplicationError
from portal.models import Agency

from ..constants import APPLIED_STATUSES_VALUES, ImplementationLevel, ServiceLevel
from ..models import Field, Procedure
from ..national import record_from_version
from ..selectors import procedure_for_page, procedure_search, procedure_versions, version_with_details
from .serializers import (
    FieldSerializer,
    ProcedureDetailSerializer,
    ProcedureFilterSerializer,
    ProcedureListSerializer,
    VersionDetailSerializer,
)

TAG = "Thủ tục hành chính"


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


def _procedure_or_404(code: str):
    try:
        return procedure_for_page(code)
    except Procedure.DoesNotExist:
        raise NotFound(f"Không có thủ tục mã {code}.") from None


@extend_schema(
    tags=[TAG],
    summary="Tìm thủ tục đang áp dụng (không phân biệt dấu, hoa thường)",
    parameters=[
        OpenApiParameter("q", str, description="Từ khóa, ví dụ “cap giay phep xay dung”"),
        OpenApiParameter("linh_vuc", str, description="Mã lĩnh vực"),
        OpenApiParameter("co_quan", str, description="Mã định danh cơ quan giải quyết, ví dụ 000.00.20.H32"),
        OpenApiParameter("cap", str, enum=ImplementationLevel.values, description="Cấp thực hiện"),
        OpenApiParameter(
            "muc_do", str, enum=ServiceLevel.values, description="Mức độ dịch vụ công trực tuyến"
        ),
        OpenApiParameter("truc_tuyen", bool, description="Chỉ thủ tục nộp được trực tuyến"),
    ],
)
class ProcedureListView(generics.ListAPIView):
    serializer_class = ProcedureListSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        query = ProcedureFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return procedure_search(
            query=params["q"][:200],
            field=Field.objects.filter(code=params["linh_vuc"]).first() if params["linh_vuc"] else None,
            agency=Agency.objects.filter(code=params["co_quan"]).first() if params["co_quan"] else None,
            level=params["cap"],
            service_level=params["muc_do"],
            online_only=params["truc_tuyen"],
        )


@extend_schema(
    tags=[TAG],
    summary="Một thủ tục: phiên bản đang áp dụng và lịch sử công bố",
    responses=ProcedureDetailSerializer,
)
class ProcedureDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, code: str):
        procedure, version = _procedure_or_404(code)
        versions = [v for v in procedure_versions(procedure) if v.status in APPLIED_STATUSES_VALUES]
        data = ProcedureDetailSerializer(
            {
                "code": procedure.code,
                "name": procedure.name,
                "field": procedure.field,
                "current_version": version,
                "versions": versions,
            }
        ).data
        return Response(data)


@extend_schema(tags=[TAG], summary="Một phiên bản đã công bố của thủ tục", responses=VersionDetailSerializer)
class VersionDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, code: str, number: int):
        procedure, _ = _procedure_or_404(code)
        version = procedure.versions.filter(number=number, status__in=APPLIED_STATUSES_VALUES).first()
        if version is None:
            raise NotFound(f"Thủ tục {code} không có phiên bản {number} đã công bố.")
        return Response(VersionDetailSerializer(version_with_details(version.pk)).data)


@extend_schema(
    tags=[TAG],
    summary="Thủ tục đang áp dụng theo tên trường của CSDL quốc gia về TTHC",
    responses={200: OpenApiTypes.OBJECT},
)
class NationalRecordView(APIView):
    permission_classes = [permissions.AllowAny]

    def get(self, request, code: str):
        _, version = _procedure_or_404(code)
        if version is None:
            raise NotFound(f"Thủ tục {code} hiện không còn áp dụng.")
        return Response(record_from_version(version))


@extend_schema(tags=[TAG], summary="Danh sách lĩnh vực")
class FieldListView(generics.ListAPIView):
    serializer_class = FieldSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    queryset = Field.objects.order_by("name")
