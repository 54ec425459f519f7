"""Read-only API of the service index for the province's data warehouse (authenticated; same scope as the
dashboards: province leaders the whole province, an agency's head their agency)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.errors import ApplicationError, NotPermitted

from .. import selectors
from ..engine import index
from ..engine.aggregate import Period, Scope


class BadQuery(ApplicationError):
    status_code = 400
    code = "invalid_query"


class IndexQuerySerializer(serializers.Serializer):
    tu_ngay = serializers.DateField(required=False, help_text="Ngày đầu (yyyy-mm-dd); mặc định 01/01 năm nay")
    den_ngay = serializers.DateField(required=False, help_text="Ngày cuối (yyyy-mm-dd); mặc định hôm nay")
    co_quan = serializers.IntegerField(required=False, help_text="Mã (id) cơ quan; trống: toàn tỉnh")
    nhom = serializers.ChoiceField(choices=["quyet-dinh", "cong"], required=False, default="quyet-dinh")


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    numerator = serializers.DecimalField(max_digits=14, decimal_places=0, allow_null=True)
    denominator = serializers.DecimalField(max_digits=14, decimal_places=0, allow_null=True)
    has_data = serializers.BooleanField()


class GroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    indicators = IndicatorSerializer(many=True)


class IndexSerializer(serializers.Serializer):
    indicator_set = serializers.CharField()
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    agency = serializers.IntegerField(allow_null=True)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    points_with_data = serializers.DecimalField(max_digits=6, decimal_places=2)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    groups = GroupSerializer(many=True)


def _indicator(r: index.IndicatorResult) -> dict:
    return {
        "code": r.indicator.code,
        "label": r.indicator.label,
        "name": r.indicator.name,
        "unit": r.indicator.unit,
        "value": r.value,
        "points": r.points,
        "max_points": r.indicator.points,
        "numerator": r.ratio.numerator if r.ratio else None,
        "denominator": r.ratio.denominator if r.ratio else None,
        "has_data": r.has_data,
    }


@extend_schema(
    tags=["Chỉ số phục vụ"],
    summary="Bộ chỉ số 766 của toàn tỉnh hoặc một cơ quan trong một khoảng thời gian",
    parameters=[IndexQuerySerializer],
    responses=IndexSerializer,
)
class IndexView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        if not selectors.may_see_dashboard(request.user):
            raise NotPermitted("Chỉ lãnh đạo tỉnh và lãnh đạo cơ quan xem được chỉ số.")
        query = IndexQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise BadQuery("Tham số không hợp lệ.", extra={"errors": query.errors})
        data = query.validated_data
        today = timezone.localdate()
        last = min(data.get("den_ngay") or today, today)
        first = data.get("tu_ngay") or dt.date(last.year, 1, 1)
        if first > last or (last - first).days > 731:
            raise BadQuery("Khoảng thời gian không hợp lệ (tối đa 2 năm).")
        allowed = selectors.dashboard_agency_ids(request.user)
        agency = data.get("co_quan")
        if allowed is not None:
            if agency is None:
                agency = min(allowed)
            if agency not in allowed:
                raise NotPermitted("Bạn chỉ xem được chỉ số của cơ quan mình.")
        result = index.compute(
            Scope(agency_id=agency), Period(first, last), portal_groups=data["nhom"] == "cong"
        )
        body = {
            "indicator_set": result.indicator_set.code if result.indicator_set else "",
            "first_day": first,
            "last_day": last,
            "agency": agency,
            "points": result.points,
            "points_with_data": result.points_with_data,
            "max_points": result.max_points,
            "groups": [
                {
                    "key": str(g.key),
                    "label": g.label,
                    "points": g.points,
                    "max_points": g.max_points,
                    "indicators": [_indicator(r) for r in g.results],
                }
                for g in result.groups
            ],
        }
        return Response(IndexSerializer(body).data)
