"""What a competition gives out: competition certificates (54号 四) and directly recognised
skill levels (实施意见 十五).

Certificates: for the ranked, eligible contestants of a city or county competition, issued by
`Competition.certificate_issuer()` — the city appraisal centre on behalf (代章), or the organiser a
city class-2 competition delegated it to. Numbers come from the provincial competition format
(`certificates.numbering.prefix_for("competition", …)`, serial = the competition's id) in the
transaction that stores them. Issuing again gives certificates only to those who have none: a
contestant's certificate is found by the keyed hash of their ID number, the event's occupation and
the competition serial inside the number.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from certificates.choices import CertificateKind
from certificates.models import Certificate
from certificates.numbering import SEQUENCE_WIDTH, allocate, issued_run, prefix_for
from competitions.choices import CompetitionKind, RecognitionStatus
from competitions.models import Competition, Recognition, certificates_of
from skilleval.changelog.signals import audited_update
from skilleval.choices import AuditAction, Level, Role
from skilleval.models import AuditEntry

MAX_SERIAL = 99_999  # the competition serial has five digits in the number


# --- certificates ----------------------------------------------------------------------------


def may_act_on_results(user, competition) -> bool:
    """The organiser, the host city's HR staff and the province propose recognitions and start
    the issuance; the issuer named by 54号 四 is on the certificates whoever presses the button."""
    if user.is_province_admin:
        return True
    if user.role == Role.COMPETITION_ORGANISER:
        return competition.created_by_id == user.pk
    city = competition.host_region.city
    return user.role == Role.CITY_STAFF and city is not None and user.city_id == city.code


def may_issue_certificates(user, competition) -> bool:
    """54号 四: certificates issued on behalf (代章) by the city appraisal centre are issued by the
    city (or the province); the organiser issues only what the city delegated to it."""
    if not may_act_on_results(user, competition):
        return False
    if user.role == Role.COMPETITION_ORGANISER:
        return competition.delegation is not None
    return True


def issuer_or_refusal(competition):
    """The issuing institution, or a ValidationError saying why there is none."""
    if competition.kind not in (CompetitionKind.CITY, CompetitionKind.COUNTY):
        raise ValidationError(
            gettext(
                "苏人社办函〔2022〕54号 四 规定市级、区（县）级竞赛证书的核发权限；%(kind)s竞赛的证书不在本平台核发"
            )
            % {"kind": competition.get_kind_display()}
        )
    city = competition.host_region.city
    if city is None:
        raise ValidationError(gettext("市级、区（县）级竞赛的举办地须为设区市或区县"))
    issuer = competition.certificate_issuer()
    if issuer is None:
        raise ValidationError(
            gettext(
                "%(name)s尚无登记的市职业技能鉴定机构（鉴定中心），无法代章核发竞赛证书（苏人社办函〔2022〕54号 四）。请先登记该市鉴定中心"
            )
            % {"name": city.name}
        )
    return issuer


@dataclass
class IssueResult:
    issuer: object
    issued: list[Certificate] = field(default_factory=list)
    skipped: int = 0


def issue_competition_certificates(competition: Competition, user) -> IssueResult:
    """Issue the certificates of a city or county competition to its ranked, eligible
    contestants who have none yet. All numbers of one run are allocated in one transaction."""
    competition.refuse_results_before_the_end()
    issuer = issuer_or_refusal(competition)
    if not may_issue_certificates(user, competition):
        raise PermissionDenied(
            gettext(
                "本竞赛证书由%(issuer)s核发，须由举办地设区市人社局办理（苏人社办函〔2022〕54号 四）"
            )
            % {"issuer": issuer}
        )
    if competition.pk > MAX_SERIAL:
        raise ValidationError(gettext("竞赛序号超过 5 位"))
    today = timezone.localdate()
    with transaction.atomic():
        # One issuance per competition at a time: a second run waits, then finds the work done.
        Competition.objects.select_for_update().filter(pk=competition.pk).first()
        contestants = list(
            competition.contestants.filter(eligible=True, rank__isnull=False)
            .select_related("event__occupation")
            .order_by("event__occupation__code", "rank", "pk")
        )
        if not contestants:
            raise ValidationError(gettext("尚无录入名次的合格选手，无证书可发"))
        held = set(
            certificates_of(competition)
            .filter(id_number_hash__in=[c.id_number_hash for c in contestants])
            .values_list("id_number_hash", "occupation_id")
        )
        due = [c for c in contestants if (c.id_number_hash, c.event.occupation_id) not in held]
        result = IssueResult(issuer=issuer, skipped=len(contestants) - len(due))
        if not due:
            return result
        prefix = prefix_for(
            "competition", institution=issuer, issued_on=today, competition_serial=competition.pk
        )
        numbers = allocate(prefix, SEQUENCE_WIDTH["competition"], len(due))
        result.issued = [
            Certificate(
                kind=CertificateKind.COMPETITION,
                number=number,
                institution=issuer,
                **Certificate.holder_fields(contestant),
                occupation=contestant.event.occupation,
                work_type=contestant.event.occupation.work_type,
                level=None,
                issued_on=today,
                signatory=issuer.responsible_person,
            )
            for contestant, number in zip(due, numbers, strict=True)
        ]
        Certificate.objects.bulk_create(result.issued)
        # bulk_create sends no signals: one summary entry for the audit log.
        AuditEntry.objects.record(
            AuditAction.CREATE,
            object_type="certificates.certificate",
            object_id=f"competition:{competition.pk}",
            object_repr=f"{competition} 竞赛证书 {numbers[0]} – {numbers[-1]}",
            after={
                "competition": competition.pk,
                "issuer": issuer.pk,
                **issued_run(numbers, today),
            },
        )
    return result


# --- recognitions ----------------------------------------------------------------------------


def propose_recognitions(competition: Competition, user) -> list[Recognition]:
    """Propose (again) the recognitions of a competition's results. Once one has been decided the
    proposals stand: proposing again would rewrite a decided level."""
    if not may_act_on_results(user, competition):
        raise PermissionDenied(gettext("无权提出认定建议"))
    competition.refuse_results_before_the_end()
    decided = Recognition.objects.filter(contestant__competition=competition).exclude(
        status=RecognitionStatus.PROPOSED
    )
    if decided.exists():
        raise ValidationError(gettext("已有认定结果，不能重新提出认定建议"))
    return Recognition.propose_for(competition)


DECIDERS = {"province": _("省人社厅"), "city_or_county": _("市、县人社部门")}


def may_decide_recognition(user, recognition: Recognition) -> bool:
    """The province decides level 1 and the class-1 results (实施意见 十五); the host city's or
    county's HR department decides the others, at level 2 or below."""
    if user.is_province_admin:
        return True
    if recognition.decided_by != "city_or_county":
        return False
    host = recognition.contestant.competition.host_region
    if user.role == Role.CITY_STAFF:
        return host.city is not None and host.city.code == user.city_id
    if user.role == Role.COUNTY_STAFF:
        return host.code == user.county_id
    return False


def decide_recognition(recognition: Recognition, *, user, grant: bool, level=None) -> Recognition:
    """Grant or refuse a proposed recognition. A conditional update moves it from "proposed",
    so two people deciding at once cannot both succeed."""
    if not may_decide_recognition(user, recognition):
        raise PermissionDenied(gettext("该认定不由您决定"))
    if grant:
        if recognition.decided_by == "province":
            level = recognition.level
        level = level or recognition.level
        if level is None:
            raise ValidationError(gettext("请选择认定等级"))
        if recognition.decided_by == "city_or_county" and level < 2:
            raise ValidationError(gettext("市、县人社部门认定二级/技师及以下等级（实施意见 十五）"))
        current = recognition.contestant.current_level
        if current and current <= level:
            raise ValidationError(
                gettext(
                    "选手现有等级为%(label)s，认定%(label2)s不构成晋升（苏人社办函〔2022〕54号 一）"
                )
                % {"label": Level(current).label, "label2": Level(level).label}
            )
    status = RecognitionStatus.GRANTED if grant else RecognitionStatus.REFUSED
    moved = audited_update(
        recognition,
        {"status": RecognitionStatus.PROPOSED},
        status=status,
        level=level if grant else recognition.level,
    )
    if not moved:
        raise ValidationError(gettext("该认定已处理"))
    return recognition
