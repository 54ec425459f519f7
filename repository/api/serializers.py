"""Representations of Kho dữ liệu for the REST API: an owner's documents, reusable documents, verification."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..constants import DocumentSource, ValidityFilter, VerificationStatus
from ..models import DocumentVersion, StoredDocument


class StoredDocumentVersionSerializer(serializers.ModelSerializer):
    signed = serializers.BooleanField(source="is_signed", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "number",
            "original_name",
            "mime_type",
            "size",
            "page_count",
            "sha256",
            "signed",
            "created_at",
            "download_url",
        ]

    def get_download_url(self, obj) -> str:
        url = reverse("repository-api:document_download", args=[obj.document_id])
        return f"{url}?version={obj.number}"


class AgencySummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OwnerSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`citizen` (công dân) hoặc `organisation` (tổ chức)")
    key = serializers.CharField(help_text="Giá trị dùng cho tham số `owner`: `me` hoặc `org-<id>`")
    name = serializers.CharField()


class StoredDocumentSerializer(serializers.ModelSerializer):
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    validity = serializers.SerializerMethodField(help_text="valid, expired, not_yet hoặc revoked (hôm nay)")
    validity_label = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    issuing_agency = AgencySummarySerializer(read_only=True, allow_null=True)
    current_version = StoredDocumentVersionSerializer(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = StoredDocument
        fields = [
            "id",
            "title",
            "number",
            "document_type_code",
            "document_type_name",
            "source",
            "source_label",
            "issuer",
            "issuing_agency",
            "issued_on",
            "valid_from",
            "valid_to",
            "validity",
            "validity_label",
            "revoked_at",
            "consent_to_reuse",
            "owner",
            "origin_dossier_id",
            "created_at",
            "current_version",
            "url",
        ]

    def get_validity(self, obj) -> str:
        return obj.validity_state()

    def get_validity_label(self, obj) -> str:
        return obj.validity_label()

    @extend_schema_field(OwnerSerializer)
    def get_owner(self, obj) -> dict:
        if obj.owner_organisation_id:
            organisation = obj.owner_organisation
            return {"kind": "organisation", "key": f"org-{organisation.pk}", "name": organisation.name}
        return {"kind": "citizen", "key": "me", "name": str(obj.owner_user)}

    def get_url(self, obj) -> str:
        return reverse("repository-api:document_detail", args=[obj.pk])


class StoredDocumentDetailSerializer(StoredDocumentSerializer):
    versions = StoredDocumentVersionSerializer(many=True, read_only=True)
    revoked_reason = serializers.CharField(read_only=True)
    use_count = serializers.IntegerField(read_only=True, help_text="Số hồ sơ đã dùng giấy tờ này")

    class Meta(StoredDocumentSerializer.Meta):
        fields = [*StoredDocumentSerializer.Meta.fields, "revoked_reason", "use_count", "versions"]


class OwnerQuerySerializer(serializers.Serializer):
    owner = serializers.CharField(
        required=False, default="me", help_text="`me` (mặc định) hoặc `org-<id>` của tổ chức bạn đại diện"
    )


class DocumentFilterSerializer(OwnerQuerySerializer):
    type = serializers.CharField(required=False, help_text="Mã loại giấy tờ, ví dụ CCCD, GPXD")
    validity = serializers.ChoiceField(required=False, choices=ValidityFilter.choices)
    source = serializers.ChoiceField(required=False, choices=DocumentSource.choices)


class ReusableQuerySerializer(OwnerQuerySerializer):
    component_code = serializers.CharField(
        help_text="Mã thành phần hồ sơ (Component.code, MaGiayTo), ví dụ CCCD"
    )


class VerifyRequestSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="Tệp PDF có chữ ký số cần xác thực (tối đa 20 MB)")
    code = serializers.CharField(
        required=False, max_length=60, help_text="Hoặc mã xác thực in dưới mã QR, dạng K7QM-X4PA-R9TC"
    )

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("code"):
            raise serializers.ValidationError("Gửi tệp PDF (file) hoặc mã xác thực (code).")
        return attrs


class VerifiedDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    number = serializers.CharField()
    document_type_code = serializers.CharField()
    document_type_name = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    validity = serializers.SerializerMethodField()
    validity_label = serializers.SerializerMethodField()

    def get_validity(self, obj) -> str:
        return obj.validity_state()

    def get_validity_label(self, obj) -> str:
        return obj.validity_label()


@extend_schema_field(
    {
        "type": "string",
        "description": "Một trong: "
        + "; ".join(f"`{value}` ({label})" for value, label in VerificationStatus.choices),
    }
)
class VerificationStatusField(serializers.CharField):
    """Values listed in the description: the catalogue's schema already owns the enum name "status"."""


class VerificationResultSerializer(serializers.Serializer):
    status = VerificationStatusField()
    label = serializers.CharField()
    message = serializers.CharField()
    is_valid = serializers.BooleanField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    document = VerifiedDocumentSerializer(allow_null=True, help_text="Bản gốc trong Kho dữ liệu, nếu có")
