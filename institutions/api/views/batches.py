"""The API of evaluation batches (评价批次), their candidates and exit remedies (239号 二(二))."""

import re

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from institutions.api.serializers import (
    BatchCreateSerializer,
    BatchSerializer,
    CandidateSerializer,
    EligibilityDecisionSerializer,
    ExamRoomSerializer,
    ExitRemedyRecordSerializer,
    ExitRemedySerializer,
    JobStartedSerializer,
    MissingPhotoSerializer,
    PhotoErrorsSerializer,
    PhotoImportSerializer,
    PhotoUploadSerializer,
    ReasonSerializer,
    RefundConfirmSerializer,
    RosterUploadSerializer,
    ScoresSerializer,
)
from institutions.choices import EligibilityStatus
from institutions.filtersets import BatchFilterSet, CandidateFilterSet
from institutions.models import Batch, BatchTransition, Candidate, ExitRemedy
from institutions.photos import PhotoErrors, candidates_without_photo, import_photos
from institutions.roster import roster_template
from skilleval.api.base import RoleWritePermission, ScopedViewSetMixin
from skilleval.choices import INSTITUTION_ROLES
from skilleval.personal_data import mask_id_number

# Resident IDs and residence permits have 18 characters, passports 9 or more.
ID_LIKE = re.compile(r"[0-9A-Za-z]{9,}")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def masked_file_name(name: str) -> str:
    """Photos are named by ID number: an answer names a file with its number masked."""

    def mask(found):
        text = found.group()
        return mask_id_number(text) if any(c.isdigit() for c in text) else text

    return ID_LIKE.sub(mask, name)


def job_started(job) -> Response:
    """202 with the job and where to follow its progress."""
    url = reverse("api:job-detail", args=[job.pk])
    return Response({"job": job.pk, "url": url}, status=status.HTTP_202_ACCEPTED)


@extend_schema_view(
    create=extend_schema(request=BatchCreateSerializer, responses={201: BatchSerializer}),
)
class BatchViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Evaluation batches (评价批次) in the user's scope and their workflow (239号 二(二)).
    Institution staff plan and drive a batch; city staff approve or return its results. The
    model decides who may press which button and refuses with the clause."""

    queryset = (
        Batch.objects.select_related("institution", "occupation", "region")
        .prefetch_related(
            Prefetch("transitions", queryset=BatchTransition.objects.select_related("actor"))
        )
        .annotate(
            candidate_count=Count("candidates"),
            eligible_count=Count(
                "candidates", filter=Q(candidates__eligibility=EligibilityStatus.PASSED)
            ),
            scored_count=Count("candidates", filter=Q(candidates__passed__isnull=False)),
            passed_count=Count("candidates", filter=Q(candidates__passed=True)),
        )
        # Meta.ordering is not applied to a query with GROUP BY (the counts): order explicitly.
        .order_by("-created_at", "-pk")
    )
    serializer_class = BatchSerializer
    filterset_class = BatchFilterSet
    permission_classes = [RoleWritePermission]
    write_roles = INSTITUTION_ROLES
    http_method_names = ["get", "post", "head", "options"]

    def get_serializer_class(self):
        return BatchCreateSerializer if self.action == "create" else BatchSerializer

    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.perform_create(body)
        return self._batch(body.instance, status.HTTP_201_CREATED)

    def _batch(self, batch, code=status.HTTP_200_OK) -> Response:
        """The batch as it is now, read again with its counts and history."""
        batch = self.get_queryset().get(pk=batch.pk)
        return Response(BatchSerializer(batch, context=self.get_serializer_context()).data, code)

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    # --- the workflow, one step per action ---------------------------------------------

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="publish-plan")
    def publish_plan(self, request, pk=None):
        """计划发布 / Publish the plan."""
        batch = self.get_object()
        batch.publish_plan(request.user)
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="close-roster")
    def close_roster(self, request, pk=None):
        """考生信息录入完毕 / Close the roster (needs at least one candidate)."""
        batch = self.get_object()
        batch.close_roster(request.user)
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="review-eligibility")
    def review_eligibility(self, request, pk=None):
        """按申报条件自动审核待审考生：符合者通过，其余待人工审核 / Pass the pending candidates
        who meet an application condition; the others wait for a reviewer (never failed)."""
        batch = self.get_object()
        batch.review_eligibility_automatically(request.user)
        return self._batch(batch)

    @extend_schema(request=EligibilityDecisionSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="decide-eligibility")
    def decide_eligibility(self, request, pk=None):
        """人工审核 / A reviewer's pass or fail for several candidates of the batch, with basis
        and reason; exceptional promotion (破格) needs the employer's published policy (54号 一)."""
        batch = self.get_object()
        data = self._body(EligibilityDecisionSerializer)
        ids = set(data["candidates"])
        candidates = list(batch.candidates.filter(pk__in=ids))
        if len(candidates) != len(ids):
            raise ValidationError(gettext("所选考生不在本批次中"))
        batch.decide_eligibility(
            request.user,
            candidates,
            passed=data["passed"],
            basis=data["basis"],
            reason=data["reason"],
        )
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="complete-eligibility-review")
    def complete_eligibility_review(self, request, pk=None):
        """资格审核完成（无待审考生）/ Close the eligibility review."""
        batch = self.get_object()
        batch.complete_eligibility_review(request.user)
        return self._batch(batch)

    @extend_schema(methods=["GET"], responses=ExamRoomSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ExamRoomSerializer, responses={201: ExamRoomSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def rooms(self, request, pk=None):
        """The batch's rooms (GET), or add one with its number of seats (POST), until the rooms
        are arranged."""
        if request.method == "GET":
            batch = self.get_object()
            return Response(ExamRoomSerializer(batch.rooms.all(), many=True).data)
        batch = self.get_object()
        data = self._body(ExamRoomSerializer)
        room = batch.add_room(request.user, data["name"], data["capacity"])
        return Response(ExamRoomSerializer(room).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="arrange-rooms")
    def arrange_rooms(self, request, pk=None):
        """考场编排：按名单顺序逐场安排座位 / Seat every admitted candidate, room by room."""
        batch = self.get_object()
        batch.arrange_rooms(request.user)
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="generate-tickets")
    def generate_tickets(self, request, pk=None):
        """生成准考证号 / Admission ticket numbers, unique in the province: year (2) + city (2) +
        batch (7) + candidate sequence (4)."""
        batch = self.get_object()
        batch.generate_tickets(request.user)
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="record-examined")
    def record_examined(self, request, pk=None):
        """考试完毕，成绩已全部录入 / Every admitted candidate has a result."""
        batch = self.get_object()
        batch.record_examined(request.user)
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"], url_path="publicise-results")
    def publicise_results(self, request, pk=None):
        """成绩公示（默认5个工作日）/ Publicise the results."""
        batch = self.get_object()
        batch.publicise_results(request.user)
        return self._batch(batch)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="approve-results",
        permission_classes=[permissions.IsAuthenticated],
    )
    def approve_results(self, request, pk=None):
        """成绩审核 / The institution's city approves the results once the publicity period
        (default 5 working days) is over (54号 五)."""
        batch = self.get_object()
        batch.approve_results(request.user)
        return self._batch(batch)

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="return-results",
        permission_classes=[permissions.IsAuthenticated],
    )
    def return_results(self, request, pk=None):
        """设区市退回成绩并说明原因 / The city returns the results, with a reason."""
        batch = self.get_object()
        batch.return_results(request.user, self._body(ReasonSerializer)["reason"])
        return self._batch(batch)

    @extend_schema(request=None, responses={202: JobStartedSerializer})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        """谁评价、谁发证、谁负责 (54号 四): the institution's signatory signs off approved results;
        the certificates are issued by a background job (pressing twice starts one job)."""
        batch = self.get_object()
        return job_started(batch.sign_off(request.user))

    @extend_schema(request=ReasonSerializer, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """取消批次并说明原因（成绩审核通过前）/ Cancel the batch, with a reason."""
        batch = self.get_object()
        batch.cancel(request.user, self._body(ReasonSerializer)["reason"])
        return self._batch(batch)

    # --- roster and photos -----------------------------------------------------------------

    @extend_schema(
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="考生名单模板")}
    )
    @action(detail=True, methods=["get"], url_path="roster-template")
    def roster_template(self, request, pk=None):
        """The roster template (.xlsx, Chinese headers, instructions in Chinese and English)."""
        batch = self.get_object()
        response = HttpResponse(roster_template(), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="roster-{batch.pk}.xlsx"'
        return response

    @extend_schema(request=RosterUploadSerializer, responses={202: JobStartedSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def roster(self, request, pk=None):
        """Upload the filled roster (.xlsx or .csv) while the plan is published. A background job
        checks and imports it, all or nothing; a refused roster fails the job with every error
        (row, column, Chinese and English) and the annotated spreadsheet as its result file."""
        batch = self.get_object()
        batch.require_run_by(request.user)  # before reading the body: a stranger gets 403
        upload = self._body(RosterUploadSerializer)["file"]
        return job_started(batch.start_roster_import(request.user, upload))

    @extend_schema(
        request=PhotoUploadSerializer,
        responses={200: PhotoImportSerializer, 400: PhotoErrorsSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photos(self, request, pk=None):
        """Upload a ZIP of 一寸 white-background photos named by ID number, all or nothing; a
        refused ZIP answers 400 with every bad file."""
        batch = self.get_object()
        upload = self._body(PhotoUploadSerializer)["file"]
        try:
            outcome = import_photos(batch, upload, user=request.user)
        except PhotoErrors as refused:
            errors = [{**e, "file": masked_file_name(e["file"])} for e in refused.errors]
            body = {"detail": [str(refused).splitlines()[0]], "errors": errors}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(PhotoImportSerializer(outcome).data)

    @extend_schema(responses=MissingPhotoSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="missing-photos")
    def missing_photos(self, request, pk=None):
        """The batch's candidates who still have no photo, in roster order."""
        batch = self.get_object()
        candidates = candidates_without_photo(batch)
        return Response(MissingPhotoSerializer(candidates, many=True).data)


class CandidateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Candidates of the batches in the user's scope. ID numbers appear masked only."""

    queryset = Candidate.objects.select_related("batch__institution", "room")
    serializer_class = CandidateSerializer
    filterset_class = CandidateFilterSet

    @extend_schema(request=ScoresSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        """Enter a candidate's scores after the admission tickets and before the publicity; the
        staff of the institution running the batch only."""
        candidate = self.get_object()
        candidate.batch.require_run_by(request.user, gettext("只有本批次的评价机构可以录入成绩"))
        body = ScoresSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        candidate.batch.record_scores(request.user, candidate, **body.validated_data)
        return Response(self.get_serializer(candidate).data)


class ExitRemedyViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """239号 二(二): candidates of batches invalidated at their exit cut-off and what each chose
    (continue by another route, or the appraisal fee refunded). The institution records a
    choice (POST); the city or the province confirms a refund (`confirm-refund`).
    `?open=1` lists the refunds not yet confirmed."""

    queryset = ExitRemedy.objects.select_related("candidate__batch__institution").order_by("pk")
    serializer_class = ExitRemedySerializer
    permission_classes = [RoleWritePermission]
    write_roles = INSTITUTION_ROLES
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        rows = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("open") == "1":
            rows = rows.open_refunds()
        return rows

    def get_permissions(self):
        if self.action == "confirm_refund":  # the model says who (ExitRemedy.may_confirm_refund)
            return [permissions.IsAuthenticated()]
        return super().get_permissions()

    def get_serializer_class(self):
        return ExitRemedyRecordSerializer if self.action == "create" else ExitRemedySerializer

    @extend_schema(request=ExitRemedyRecordSerializer, responses={201: ExitRemedySerializer})
    def create(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.perform_create(body)
        return Response(ExitRemedySerializer(body.instance).data, status.HTTP_201_CREATED)

    @extend_schema(request=RefundConfirmSerializer, responses=ExitRemedySerializer)
    @action(detail=True, methods=["post"], url_path="confirm-refund")
    def confirm_refund(self, request, pk=None):
        """退费核实 / The city confirms the appraisal fee was refunded on a day."""
        remedy = self.get_object()
        if not remedy.may_confirm_refund(request.user):  # who before why not
            remedy.confirm_refund(request.user)
        body = RefundConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        remedy.confirm_refund(request.user, body.validated_data["refunded_on"])
        return Response(ExitRemedySerializer(remedy).data)
