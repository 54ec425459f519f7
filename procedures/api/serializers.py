from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..constants import Channel, ImplementationLevel, ServiceLevel
from ..models import Component, Fee, FeeExemption, Field, ProcedureVersion, ProcessingTime, ProcessStep


class ProcedureFilterSerializer(serializers.Serializer):
    """The catalogue search's query parameters; a malformed one is a 400, never a database error."""

    q = serializers.CharField(required=False, allow_blank=True, default="")
    linh_vuc = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    co_quan = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    cap = serializers.ChoiceField(
        choices=ImplementationLevel.choices, required=False, allow_blank=True, default=""
    )
    muc_do = serializers.ChoiceField(
        choices=ServiceLevel.choices, required=False, allow_blank=True, default=""
    )
    truc_tuyen = serializers.BooleanField(required=False, default=False)


class FieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name"]


class AgencyRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class VersionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcedureVersion
        fields = ["number", "status", "decision_number", "decision_date", "valid_from", "valid_to"]


class ProcedureListSerializer(serializers.ModelSerializer):
    """One procedure as found by the search: its identity and the version in force."""

    code = serializers.CharField(source="procedure.code")
    field = FieldSerializer(source="procedure.field")
    version = serializers.IntegerField(source="number")
    competent_agencies = AgencyRefSerializer(many=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProcedureVersion
        fields = [
            "code",
            "name",
            "field",
            "version",
            "service_level",
            "implementation_levels",
            "allows_online",
            "is_inter_agency",
            "competent_agencies",
            "url",
        ]

    def get_url(self, version) -> str:
        return reverse("procedures:detail", args=[version.procedure.code])


class ProcessingTimeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProcessingTime
        fields = ["amount", "unit", "description"]


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["name", "amount", "description", "due_after_appraisal"]


class FeeExemptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeExemption
        fields = ["group", "fee_name", "percent", "legal_basis", "proof"]
        extra_kwargs = {
            "fee_name": {"help_text": "Khoản phí, lệ phí được miễn, giảm; rỗng: mọi khoản"},
            "percent": {"help_text": "100: miễn toàn bộ; 1–99: giảm theo tỷ lệ"},
        }


class ChannelTermsSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=Channel.choices, help_text="KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính"
    )
    processing_time = ProcessingTimeSerializer(allow_null=True)
    fees = FeeSerializer(many=True)
    total_fee = serializers.DecimalField(max_digits=14, decimal_places=0)


class ComponentSerializer(serializers.ModelSerializer):
    template_url = serializers.SerializerMethodField()

    class Meta:
        model = Component
        fields = [
            "order",
            "code",
            "name",
            "copy_type",
            "quantity",
            "mandatory",
            "template_name",
            "template_url",
            "reusable_from_repository",
            "from_national_database",
        ]

    def get_template_url(self, component) -> str | None:
        return reverse("procedures:template", args=[component.pk]) if component.template else None


class ProcessStepSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)

    class Meta:
        model = ProcessStep
        fields = ["order", "name", "role", "agency", "department", "share_percent"]


class VersionDetailSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="procedure.code")
    field = FieldSerializer(source="procedure.field")
    competent_agencies = AgencyRefSerializer(many=True)
    coordinating_agencies = AgencyRefSerializer(many=True)
    channels = serializers.SerializerMethodField()
    components = ComponentSerializer(many=True)
    steps = ProcessStepSerializer(many=True)
    exemptions = FeeExemptionSerializer(many=True)
    legal_basis = serializers.SerializerMethodField()

    class Meta:
        model = ProcedureVersion
        fields = [
            "code",
            "number",
            "status",
            "name",
            "field",
            "decision_number",
            "decision_date",
            "valid_from",
            "valid_to",
            "implementation_levels",
            "target_group",
            "service_level",
            "allows_online",
            "allows_online_payment",
            "allows_postal",
            "intake_any_boundary",
            "is_inter_agency",
            "competent_agencies",
            "coordinating_agencies",
            "channels",
            "exemptions",
            "components",
            "steps",
            "sequence",
            "submission_method",
            "requirements",
            "result_type",
            "result_validity_months",
            "legal_basis",
            "form_schema",
        ]

    @extend_schema_field(ChannelTermsSerializer(many=True))
    def get_channels(self, version):
        offered = [Channel.COUNTER]
        offered += [Channel.ONLINE] if version.allows_online else []
        offered += [Channel.POSTAL] if version.allows_postal else []
        return ChannelTermsSerializer(
            [
                {
                    "channel": channel,
                    "processing_time": version.time_limit(channel),
                    "fees": version.fees_for(channel),
                    "total_fee": version.total_fee(channel),
                }
                for channel in offered
            ],
            many=True,
        ).data

    def get_legal_basis(self, version) -> list[str]:
        return [line.strip() for line in version.legal_basis.splitlines() if line.strip()]


class ProcedureDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    field = FieldSerializer()
    current_version = VersionDetailSerializer(allow_null=True)
    versions = VersionSummarySerializer(many=True)
