"""Access-type (准入类) qualifications stay vocational qualifications, evaluated by the government's
appraisal bodies (实施意见 四): the 2021-02-01 end of level-evaluation certificates (239号 二(三))
does not stop them, and they are not certified as skill levels (中就培函〔2020〕41号 二(二))."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from certificates.choices import CertificateKind
from skilleval import rules
from skilleval.models import Occupation
from skilleval.occupation_import import import_occupations, read_rows
from skilleval.rules.engine import InvalidFacts
from tests.factories import OccupationFactory
from tests.test_lookup import make_certificate

pytestmark = pytest.mark.django_db

ISSUE_DEADLINE = "exit.certificate_issue_deadline"


@pytest.mark.parametrize(
    ("issue_date", "level_evaluation_allowed"),
    [(date(2021, 1, 31), True), (date(2021, 2, 1), False), (date(2021, 2, 2), False)],
)
def test_the_exit_stop_ends_level_evaluation_certificates_but_not_access_type_ones(
    issue_date, level_evaluation_allowed
):
    level_evaluation = rules.evaluate(
        ISSUE_DEADLINE, {"issue_date": issue_date, "access_type": False}, issue_date
    )
    access_type = rules.evaluate(
        ISSUE_DEADLINE, {"issue_date": issue_date, "access_type": True}, issue_date
    )
    assert level_evaluation.result["allowed"] is level_evaluation_allowed
    assert access_type.result["allowed"] is True and "实施意见 四" in access_type.zh


def test_the_rule_will_not_guess_whether_the_occupation_is_access_type():
    with pytest.raises(InvalidFacts) as refused:
        rules.evaluate(ISSUE_DEADLINE, {"issue_date": date(2021, 2, 1)})
    assert "access_type" in refused.value.errors


def scope(occupation, kind="social_org"):
    return rules.evaluate(
        "institution.scope_allows",
        {
            "institution_kind": kind,
            "occupation_code": occupation.code,
            "level": 4,
            "has_national_standard": True,
            "has_question_bank": True,
        },
        date(2026, 12, 4),
    )


def test_an_access_type_occupation_is_not_filed_for_skill_level_certification():
    lathe = OccupationFactory()
    fire = OccupationFactory(code="4-07-05-03", name="消防设施操作员", is_access_type=True)
    assert scope(lathe).result["allowed"] is True
    refused = scope(fire)
    assert refused.result["allowed"] is False and "41号 二(二)" in refused.zh
    assert scope(fire, kind="employer").result["allowed"] is False


def test_an_exited_level_evaluation_occupation_cannot_be_access_type():
    occupation = OccupationFactory(vq_exit_batch=1)
    occupation.is_access_type = True
    with pytest.raises(IntegrityError), transaction.atomic():
        occupation.save()


@time_machine.travel(date(2026, 12, 4))
def test_an_access_type_certificate_may_be_printed_anew_a_level_evaluation_one_not(
    nanjing_institution,
):
    fire = OccupationFactory(code="4-07-05-03", name="消防设施操作员", is_access_type=True)
    access = make_certificate(
        nanjing_institution,
        kind=CertificateKind.VOCATIONAL_QUALIFICATION,
        number="2032000000400013",
        occupation=fire,
        issued_on=date(2025, 5, 20),
    )
    exited = make_certificate(
        nanjing_institution,
        kind=CertificateKind.VOCATIONAL_QUALIFICATION,
        number="2032000000400014",
        occupation=OccupationFactory(vq_exit_batch=2),
        issued_on=date(2020, 11, 30),
    )
    access.refuse_new_print()  # nothing refused
    with pytest.raises(ValidationError) as refused:
        exited.refuse_new_print()
    assert "239号 二(三)" in refused.value.messages[0]


CSV = "职业编码,职业名称,工种,等级,准入类\n{rows}"


def test_the_occupation_file_says_which_occupations_are_access_type():
    rows = "4-07-05-03,消防设施操作员,,5|4|3,是\n6-18-01-01,车工,,5|4|3,\n"
    import_occupations(read_rows(CSV.format(rows=rows).encode(), "o.csv"))
    flags = dict(Occupation.objects.values_list("code", "is_access_type"))
    assert flags == {"4-07-05-03": True, "6-18-01-01": False}
    # A file without the column leaves the flags as they are.
    old_format = "职业编码,职业名称,工种,等级\n4-07-05-03,消防设施操作员,,5|4|3\n"
    import_occupations(read_rows(old_format.encode(), "o.csv"))
    assert Occupation.objects.get(code="4-07-05-03").is_access_type is True


def test_an_exited_occupation_is_refused_as_access_type_in_the_file():
    OccupationFactory(vq_exit_batch=1)
    from skilleval.occupation_import import OccupationImportError

    with pytest.raises(OccupationImportError) as refused:
        import_occupations(
            read_rows(CSV.format(rows="6-18-01-01,车工,,5|4|3,是\n").encode(), "o.csv")
        )
    assert [(e["row"], e["column"]) for e in refused.value.errors] == [(2, "准入类")]
    assert Occupation.objects.get(code="6-18-01-01").is_access_type is False


def test_an_honour_in_an_access_type_occupation_recognises_no_skill_level(province_admin):
    from competitions.choices import HonourKind
    from competitions.models import Honour
    from skilleval.demo import make_resident_id

    fire = OccupationFactory(code="4-07-05-03", name="消防设施操作员", is_access_type=True)
    with pytest.raises(ValidationError) as refused:
        Honour.record(
            user=province_admin,
            name="李消防",
            id_type="resident_id",
            id_number=make_resident_id("320102", "19800101", 7),
            kind=HonourKind.JIANGSU_SKILLS_AWARD,
            title="江苏技能大奖",
            awarding_body="江苏省人民政府",
            document_number="苏政发〔2025〕1号",
            awarded_on=date(2025, 10, 1),
            occupation=fire,
        )
    assert "准入类" in refused.value.messages[0]
    assert not Honour.objects.exists()
