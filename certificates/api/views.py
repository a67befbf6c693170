"""Certificate API: the staff resource `certificates` (scoped, read-only, with revocation
actions) and the public lookup, captcha and verification endpoints."""

from django.conf import settings
from django.core import exceptions as django_exceptions
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import lookup as public_lookup
from certificates import verification
from certificates.api.serializers import (
    CaptchaRequiredSerializer,
    CaptchaSerializer,
    CertificateSerializer,
    LookupRequestSerializer,
    LookupResponseSerializer,
    LookupResultSerializer,
    PdfCheckSerializer,
    PdfUploadSerializer,
    ProofRequestSerializer,
    ProofSerializer,
    RevokeBatchSerializer,
    RevokedCountSerializer,
    RevokePersonSerializer,
    RevokeSerializer,
    VerificationSerializer,
)
from certificates.filtersets import CertificateFilterSet
from certificates.issuance import issue_proof
from certificates.models import Certificate
from skilleval.api.base import ScopedViewSetMixin

NOT_IN_SCOPE = _("您的管辖范围内没有这些证书")


class CertificateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Certificates in the user's scope. Province auditors and admins revoke anywhere, city staff
    in their city (54号 五); nothing is deleted."""

    queryset = Certificate.objects.select_related("institution", "occupation")
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet

    def handle_exception(self, exc):
        # The model refuses with Django's exceptions and bilingual messages; pass them on as-is.
        if isinstance(exc, django_exceptions.ValidationError):
            exc = exceptions.ValidationError({"detail": exc.messages})
        elif isinstance(exc, django_exceptions.PermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)

    def _require_revoker(self):
        if not Certificate.may_revoke(self.request.user):
            raise exceptions.PermissionDenied(
                gettext("只有省级督查员、管理员和设区市人社局可以注销证书")
            )

    def _body(self, serializer_class):
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data

    def _revoke(self, certificates, reason):
        certificates = list(certificates.select_related("institution"))
        if not certificates:
            raise exceptions.NotFound(NOT_IN_SCOPE)
        count = Certificate.revoke_many(certificates, user=self.request.user, reason=reason)
        return Response({"revoked": count})

    @extend_schema(request=RevokeSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke one certificate, with a reason."""
        self._require_revoker()
        certificate = self.get_object()
        data = self._body(RevokeSerializer)
        Certificate.revoke_many([certificate], user=request.user, reason=data["reason"])
        certificate.refresh_from_db()
        return Response(self.get_serializer(certificate).data)

    @extend_schema(request=ProofRequestSerializer, responses={201: ProofSerializer})
    @action(detail=True, methods=["post"])
    def proof(self, request, pk=None):
        """Give a proof (证明) for a lost or wrong vocational qualification certificate: its
        issuing institution only, never a new certificate (239号 二(三))."""
        certificate = self.get_object()
        if not certificate.is_kept_by(request.user):  # who, before what the body says
            raise exceptions.PermissionDenied(gettext("证明由原发证机构出具"))
        data = self._body(ProofRequestSerializer)
        proof = issue_proof(certificate, request.user, data["reason"], data["detail"])
        return Response(ProofSerializer(proof, context={"request": request}).data, status=201)

    @extend_schema(request=RevokeBatchSerializer, responses=RevokedCountSerializer)
    @action(detail=False, methods=["post"], url_path="revoke-batch")
    def revoke_batch(self, request):
        """Revoke every valid certificate of a batch in the user's scope."""
        self._require_revoker()
        data = self._body(RevokeBatchSerializer)
        return self._revoke(self.get_queryset().filter(batch_id=data["batch"]), data["reason"])

    @extend_schema(request=RevokePersonSerializer, responses=RevokedCountSerializer)
    @action(detail=False, methods=["post"], url_path="revoke-person")
    def revoke_person(self, request):
        """Revoke every valid certificate of one person (by ID number) in the user's scope."""
        self._require_revoker()
        data = self._body(RevokePersonSerializer)
        return self._revoke(self.get_queryset().of_person(data["id_number"]), data["reason"])


# --- public -------------------------------------------------------------------------------------


class PublicView(APIView):
    """No sign-in, JSON only, and nothing kept by browsers or proxies."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]

    def throttled(self, request, wait):
        raise exceptions.Throttled(
            wait,
            detail=gettext("查询过于频繁，请稍后再试"),
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


def challenge_body(challenge) -> dict:
    return {
        "token": challenge.token,
        "bits": challenge.bits,
        "algorithm": public_lookup.POW_ALGORITHM,
    }


# The lookup is the portal's busiest request. DRF deep-copies every declared field for each new
# serializer, which cost as much as the database; these two hold no state between calls (they only
# validate and represent), so one instance of each serves every request.
LOOKUP_REQUEST = LookupRequestSerializer()
LOOKUP_RESULT = LookupResultSerializer()


class PublicLookupView(PublicView):
    @extend_schema(
        operation_id="public_lookup",
        request=LookupRequestSerializer,
        responses={
            200: LookupResponseSerializer,
            400: OpenApiResponse(
                CaptchaRequiredSerializer,
                description=_("缺少字段，或需要验证码"),
            ),
            429: OpenApiResponse(description=_("查询过于频繁")),
        },
        auth=[],
    )
    def post(self, request):
        """Look certificates up by name + ID number, or name + certificate number. A miss is
        `{"results": []}` whichever field was wrong. After repeated misses from one client a
        captcha (GET public/captcha/) must come with the request."""
        try:
            data = LOOKUP_REQUEST.run_validation(request.data)
        except exceptions.ValidationError:
            self.require_gate(request, None)  # a refused request counts against the client
            raise
        gate = self.require_gate(
            request, public_lookup.identity_of(data["id_number"], data["certificate_number"])
        )
        if gate.captcha_required and not public_lookup.check_captcha(
            data.get("captcha_token"), data.get("captcha_answer")
        ):
            challenge = public_lookup.new_challenge()
            detail = (
                gettext("验证码错误或已失效，请输入新的验证码")
                if data.get("captcha_token")
                else gettext("请先完成验证码")
            )
            return Response(
                {
                    "detail": detail,
                    "captcha_required": True,
                    "captcha": challenge_body(challenge),
                },
                status=400,
            )
        certificates = public_lookup.lookup(
            data["name"],
            id_number=data["id_number"] or None,
            certificate_number=data["certificate_number"] or None,
        )
        if not certificates:
            public_lookup.record_miss(public_lookup.client_address(request))
        return Response({"results": [LOOKUP_RESULT.to_representation(c) for c in certificates]})

    def require_gate(self, request, identity):
        gate = public_lookup.pass_gate(request, identity)
        if gate.wait is not None:
            self.throttled(request, gate.wait)
        return gate


class PublicCaptchaView(PublicView):
    throttle_classes = [public_lookup.CaptchaThrottle]

    @extend_schema(operation_id="public_captcha", responses=CaptchaSerializer, auth=[])
    def get(self, request):
        """A new captcha challenge: draw `svg`, send `token` and the answer with the lookup."""
        return Response(challenge_body(public_lookup.new_challenge()))


class PublicVerifyView(PublicView):
    @extend_schema(
        operation_id="public_verify",
        responses={
            200: VerificationSerializer,
            404: OpenApiResponse(description=_("未找到")),
        },
        auth=[],
    )
    def get(self, request, token):
        """The QR target: the record behind a certificate's (or a proof's) verification token
        and its current status; never the full ID number."""
        found = public_lookup.find_by_token(token)
        if found is None:
            raise Http404
        certificate, proof = found
        return Response(
            VerificationSerializer(
                {
                    "record": "proof" if proof else "certificate",
                    "certificate": certificate,
                    "proof": proof,
                }
            ).data
        )


class PublicPdfCheckView(PublicView):
    """Anyone may check a certificate PDF: its signature offline against the province's key,
    then the register (valid / revoked / altered / not issued by this province)."""

    throttle_classes = [public_lookup.PdfCheckThrottle]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="public_verify_pdf",
        request={"multipart/form-data": PdfUploadSerializer},
        responses={200: PdfCheckSerializer},
        auth=[],
    )
    def post(self, request):
        body = PdfUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["pdf"]
        check = verification.check_pdf(upload.read(verification.MAX_UPLOAD_BYTES + 1))
        return Response(PdfCheckSerializer(check).data)


class CeilingView(PublicView):
    """bench_lookup's ceiling: the lookup's stack (middleware, DRF, JSON) answering a constant,
    so the benchmark can say how much of the framework's rate the lookup reaches. Routed only on
    the benchmark's own server (settings.BENCH_CEILING)."""

    @extend_schema(exclude=True)
    def post(self, request):
        return Response({"results": []})


routes = [("certificates", CertificateViewSet, "api-certificate")]
urlpatterns = [
    path("public/lookup/", PublicLookupView.as_view(), name="api-public-lookup"),
    path("public/captcha/", PublicCaptchaView.as_view(), name="api-public-captcha"),
    path("public/verify/<str:token>/", PublicVerifyView.as_view(), name="api-public-verify"),
    path("public/verify-pdf/", PublicPdfCheckView.as_view(), name="api-public-verify-pdf"),
]
if settings.BENCH_CEILING:
    urlpatterns.append(path("public/bench-ceiling/", CeilingView.as_view()))
