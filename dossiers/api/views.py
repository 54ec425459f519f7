"""REST API of dossiers: the applicant's own dossiers (read) and the public status lookup."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import ratelimit
from portal.errors import ApplicationError

from .. import queues, selectors
from ..constants import DossierState
from ..models import Dossier
from ..permissions import can_view
from .serializers import (
    DossierDetailSerializer,
    DossierFilterSerializer,
    DossierListSerializer,
    LookupRequestSerializer,
    PublicStatusSerializer,
)


class TooManyLookups(ApplicationError):
    status_code = 429
    code = "too_many_lookups"


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


@extend_schema(
    tags=["Hồ sơ"],
    summary="Hồ sơ của tôi (và của tổ chức tôi đại diện)",
    parameters=[
        OpenApiParameter("state", OpenApiTypes.STR, enum=DossierState.values, description="Trạng thái")
    ],
)
class MyDossiersView(generics.ListAPIView):
    serializer_class = DossierListSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        query = DossierFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return queues.dossiers_of_applicant(
            user=self.request.user, state=query.validated_data["state"] or None
        )


@extend_schema(tags=["Hồ sơ"], summary="Chi tiết một hồ sơ")
class DossierDetailView(generics.RetrieveAPIView):
    serializer_class = DossierDetailSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Dossier.objects.none()

    def get_object(self):
        dossier = selectors.dossier_detail(pk=self.kwargs["pk"])
        if dossier is None or not can_view(self.request.user, dossier):
            raise Http404
        return dossier


@extend_schema(
    tags=["Tra cứu công khai"],
    summary="Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu",
    request=LookupRequestSerializer,
    responses={
        200: PublicStatusSerializer,
        404: OpenApiResponse(
            description="Không tìm thấy (mã sai hoặc mã tra cứu sai — hai trường hợp như nhau)"
        ),
        429: OpenApiResponse(description="Tra cứu sai quá nhiều lần"),
    },
)
class LookupView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def post(self, request):
        payload = LookupRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        limit = ratelimit.lookup_limit()
        if ratelimit.is_blocked(limit, request):
            raise TooManyLookups(f"Tra cứu sai quá nhiều lần. Vui lòng thử lại sau {limit.minutes} phút.")
        dossier = selectors.dossier_lookup(
            code=payload.validated_data["code"], secret=payload.validated_data["secret"]
        )
        if dossier is None:
            ratelimit.hit(limit, request)
            raise NotFound("Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu này.")
        response = Response(PublicStatusSerializer(dossier).data, status=status.HTTP_200_OK)
        response["Cache-Control"] = "no-store"
        return response
