"""The public lookup, verification and the holder's own download (SPEC "Public lookup and
privacy"): answers that reveal nothing on a miss, rate limits, the captcha, no full ID number."""

import hashlib
from datetime import date, timedelta
from functools import partial

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from certificates import lookup as public_lookup
from certificates.choices import PrintKind, ProofReason
from certificates.models import Certificate, CertificatePrint, Proof
from skilleval import proof_of_work
from skilleval.demo import make_resident_id
from skilleval.personal_data import keyed_hash
from tests.factories import issued_certificate

LOOKUP = "/api/v1/public/lookup/"
ID_NUMBER = make_resident_id("320102", "19900307", 123)
NUMBER = "S000032000123254000001"


# Wang Xiaoming's certificate, the one the lookups below look for.
make_certificate = partial(issued_certificate, number=NUMBER, id_number=ID_NUMBER)


@pytest.fixture
def certificate(nanjing_institution):
    return make_certificate(nanjing_institution)


@pytest.fixture
def with_pdf(certificate, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    certificate.pdf.save("cert.pdf", ContentFile(b"%PDF-1.4 a certificate"))
    return certificate


def post(api, data, client="10.0.0.1"):
    return api.post(LOOKUP, data, format="json", REMOTE_ADDR=client)


# --- hits ------------------------------------------------------------------------------------


def test_it_finds_a_certificate_by_name_and_id_number(api, certificate):
    response = post(api, {"name": "王小明", "id_number": ID_NUMBER})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["number"] == NUMBER
    assert result["kind"] == "skill_level"
    assert result["holder_name"] == "王小明"
    assert result["id_number_masked"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert result["occupation"] == "车工"
    assert result["level"] == 4
    assert result["level_display"] == "四级/中级工"
    assert result["institution"] == "南京测试机电有限公司"
    assert result["issued_on"] == "2025-06-30"
    assert result["status"] == "valid"
    assert result["revoked_on"] is None
    assert result["verification_url"].endswith(f"/v/{certificate.verification_token}/")
    assert response["Cache-Control"] == "no-store"


def test_it_finds_a_certificate_by_number_and_name_whatever_the_case_and_spaces(api, certificate):
    response = post(api, {"name": " 王小明 ", "certificate_number": NUMBER.lower()})
    assert [r["number"] for r in response.json()["results"]] == [NUMBER]


def test_it_lists_every_certificate_of_the_person(api, certificate, suzhou_institution):
    make_certificate(suzhou_institution, number="S000032000456255000001", level=5)
    response = post(api, {"name": "王小明", "id_number": ID_NUMBER.lower()})
    assert len(response.json()["results"]) == 2


def test_hit_and_miss_run_the_same_single_query(certificate, django_assert_num_queries):
    for name, id_number in [("王小明", ID_NUMBER), ("王小名", ID_NUMBER), ("王小明", "1" * 18)]:
        with django_assert_num_queries(1):
            public_lookup.lookup(name, id_number=id_number)
    with django_assert_num_queries(1):
        public_lookup.lookup("王小明", certificate_number="S000032000123254000009")


def test_on_postgresql_the_lookup_is_prepared_once_per_connection(certificate, on_postgres):
    for name in ("王小明", "王小名", "王小明"):
        public_lookup.lookup(name, id_number=ID_NUMBER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 1 and "certificates_certificate" in prepared[0]
    # Every other query of the connection stays unprepared (Django's client-side binding).
    assert connection.connection.prepare_threshold is None


# --- refusals and misses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ({"name": "王小明"}, "id_number"),
        ({"id_number": ID_NUMBER}, "name"),
        ({"certificate_number": NUMBER}, "name"),
        ({"name": "  ", "id_number": ID_NUMBER}, "name"),
        ({}, "name"),
    ],
)
def test_it_refuses_one_field_alone_naming_what_is_missing(api, certificate, data, missing):
    response = post(api, data)
    assert response.status_code == 400
    assert missing in response.json()
    assert "results" not in response.json()


def test_it_refuses_both_numbers_at_once(api, certificate):
    response = post(api, {"name": "王小明", "id_number": ID_NUMBER, "certificate_number": NUMBER})
    assert response.status_code == 400


def test_the_page_refuses_a_name_alone(client, certificate):
    response = client.post("/lookup/", {"mode": "id", "name": "王小明"})
    assert response.status_code == 400
    assert "请填写证件号码或证书编号" in response.content.decode()


def test_a_miss_answers_the_same_whichever_field_was_wrong(api, certificate):
    other_id = make_resident_id("320102", "19900307", 124)
    answers = [
        post(api, data, client=f"10.0.1.{n}")
        for n, data in enumerate(
            [
                {"name": "王小名", "id_number": ID_NUMBER},  # wrong name
                {"name": "王小明", "id_number": other_id},  # wrong ID number
                {"name": "王小明", "certificate_number": "S000032000123254000002"},  # wrong number
                {"name": "王小名", "certificate_number": NUMBER},  # wrong name, by number
                {"name": "李四", "id_number": other_id},  # both wrong
            ]
        )
    ]
    first = answers[0]
    assert first.status_code == 200
    assert first.content == b'{"results":[]}'

    def headers(response):
        # Date and the request id differ on every request, hit or miss alike.
        return {
            k: v for k, v in response.headers.items() if k.lower() not in {"date", "x-request-id"}
        }

    for answer in answers[1:]:
        assert answer.status_code == first.status_code
        assert answer.content == first.content
        assert headers(answer) == headers(first)


def test_a_revoked_certificate_reads_revoked_at_once(api, certificate, province_auditor):
    Certificate.revoke_many([certificate], user=province_auditor, reason="督查发现违规发证")
    (result,) = post(api, {"name": "王小明", "id_number": ID_NUMBER}).json()["results"]
    assert result["status"] == "revoked"
    assert result["revoked_on"] == timezone.localdate().isoformat()

    page = Client().get(f"/v/{certificate.verification_token}/").content.decode()
    assert "已注销" in page
    assert "督查发现违规发证" in page


def test_no_public_answer_carries_the_full_id_number(api, client, with_pdf):
    certificate = with_pdf
    bodies = [
        post(api, {"name": "王小明", "id_number": ID_NUMBER}).content.decode(),
        client.post(
            "/lookup/", {"mode": "id", "name": "王小明", "id_number": ID_NUMBER}
        ).content.decode(),
        client.get(f"/v/{certificate.verification_token}/").content.decode(),
        api.get(f"/api/v1/public/verify/{certificate.verification_token}/").content.decode(),
    ]
    for body in bodies:
        assert certificate.id_number_masked in body
        assert ID_NUMBER not in body
        assert ID_NUMBER[6:14] not in body  # not even the birth date


# --- the page --------------------------------------------------------------------------------


def test_the_page_posts_and_shows_the_result_as_a_card(client, certificate):
    form = client.get("/lookup/")
    assert form["Cache-Control"] == "no-store"
    assert 'method="post"' in form.content.decode()
    response = client.post(
        "/lookup/", {"mode": "number", "name": "王小明", "certificate_number": NUMBER}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert 'class="cert-card"' in body
    assert "有效" in body
    assert certificate.verification_path() in body


def test_the_page_uses_only_the_field_of_the_chosen_mode(client, certificate):
    response = client.post(
        "/lookup/",
        {"mode": "number", "name": "王小明", "id_number": ID_NUMBER, "certificate_number": ""},
    )
    assert response.status_code == 400


def test_the_page_says_the_same_for_any_miss(client, certificate):
    bodies = set()
    for n, data in enumerate(
        [
            {"mode": "id", "name": "王小名", "id_number": ID_NUMBER},
            {"mode": "id", "name": "王小明", "id_number": "1" * 18},
        ]
    ):
        response = Client(REMOTE_ADDR=f"10.0.2.{n}").post("/lookup/", data)
        body = response.content.decode()
        start = body.index('<section class="results"')
        bodies.add(body[start : body.index("</section>", start)])
    assert len(bodies) == 1
    assert "未查到匹配的证书" in bodies.pop()


# --- rate limits -----------------------------------------------------------------------------


def test_it_limits_lookups_per_client(api, certificate, settings):
    settings.LOOKUP_RATE_PER_CLIENT = "5/minute"
    statuses = [
        post(
            api, {"name": "王小明", "id_number": make_resident_id("320102", "19900307", n)}
        ).status_code
        for n in range(6)
    ]
    assert 429 not in statuses[:5]
    assert statuses[5] == 429
    # Another client is not held back; the page shares the same budget.
    assert (
        post(api, {"name": "王小明", "id_number": ID_NUMBER}, client="10.9.9.9").status_code == 200
    )
    page = Client(REMOTE_ADDR="10.0.0.1").post(
        "/lookup/", {"mode": "id", "name": "王小明", "id_number": ID_NUMBER}
    )
    assert page.status_code == 429
    assert "查询过于频繁" in page.content.decode()


def test_it_limits_lookups_per_identity_across_clients(api, certificate, settings):
    settings.LOOKUP_RATE_PER_IDENTITY = "3/minute"
    guesses = ["张三", "李四", "王五", "赵六"]
    statuses = [
        post(api, {"name": name, "id_number": ID_NUMBER}, client=f"10.0.3.{n}").status_code
        for n, name in enumerate(guesses)
    ]
    assert statuses == [200, 200, 200, 429]
    # The same holds for a certificate number, and a different person is not held back.
    numbered = [
        post(api, {"name": name, "certificate_number": NUMBER}, client=f"10.0.4.{n}").status_code
        for n, name in enumerate(guesses)
    ]
    assert numbered == [200, 200, 200, 429]
    other = make_resident_id("320102", "19900307", 200)
    assert post(api, {"name": "王小明", "id_number": other}, client="10.0.5.1").status_code == 200


def test_the_limits_can_be_switched_off_for_the_benchmark(api, certificate, settings):
    settings.LOOKUP_RATE_LIMIT_ENABLED = False
    settings.LOOKUP_RATE_PER_CLIENT = "2/minute"
    for _ in range(6):
        response = post(api, {"name": "王小名", "id_number": ID_NUMBER})
        assert response.status_code == 200


# --- the proof of work after repeated misses --------------------------------------------------


@pytest.fixture(autouse=True)
def _cheap_proof_of_work(settings):
    settings.LOOKUP_POW_BITS = 8  # the same check, 256 hashes instead of 65,536


def miss_three_times(api, client="10.0.0.1"):
    for n in range(3):
        wrong = make_resident_id("320102", "19900307", 300 + n)
        assert post(api, {"name": "王小明", "id_number": wrong}, client).json() == {"results": []}


def answered(token: str, bits: int = 8) -> dict:
    return {"captcha_token": token, "captcha_answer": public_lookup.solve(token, bits)}


def a_wrong_answer(token: str, bits: int = 8) -> str:
    right = public_lookup.solve(token, bits)
    return next(
        str(n)
        for n in range(10**6)
        if str(n) != right
        and proof_of_work.leading_zero_bits(hashlib.sha256(f"{token}:{n}".encode()).digest()) < bits
    )


def test_after_three_misses_a_proof_of_work_is_needed_and_a_right_one_lets_through(
    api, certificate
):
    miss_three_times(api)
    asked = post(api, {"name": "王小明", "id_number": ID_NUMBER})
    assert asked.status_code == 400
    body = asked.json()
    assert body["captcha_required"] is True
    assert body["captcha"]["bits"] == 8 and "sha256" in body["captcha"]["algorithm"]

    response = post(
        api, {"name": "王小明", "id_number": ID_NUMBER, **answered(body["captcha"]["token"])}
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1

    # Another client is not asked.
    assert post(api, {"name": "王小明", "id_number": ID_NUMBER}, "10.0.6.1").status_code == 200


def test_a_wrong_or_reused_proof_is_refused(api, certificate):
    miss_three_times(api)
    fresh = api.get("/api/v1/public/captcha/").json()
    assert set(fresh) == {"token", "bits", "algorithm"}
    data = {"name": "王小明", "id_number": ID_NUMBER}

    wrong = post(
        api,
        {**data, "captcha_token": fresh["token"], "captcha_answer": a_wrong_answer(fresh["token"])},
    )
    assert wrong.status_code == 400
    assert wrong.json()["captcha"]["token"] != fresh["token"]  # a new challenge comes with it

    # Even with the right answer, a token already tried is spent.
    reused = post(api, {**data, **answered(fresh["token"])})
    assert reused.status_code == 400

    good = answered(reused.json()["captcha"]["token"])
    assert post(api, {**data, **good}).status_code == 200
    assert post(api, {**data, **good}).status_code == 400


def test_a_proof_for_an_easier_challenge_is_refused_after_the_difficulty_rises(
    api, certificate, settings
):
    miss_three_times(api)
    token = api.get("/api/v1/public/captcha/").json()["token"]
    settings.LOOKUP_POW_BITS = 12
    response = post(api, {"name": "王小明", "id_number": ID_NUMBER, **answered(token)})
    assert response.status_code == 400


def test_a_proof_of_work_expires(api, certificate):
    miss_three_times(api)
    token = api.get("/api/v1/public/captcha/").json()["token"]
    proof = answered(token)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        # Still within the 15-minute window of misses.
        response = post(api, {"name": "王小明", "id_number": ID_NUMBER, **proof})
    assert response.status_code == 400


def test_a_forged_token_is_refused(api, certificate):
    miss_three_times(api)
    forged = "eyJuIjoiMSIsImIiOjh9:forged:sig"
    response = post(api, {"name": "王小明", "id_number": ID_NUMBER, **answered(forged)})
    assert response.status_code == 400


def test_the_page_asks_the_browser_for_the_proof_after_three_misses(client, certificate):
    for n in range(3):
        client.post(
            "/lookup/",
            {
                "mode": "id",
                "name": "王小明",
                "id_number": make_resident_id("320102", "19900307", n),
            },
        )
    page = client.get("/lookup/").content.decode()
    assert "data-pow-token=" in page and "js/lookup-pow.js" in page
    refused = client.post("/lookup/", {"mode": "id", "name": "王小明", "id_number": ID_NUMBER})
    assert refused.status_code == 400
    token = refused.context["captcha"].token
    answer = client.post(
        "/lookup/", {"mode": "id", "name": "王小明", "id_number": ID_NUMBER, **answered(token)}
    )
    assert answer.status_code == 200
    assert 'class="cert-card"' in answer.content.decode()


# --- the client's address and what a lookup really looks up ----------------------------------


def test_a_rotating_forwarded_header_from_an_untrusted_peer_changes_nothing(
    api, certificate, settings
):
    settings.LOOKUP_RATE_PER_CLIENT = "3/minute"
    for n in range(3):
        api.post(
            "/api/v1/public/lookup/",
            {"name": "王小名", "id_number": ID_NUMBER},
            format="json",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    fourth = api.post(
        "/api/v1/public/lookup/",
        {"name": "王小名", "id_number": ID_NUMBER},
        format="json",
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )
    assert fourth.status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # not a trusted proxy: header ignored
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),  # the trusted proxy appended the client
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a forged left part is not believed
        ("10.0.0.2", "1.2.3.4, 10.0.0.3", "1.2.3.4"),  # two trusted hops skipped
        ("10.0.0.2", "1.2.3.4, junk", "10.0.0.2"),  # nothing left of a malformed hop counts
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_the_client_is_the_right_most_address_not_of_a_trusted_proxy(
    rf, settings, remote, forwarded, client
):
    from skilleval.addresses import client_address

    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == client


def test_an_extra_mode_field_does_not_skip_the_per_number_limit(api, certificate, settings):
    settings.LOOKUP_RATE_PER_IDENTITY = "2/minute"
    for n in range(2):
        post(api, {"name": "王小名", "id_number": ID_NUMBER}, f"10.9.0.{n}")
    sneaky = post(api, {"name": "王小名", "id_number": ID_NUMBER, "mode": "number"}, "10.9.0.9")
    assert sneaky.status_code == 429


@pytest.mark.parametrize(
    "body",
    [
        {"name": "王小明", "certificate_number": [None, None]},
        {"name": ["王小明"], "id_number": ID_NUMBER},
        {"name": "王小明", "id_number": {"a": 1}},
    ],
)
def test_a_value_of_the_wrong_type_is_a_400_not_a_500(api, certificate, body):
    assert post(api, body).status_code == 400


def test_the_misses_are_forgotten_after_fifteen_minutes(api, certificate):
    miss_three_times(api)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert post(api, {"name": "王小明", "id_number": ID_NUMBER}).status_code == 200


# --- verification ----------------------------------------------------------------------------


def test_the_verification_page_shows_the_status_and_the_masked_id(client, certificate):
    response = client.get(f"/v/{certificate.verification_token}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "有效" in body
    assert certificate.id_number_masked in body
    assert NUMBER in body
    assert "四级/中级工" in body
    assert "--" in body  # 工种 when there is none
    assert ID_NUMBER not in body


def test_an_unknown_token_is_a_404(client, api, certificate):
    assert client.get("/v/not-a-token/").status_code == 404
    assert api.get("/api/v1/public/verify/not-a-token/").status_code == 404


def test_the_verification_api_answers_the_record(api, certificate, province_auditor):
    Certificate.revoke_many([certificate], user=province_auditor, reason="重复发证")
    response = api.get(f"/api/v1/public/verify/{certificate.verification_token}/")
    body = response.json()
    assert response["Cache-Control"] == "no-store"
    assert body["record"] == "certificate"
    assert body["proof"] is None
    assert body["certificate"]["status"] == "revoked"
    assert body["certificate"]["revocation_reason"] == "重复发证"
    assert body["certificate"]["id_number_masked"] == certificate.id_number_masked


def test_a_proof_is_verified_in_the_same_url_space(client, api, certificate, nanjing_institution):
    from tests.factories import UserFactory

    issuer = UserFactory(
        username="issuer", role="institution_staff", institution=nanjing_institution
    )
    proof = Proof.objects.create(
        certificate=certificate,
        reason=ProofReason.LOST,
        issued_by=issuer,
        issued_on=date(2025, 8, 1),
    )
    page = client.get(f"/v/{proof.verification_token}/").content.decode()
    assert "证明" in page
    assert "这是一份证明" in page
    # The address printed on a proof's PDF leads to the same page.
    assert (
        client.get(f"/v/proof/{proof.verification_token}/").content.decode().count("这是一份证明")
        == 1
    )
    body = api.get(f"/api/v1/public/verify/{proof.verification_token}/").json()
    assert body["record"] == "proof"
    assert body["proof"]["reason"] == "lost"
    assert body["certificate"]["number"] == NUMBER


# --- the holder's own download ---------------------------------------------------------------


def download_link(client, certificate):
    response = client.post("/lookup/", {"mode": "id", "name": "王小明", "id_number": ID_NUMBER})
    (result,) = response.context["results"]
    assert result.download_path
    assert result.download_path in response.content.decode()
    return result.download_path


def test_the_holder_downloads_the_pdf_through_a_signed_link(client, with_pdf):
    link = download_link(client, with_pdf)
    response = client.get(link)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert CertificatePrint.objects.filter(certificate=with_pdf, kind=PrintKind.HOLDER).count() == 1


def test_the_api_hands_out_the_download_link_too(api, with_pdf):
    (result,) = post(api, {"name": "王小明", "id_number": ID_NUMBER}).json()["results"]
    assert "/lookup/download/" in result["download_url"]


def test_an_expired_or_tampered_download_link_fails(client, with_pdf):
    link = download_link(client, with_pdf)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert client.get(link).status_code == 404
    tampered = link.replace("/lookup/download/", "/lookup/download/x")
    assert client.get(tampered).status_code == 404
    other = public_lookup.signing.dumps(with_pdf.pk, salt="some-other-purpose")
    assert client.get(f"/lookup/download/{other}/").status_code == 404
    assert not CertificatePrint.objects.filter(certificate=with_pdf).exists()


def test_there_is_no_download_without_a_pdf_or_once_revoked(client, with_pdf, province_auditor):
    link = download_link(client, with_pdf)
    Certificate.revoke_many([with_pdf], user=province_auditor, reason="督查")
    assert client.get(link).status_code == 404
    response = client.post("/lookup/", {"mode": "id", "name": "王小明", "id_number": ID_NUMBER})
    assert "下载证书" not in response.content.decode()


class TestTheFastPathsAnswerLikeTheGenericOnes:
    """The lookup builds its rows and its answer without the ORM's and DRF's generic machinery
    (bench_lookup); what it answers must stay exactly what the generic paths would."""

    def rows(self, nanjing_institution, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        plain = make_certificate(nanjing_institution, work_type="数控车工")
        printed = make_certificate(nanjing_institution, number="S000032000123254000002", level=None)
        printed.pdf.save("cert.pdf", ContentFile(b"%PDF-1.4 a certificate"))
        make_certificate(
            nanjing_institution,
            number="S000032000123254000003",
            status="revoked",
            revoked_at=timezone.now(),
            revocation_reason="以考代训",
        )
        return plain, printed

    def test_the_rows_are_the_models_the_orm_would_give(
        self, nanjing_institution, settings, tmp_path
    ):
        self.rows(nanjing_institution, settings, tmp_path)
        found = public_lookup.lookup("王小明", id_number=ID_NUMBER)
        by_orm = list(
            Certificate.objects.select_related("institution", "occupation")
            .filter(holder_name="王小明", id_number_hash=keyed_hash(ID_NUMBER))
            .order_by("-issued_on", "number")
        )
        assert [c.pk for c in found] == [c.pk for c in by_orm]
        for fast, orm in zip(found, by_orm, strict=True):
            for name in public_lookup.LOOKUP_FIELDS:
                assert getattr(fast, name) == getattr(orm, name), name
            assert fast.institution.name == orm.institution.name
            assert (fast.occupation.name, fast.occupation.code) == (
                orm.occupation.name,
                orm.occupation.code,
            )

    def test_the_answer_is_what_the_declared_fields_give(
        self, nanjing_institution, settings, tmp_path
    ):
        from rest_framework import serializers

        from certificates.api.serializers import LookupResultSerializer

        self.rows(nanjing_institution, settings, tmp_path)
        serializer = LookupResultSerializer()
        found = public_lookup.lookup("王小明", id_number=ID_NUMBER)
        assert len(found) == 3
        for certificate in found:
            # Frozen: the signed download link carries the second it was made.
            with time_machine.travel(timezone.now(), tick=False):
                generic = serializers.Serializer.to_representation(serializer, certificate)
                assert serializer.to_representation(certificate) == dict(generic)
