"""Representations of dossiers for the REST API (applicant's own dossiers, public lookup)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..constants import NATIONAL_STATUS, OFFICER_ONLY_DOCUMENTS, DossierState, NationalStatus
from ..models import Dossier, DossierDocument, DossierEvent, DossierFile


class DossierFilterSerializer(serializers.Serializer):
    """Query parameters of the applicant's list; a malformed one is a 400, never a database error."""

    state = serializers.ChoiceField(
        choices=DossierState.choices, required=False, allow_blank=True, default=""
    )


class StatusMixin(serializers.Serializer):
    state = serializers.CharField(read_only=True)
    state_label = serializers.SerializerMethodField()
    national_status = serializers.SerializerMethodField(help_text="TrangThaiHoSo (1–10)")
    national_status_label = serializers.SerializerMethodField()

    def get_state_label(self, obj) -> str:
        return str(DossierState(obj.state).label)

    def get_national_status(self, obj) -> int:
        return int(NATIONAL_STATUS[obj.state])

    def get_national_status_label(self, obj) -> str:
        return str(NationalStatus(NATIONAL_STATUS[obj.state]).label)


class DossierListSerializer(StatusMixin, serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure_version.procedure.code", read_only=True)
    procedure_name = serializers.CharField(source="procedure_version.name", read_only=True)
    receiving_agency = serializers.CharField(source="receiving_agency.name", read_only=True, default=None)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "id",
            "code",
            "procedure_code",
            "procedure_name",
            "channel",
            "state",
            "state_label",
            "national_status",
            "national_status_label",
            "receiving_agency",
            "submitted_at",
            "received_at",
            "due_at",
            "finished_at",
            "url",
        ]

    def get_url(self, obj) -> str:
        return reverse("dossiers-api:detail", args=[obj.pk])


class EventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    to_state_label = serializers.CharField(source="get_to_state_display", read_only=True)

    class Meta:
        model = DossierEvent
        fields = ["at", "action", "action_label", "from_state", "to_state", "to_state_label", "reason"]


class PublicEventSerializer(serializers.ModelSerializer):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    national_status = serializers.IntegerField(source="to_national_status", read_only=True)

    class Meta:
        model = DossierEvent
        fields = ["at", "action", "action_label", "national_status"]


class FileSerializer(serializers.ModelSerializer):
    component = serializers.CharField(source="component.name", read_only=True, default=None)

    class Meta:
        model = DossierFile
        fields = ["id", "component", "original_name", "mime_type", "size", "sha256", "digitised", "reused"]


class DocumentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DossierDocument
        fields = ["kind", "kind_label", "created_at", "sha256", "download_url"]

    def get_download_url(self, obj) -> str:
        return reverse("dossiers:document", args=[obj.dossier_id, obj.kind])


class FeeExemptionClaimSerializer(serializers.Serializer):
    """The listed target group claimed for a fee exemption or reduction (one of the version's)."""

    id = serializers.IntegerField(read_only=True)
    group = serializers.CharField(read_only=True)
    fee_name = serializers.CharField(
        read_only=True, help_text="Khoản phí, lệ phí được miễn, giảm; rỗng: mọi khoản"
    )
    percent = serializers.IntegerField(read_only=True, help_text="100: miễn toàn bộ; 1–99: giảm theo tỷ lệ")
    legal_basis = serializers.CharField(read_only=True)


class DossierDetailSerializer(DossierListSerializer):
    lookup_secret = serializers.CharField(read_only=True)
    fee_exemption = FeeExemptionClaimSerializer(
        read_only=True,
        allow_null=True,
        help_text="Đối tượng miễn, giảm phí, lệ phí người nộp đề nghị (nếu có)",
    )
    fee_exemption_refused_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Bộ phận một cửa không chấp nhận miễn, giảm lúc (nếu có)"
    )
    fee_exemption_refusal = serializers.CharField(
        read_only=True, help_text="Lý do không chấp nhận miễn, giảm"
    )
    events = serializers.SerializerMethodField()
    files = FileSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField()

    class Meta(DossierListSerializer.Meta):
        fields = [
            *DossierListSerializer.Meta.fields,
            "lookup_secret",
            "applicant_name",
            "applicant_id_number",
            "applicant_address",
            "applicant_phone",
            "applicant_email",
            "form_data",
            "delivery_method",
            "postal_address",
            "original_due_at",
            "fee_exemption",
            "fee_exemption_refused_at",
            "fee_exemption_refusal",
            "events",
            "files",
            "documents",
        ]

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, obj):
        return EventSerializer([e for e in obj.events.all() if e.public], many=True).data

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, obj):
        """The applicant's documents: working papers (draft result, control slip) are the agency's."""
        documents = [d for d in obj.documents.all() if d.kind not in OFFICER_ONLY_DOCUMENTS]
        return DocumentSerializer(documents, many=True).data


class LookupRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, help_text="Mã hồ sơ, ví dụ 000.00.15.H32-251121-0007")
    secret = serializers.CharField(max_length=12, help_text="Mã tra cứu in trên giấy tiếp nhận")


class PublicStatusSerializer(StatusMixin, serializers.ModelSerializer):
    procedure_name = serializers.CharField(source="procedure_version.name", read_only=True)
    receiving_agency = serializers.CharField(source="receiving_agency.name", read_only=True, default=None)
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure_name",
            "receiving_agency",
            "state",
            "state_label",
            "national_status",
            "national_status_label",
            "received_at",
            "due_at",
            "finished_at",
            "timeline",
        ]

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_timeline(self, obj):
        return PublicEventSerializer(obj.events.public().order_by("at", "id"), many=True).data
