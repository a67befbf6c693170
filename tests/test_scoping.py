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
