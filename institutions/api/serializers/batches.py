"""Serializers of evaluation batches (239号 二(二)): the batch and its transitions, candidates, rooms,
uploads (roster, photos), scores and exit remedies."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from institutions.api.serializers.filings import UploadField
from institutions.api.serializers.institutions import VisibleInstitutionField
from institutions.choices import (
    BatchStatus,
    EligibilityBasis,
    EvaluationType,
    ExitRemedyChoice,
    QuestionSource,
)
from institutions.models import Batch, BatchTransition, Candidate, ExamRoom, ExitRemedy, Institution
from skilleval.api.base import DecisionField
from skilleval.choices import Level
from skilleval.filtersets import LARGEST_KEY
from skilleval.models import Occupation, Region


class BatchTransitionSerializer(serializers.ModelSerializer):
    """One recorded step of a batch: who did what, when (239号 二(二))."""

    to = serializers.ChoiceField(source="to_status", choices=BatchStatus.choices, read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = BatchTransition
        fields = ["action", "to", "actor_name", "at", "note"]
        read_only_fields = fields  # a recorded step, append-only

    def get_fields(self):
        # "from" is a Python keyword, so it cannot be declared in the class body.
        fields = super().get_fields()
        source = serializers.ChoiceField(
            source="from_status", choices=BatchStatus.choices, allow_blank=True, read_only=True
        )
        return {"action": fields.pop("action"), "from": source, **fields}

    def get_actor_name(self, transition) -> str:
        # The first step (planning) is recorded with the actor only; system steps with a name only.
        if transition.actor_name:
            return transition.actor_name
        return transition.actor.get_username() if transition.actor else ""


class BatchSerializer(serializers.ModelSerializer):
    """A batch with its counts and its history. The counts are annotations of the viewset's
    queryset (see BatchViewSet), so every answer re-reads the batch from it."""

    institution_name = serializers.CharField(source="institution.name", read_only=True)
    occupation_code = serializers.CharField(source="occupation.code", read_only=True)
    occupation_name = serializers.CharField(source="occupation.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    publicity_ends = serializers.SerializerMethodField()
    candidate_count = serializers.IntegerField(read_only=True)
    eligible_count = serializers.IntegerField(read_only=True, help_text=_("资格审核通过"))
    scored_count = serializers.IntegerField(read_only=True, help_text=_("已有成绩（含缺考）"))
    passed_count = serializers.IntegerField(read_only=True, help_text=_("合格"))
    transitions = BatchTransitionSerializer(many=True, read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id",
            "institution",
            "institution_name",
            "occupation_code",
            "occupation_name",
            "level",
            "evaluation_type",
            "region",
            "region_name",
            "venue",
            "examiners",
            "question_source",
            "exam_starts_on",
            "exam_ends_on",
            "exit_batch",
            "graduate_cohort",
            "note",
            "status",
            "status_reason",
            "tickets_generated_on",
            "publicised_on",
            "publicity_ends",
            "candidate_count",
            "eligible_count",
            "scored_count",
            "passed_count",
            "transitions",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_publicity_ends(self, batch):
        """The last day of the results publicity (54号 五), once the results are publicised."""
        if batch.publicised_on is None:
            return None
        return batch.publicity_ends()


class UserInstitutionDefault:
    """The institution of the signed-in user (institution staff plan for their own)."""

    requires_context = True

    def __call__(self, serializer_field):
        return serializer_field.context["request"].user.institution


class BatchCreateSerializer(serializers.Serializer):
    """A new batch, planned inside the institution's filed scope (Batch.objects.plan checks the
    filing, the catalog and the 239号 rules, and cites the clause when it refuses)."""

    institution = VisibleInstitutionField(
        queryset=Institution.objects.all(),
        default=UserInstitutionDefault(),
        help_text=_("默认为本机构；上级机构可为其分支机构创建"),
    )
    occupation = serializers.SlugRelatedField(
        slug_field="code", queryset=Occupation.objects.all(), help_text=_("职业编码")
    )
    level = serializers.ChoiceField(choices=Level.choices)
    evaluation_type = serializers.ChoiceField(choices=EvaluationType.choices)
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), help_text="考试地区 GB/T 2260 code"
    )
    exam_starts_on = serializers.DateField()
    exam_ends_on = serializers.DateField()
    venue = serializers.CharField(max_length=200)
    examiners = serializers.CharField(help_text=_("每行一人"))
    # Self-made papers are let through so that the model refuses them citing 239号 四.
    question_source = serializers.ChoiceField(choices=QuestionSource.choices)
    note = serializers.CharField(max_length=500, allow_blank=True, default="")
    graduate_cohort = serializers.BooleanField(
        default=False, help_text=_("2020年下半年技工院校、职业院校毕业生评价")
    )

    def validate_institution(self, institution):
        if institution is None:
            raise serializers.ValidationError(gettext("请指定评价机构"), code="required")
        return institution

    def create(self, validated_data):
        return Batch.objects.plan(user=self.context["request"].user, **validated_data)


class ExamRoomSerializer(serializers.ModelSerializer):
    """A room of a batch and its number of seats."""

    capacity = serializers.IntegerField(min_value=1, max_value=10_000)

    class Meta:
        model = ExamRoom
        fields = ["id", "name", "capacity"]


class EligibilityDecisionSerializer(serializers.Serializer):
    """A reviewer's pass or fail for several candidates of the batch, with basis and reason."""

    # An id beyond any the database stores is a 400 here, not an overflow in the query.
    candidates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_KEY),
        allow_empty=False,
        max_length=10_000,
    )
    passed = DecisionField()
    basis = serializers.ChoiceField(
        choices=EligibilityBasis.choices, default=EligibilityBasis.STANDARD
    )
    # Blank is let through so that the model refuses it with its own message.
    reason = serializers.CharField(max_length=300, allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    # Blank is let through so that the model refuses it with its own message.
    reason = serializers.CharField(max_length=500, allow_blank=True)


class JobStartedSerializer(serializers.Serializer):
    """A background job was started; follow its progress at `url`."""

    job = serializers.IntegerField()
    url = serializers.CharField()


class RosterUploadSerializer(serializers.Serializer):
    """The filled roster template (.xlsx or .csv, at most 50 MB); it is checked and imported,
    all or nothing, by a background job."""

    MAX_BYTES = 50 * 1024 * 1024
    SIGNATURES = {".xlsx": (b"PK\x03\x04",), ".csv": ()}

    file = UploadField()

    def validate_file(self, upload):
        name = upload.name.lower()
        suffix = name[name.rfind(".") :] if "." in name else ""
        if suffix not in self.SIGNATURES:
            raise serializers.ValidationError(gettext("只接受 .xlsx 或 .csv 文件"))
        if upload.size > self.MAX_BYTES:
            raise serializers.ValidationError(gettext("文件不得超过 50 MB"))
        head = upload.read(4)
        upload.seek(0)
        signatures = self.SIGNATURES[suffix]
        if signatures and not head.startswith(signatures):
            raise serializers.ValidationError(gettext("文件内容不是 .xlsx 表格"))
        return upload


class PhotoUploadSerializer(serializers.Serializer):
    """A ZIP of 一寸 white-background photos named by ID number (checked by institutions.photos)."""

    MAX_BYTES = 300 * 1024 * 1024

    file = UploadField()

    def validate_file(self, upload):
        if upload.size > self.MAX_BYTES:
            raise serializers.ValidationError(gettext("文件不得超过 300 MB"))
        return upload


class PhotoImportSerializer(serializers.Serializer):
    saved = serializers.IntegerField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text=_("仍无照片的考生姓名")
    )


class PhotoErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    zh = serializers.CharField()
    en = serializers.CharField()


class PhotoErrorsSerializer(serializers.Serializer):
    """The ZIP was refused and no photo was saved: every bad file with its problem."""

    detail = serializers.ListField(child=serializers.CharField())
    errors = PhotoErrorSerializer(many=True)


class CandidateSerializer(serializers.ModelSerializer):
    """A roster row as staff see it. The ID number is only ever shown masked (PIPL; SPEC "Public
    lookup and privacy"): neither the encrypted nor the plain number is a field here."""

    room = serializers.CharField(source="room.name", read_only=True, default=None)
    has_photo = serializers.SerializerMethodField()
    # A plain value rather than an enum: the same choices are already named "basis" (of a
    # decision) in the schema, and one choice set may have only one name there.
    eligibility_basis = serializers.CharField(
        read_only=True, help_text=_("申报依据") + ", ".join(EligibilityBasis.values)
    )

    class Meta:
        model = Candidate
        fields = [
            "id",
            "batch",
            "name",
            "id_type",
            "id_number_masked",
            "gender",
            "education",
            "work_years",
            "current_level",
            "eligibility",
            "eligibility_basis",
            "eligibility_reason",
            "eligibility_reason_en",
            "training_route",
            "eligibility_override",
            "room",
            "seat",
            "ticket_number",
            "theory_score",
            "practical_score",
            "comprehensive_score",
            "absent",
            "passed",
            "has_photo",
        ]
        read_only_fields = fields

    def get_has_photo(self, candidate) -> bool:
        return bool(candidate.photo)


class MissingPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Candidate
        fields = ["id", "name", "id_number_masked", "ticket_number"]
        read_only_fields = fields


class ScoresSerializer(serializers.Serializer):
    """Scores out of 100, one decimal; the pass rule per evaluation type and level is the
    model's (Candidate.passes)."""

    theory = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, allow_null=True, default=None
    )
    practical = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, allow_null=True, default=None
    )
    comprehensive = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        allow_null=True,
        default=None,
        help_text=_("综合评审（论文答辩/业绩评审），一、二级"),
    )
    absent = serializers.BooleanField(default=False)


class ExitRemedySerializer(serializers.ModelSerializer):
    """239号 二(二): a candidate of a batch invalidated at its cut-off, and what they chose."""

    batch = serializers.IntegerField(source="candidate.batch_id", read_only=True)
    institution = serializers.IntegerField(source="candidate.batch.institution_id", read_only=True)
    candidate_name = serializers.CharField(source="candidate.name", read_only=True)
    id_number_masked = serializers.CharField(source="candidate.id_number_masked", read_only=True)

    class Meta:
        model = ExitRemedy
        fields = [
            "id",
            "candidate",
            "batch",
            "institution",
            "candidate_name",
            "id_number_masked",
            "remedy",
            "fee",
            "note",
            "recorded_at",
            "refund_confirmed_on",
        ]
        read_only_fields = fields


class ExitRemedyRecordSerializer(serializers.Serializer):
    """The institution records a candidate's choice (ExitRemedy.objects.record checks the batch
    was invalidated at its cut-off and cites the clause when not)."""

    candidate = serializers.PrimaryKeyRelatedField(queryset=Candidate.objects.all())
    remedy = serializers.ChoiceField(choices=ExitRemedyChoice.choices)
    fee = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=300, allow_blank=True, default="")

    def validate_candidate(self, candidate):
        user = self.context["request"].user
        if not Candidate.objects.visible_to(user).filter(pk=candidate.pk).exists():
            raise serializers.ValidationError(gettext("超出您的管辖范围"), code="does_not_exist")
        return candidate

    def create(self, validated_data):
        return ExitRemedy.objects.record(
            self.context["request"].user,
            validated_data["candidate"],
            validated_data["remedy"],
            validated_data.get("fee"),
            validated_data["note"],
        )


class RefundConfirmSerializer(serializers.Serializer):
    refunded_on = serializers.DateField()
