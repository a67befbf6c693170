from datetime import date

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from certificates.choices import CertificateKind, CertificateStatus, PdfVerdict, ProofReason
from certificates.lookup import download_path, normalise_code, normalise_name, public_url
from certificates.lookup import revoked_on as revoked_on_date
from certificates.models import Certificate, Proof
from institutions.choices import IdType

# --- staff ---------------------------------------------------------------------------------------


class CertificateSerializer(serializers.ModelSerializer):
    """A certificate for staff in whose scope it is. The ID number is masked here too."""

    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)
    work_type = serializers.CharField(source="work_type_display", read_only=True)
    level_display = serializers.CharField(read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    verification_url = serializers.SerializerMethodField()
    has_pdf = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "holder_name",
            "id_type",
            "id_number_masked",
            "occupation_code",
            "occupation_name",
            "work_type",
            "level",
            "level_display",
            "institution",
            "institution_name",
            "batch",
            "issued_on",
            "signatory",
            "revoked_at",
            "revocation_reason",
            "verification_url",
            "has_pdf",
        ]
        read_only_fields = fields

    def get_verification_url(self, certificate) -> str:
        return public_url(certificate.verification_path())

    def get_has_pdf(self, certificate) -> bool:
        return bool(certificate.pdf)


class RevokeSerializer(serializers.Serializer):
    # Blank is let through so that the model refuses it with its own message.
    reason = serializers.CharField(max_length=500, allow_blank=True)


class RevokeBatchSerializer(RevokeSerializer):
    batch = serializers.IntegerField()


class RevokePersonSerializer(RevokeSerializer):
    id_number = serializers.CharField(max_length=64)

    def validate_id_number(self, value):
        return normalise_code(value)


class RevokedCountSerializer(serializers.Serializer):
    revoked = serializers.IntegerField(help_text=_("本次注销的证书数"))


# --- public --------------------------------------------------------------------------------------


class LookupRequestSerializer(serializers.Serializer):
    """`name` with `id_number`, or `name` with `certificate_number`; never one field alone."""

    name = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("持证人姓名"),
    )
    id_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text=_("证件号码")
    )
    certificate_number = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("证书编号"),
    )
    captcha_token = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text=_("连续查无结果后需要"),
    )
    captcha_answer = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("工作量证明的答案（十进制数字）"),
    )

    def validate(self, data):
        name = normalise_name(data.get("name"))
        id_number = normalise_code(data.get("id_number"))
        number = normalise_code(data.get("certificate_number"))
        if not name:
            raise serializers.ValidationError({"name": gettext("缺少姓名 name")})
        if not id_number and not number:
            raise serializers.ValidationError(
                {"id_number": gettext("缺少证件号码 id_number 或证书编号 certificate_number")}
            )
        if id_number and number:
            raise serializers.ValidationError(
                {"certificate_number": gettext("证件号码与证书编号只填其一")}
            )
        return {**data, "name": name, "id_number": id_number, "certificate_number": number}


class PublicCertificateSerializer(serializers.Serializer):
    """What anybody holding the name and number (or the QR code) may see: never the full ID."""

    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=CertificateKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    holder_name = serializers.CharField()
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_type_display = serializers.CharField(source="get_id_type_display")
    id_number_masked = serializers.CharField()
    occupation = serializers.CharField(source="occupation.name")
    occupation_code = serializers.CharField(source="occupation.code")
    work_type = serializers.CharField(source="work_type_display")
    level = serializers.IntegerField(allow_null=True)
    level_display = serializers.CharField()
    institution = serializers.CharField(source="institution.name")
    issued_on = serializers.DateField()
    status = serializers.ChoiceField(choices=CertificateStatus.choices)
    revoked_on = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    def get_revoked_on(self, certificate) -> date | None:
        return revoked_on_date(certificate)

    def get_verification_url(self, certificate) -> str:
        return public_url(certificate.verification_path())


class LookupResultSerializer(PublicCertificateSerializer):
    download_url = serializers.SerializerMethodField(help_text=_("10 分钟内有效的本人证书下载链接"))

    def get_download_url(self, certificate) -> str | None:
        path = download_path(certificate)
        return public_url(path) if path else None

    def to_representation(self, certificate):
        """The same answer as the declared fields give (a test compares them), built directly:
        DRF's generic path inspects every attribute's signature on every call, and Django's
        get_FOO_display() rebuilds its choices dict each time; this is the answer of the portal's
        busiest request."""
        return {
            "number": certificate.number,
            "kind": certificate.kind,
            "kind_display": str(CertificateKind(certificate.kind).label),
            "holder_name": certificate.holder_name,
            "id_type": certificate.id_type,
            "id_type_display": str(IdType(certificate.id_type).label),
            "id_number_masked": certificate.id_number_masked,
            "occupation": certificate.occupation.name,
            "occupation_code": certificate.occupation.code,
            "work_type": certificate.work_type_display,
            "level": certificate.level,
            "level_display": str(certificate.level_display),
            "institution": certificate.institution.name,
            "issued_on": certificate.issued_on.isoformat(),
            "status": certificate.status,
            "revoked_on": self.get_revoked_on(certificate),
            "verification_url": self.get_verification_url(certificate),
            "download_url": self.get_download_url(certificate),
        }


class LookupResponseSerializer(serializers.Serializer):
    results = LookupResultSerializer(many=True)


class CaptchaSerializer(serializers.Serializer):
    """A proof-of-work challenge: find decimal digits `answer` such that SHA-256 of
    "<token>:<answer>" starts with `bits` zero bits; send token and answer with the lookup."""

    token = serializers.CharField(help_text=_("与答案一同提交"))
    bits = serializers.IntegerField(help_text=_("所需前导零位数"))
    algorithm = serializers.CharField()


class CaptchaRequiredSerializer(serializers.Serializer):
    detail = serializers.CharField()
    captcha_required = serializers.BooleanField()
    captcha = CaptchaSerializer()


class VerifiedCertificateSerializer(PublicCertificateSerializer):
    revocation_reason = serializers.CharField()


class PublicProofSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(read_only=True, help_text=f"{' | '.join(ProofReason.values)}")
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    issuer = serializers.CharField(source="certificate.institution.name", read_only=True)

    class Meta:
        model = Proof
        fields = ["reason", "reason_display", "detail", "issued_on", "issuer"]
        read_only_fields = fields


class ProofRequestSerializer(serializers.Serializer):
    """239号 二(三): a proof for a lost or wrong vocational qualification certificate."""

    reason = serializers.ChoiceField(choices=ProofReason.choices)
    detail = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ProofSerializer(PublicProofSerializer):
    """A proof as its issuer sees it: where its QR leads."""

    verification_url = serializers.SerializerMethodField()

    class Meta(PublicProofSerializer.Meta):
        fields = ["id", *PublicProofSerializer.Meta.fields, "verification_url"]
        read_only_fields = fields

    def get_verification_url(self, proof) -> str:
        return self.context["request"].build_absolute_uri(f"/v/{proof.verification_token}/")


class VerificationSerializer(serializers.Serializer):
    """The QR target: a certificate, or a proof (证明) and the certificate it speaks for."""

    record = serializers.ChoiceField(choices=["certificate", "proof"])
    certificate = VerifiedCertificateSerializer()
    proof = PublicProofSerializer(allow_null=True)


class PdfUploadSerializer(serializers.Serializer):
    pdf = serializers.FileField(help_text=_("证书或证明的 PDF 文件"))


class PdfCheckSerializer(serializers.Serializer):
    """What an uploaded PDF proves: its signature checked offline, then the register."""

    verdict = serializers.ChoiceField(choices=PdfVerdict.choices)
    verdict_display = serializers.SerializerMethodField()
    reason = serializers.CharField()
    signer = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)
    number = serializers.CharField(help_text=_("文件所载证书编号"))
    revoked_on = serializers.DateField(allow_null=True)
    record = serializers.SerializerMethodField()

    def get_verdict_display(self, check) -> str:
        return str(check.verdict.label)

    @extend_schema_field(VerificationSerializer(allow_null=True))
    def get_record(self, check):
        """The register entry the file is for (as the verification answer gives it), if any."""
        if check.certificate is None:
            return None
        return VerificationSerializer(
            {
                "record": "proof" if check.proof else "certificate",
                "certificate": check.certificate,
                "proof": check.proof,
            }
        ).data
