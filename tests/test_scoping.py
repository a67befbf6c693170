"""Every scoped page and API resource shows a user only what their role covers.

alice (owner) and bob (colleague) work at the Nanjing institution; charlie at the Suzhou one.
"""

import pytest
from django.core.files.base import ContentFile

from institutions.models import Institution
from skilleval.choices import JobKind
from skilleval.models import Job

pytestmark = pytest.mark.django_db


def institution_names(client, url="/api/v1/institutions/"):
    response = client.get(url)
    assert response.status_code == 200
    return {row["name"] for row in response.json()["results"]}


@pytest.fixture
def both(nanjing_institution, suzhou_institution):
    return nanjing_institution, suzhou_institution


class TestInstitutionsApi:
    def test_institution_staff_see_only_their_own_institution(
        self, api_as, both, alice, bob, charlie
    ):
        nanjing, suzhou = both
        assert institution_names(api_as(alice)) == {nanjing.name}
        assert institution_names(api_as(bob)) == {nanjing.name}
        assert institution_names(api_as(charlie)) == {suzhou.name}

    def test_an_outsider_gets_a_404_for_someone_elses_institution(
        self, api_as, both, alice, charlie
    ):
        nanjing, _ = both
        assert api_as(alice).get(f"/api/v1/institutions/{nanjing.pk}/").status_code == 200
        assert api_as(charlie).get(f"/api/v1/institutions/{nanjing.pk}/").status_code == 404

    def test_city_staff_see_their_city_only(self, api_as, both, nanjing_staff, suzhou_staff):
        nanjing, suzhou = both
        assert institution_names(api_as(nanjing_staff)) == {nanjing.name}
        assert institution_names(api_as(suzhou_staff)) == {suzhou.name}

    def test_county_staff_see_their_county_only(self, api_as, both, jiangning_staff):
        nanjing, _ = both  # the Nanjing institution is in 江宁区
        assert institution_names(api_as(jiangning_staff)) == {nanjing.name}

    def test_province_roles_and_superusers_see_everything(
        self, api_as, both, province_admin, province_auditor, superuser
    ):
        names = {i.name for i in both}
        for user in (province_admin, province_auditor, superuser):
            assert institution_names(api_as(user)) == names

    def test_a_competition_organiser_sees_no_institution(self, api_as, both, organiser):
        assert institution_names(api_as(organiser)) == set()

    def test_anonymous_callers_are_refused(self, api, both):
        assert api.get("/api/v1/institutions/").status_code in (401, 403)

    def test_a_filter_cannot_widen_the_scope(self, api_as, both, alice):
        _, suzhou = both
        assert (
            institution_names(api_as(alice), f"/api/v1/institutions/?city={suzhou.city_id}")
            == set()
        )


class TestInstitutionPages:
    def test_the_list_page_is_scoped(self, client, both, alice, charlie):
        nanjing, suzhou = both
        client.force_login(alice)
        page = client.get("/institutions/").content.decode()
        assert nanjing.name in page and suzhou.name not in page

    def test_the_detail_page_is_a_404_outside_the_scope(self, client, both, bob, charlie):
        nanjing, _ = both
        client.force_login(bob)
        assert client.get(f"/institutions/{nanjing.pk}/").status_code == 200
        client.force_login(charlie)
        assert client.get(f"/institutions/{nanjing.pk}/").status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, both):
        response = client.get("/institutions/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


class TestJobs:
    @pytest.fixture
    def alices_job(self, alice):
        return Job.objects.create(
            kind=JobKind.OCCUPATION_IMPORT, started_by=alice, institution=alice.institution
        )

    def test_a_job_is_visible_to_its_starter_and_their_colleagues(
        self, api_as, alices_job, alice, bob, charlie
    ):
        url = f"/api/v1/jobs/{alices_job.pk}/"
        assert api_as(alice).get(url).status_code == 200
        assert api_as(bob).get(url).status_code == 200
        assert api_as(charlie).get(url).status_code == 404

    def test_job_pages_and_result_files_are_scoped(self, client, alices_job, alice, charlie):
        alices_job.result_file.save("result.csv", ContentFile(b"a,b\n"))
        client.force_login(charlie)
        assert client.get(f"/jobs/{alices_job.pk}/").status_code == 404
        assert client.get(f"/jobs/{alices_job.pk}/result/").status_code == 404
        client.force_login(alice)
        assert client.get(f"/jobs/{alices_job.pk}/").status_code == 200
        download = client.get(f"/jobs/{alices_job.pk}/result/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"a,b\n"


def test_every_scoped_model_defines_its_scope():
    # A model whose queryset forgets scope_for would raise NotImplementedError for non-province users.
    from skilleval.querysets import ScopedQuerySet

    scoped = [Institution, Job]
    for model in scoped:
        assert isinstance(model.objects.all(), ScopedQuerySet)
        assert "scope_for" in type(model.objects.all()).__dict__
