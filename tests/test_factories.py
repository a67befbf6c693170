"""Every model of the project has a factory that builds a valid row: a new model without one
fails here, and so does a factory that no longer passes the model's own validation."""

import inspect

import factory
import pytest
from django.apps import apps

from tests import factories

PROJECT_APPS = ["skilleval", "institutions", "certificates", "competitions", "audits"]


def project_models():
    return [model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models()]


def factory_for(model):
    for _name, candidate in inspect.getmembers(factories, inspect.isclass):
        if (
            issubclass(candidate, factory.django.DjangoModelFactory)
            and not candidate._meta.abstract
            and candidate._meta.get_model_class() is model
        ):
            return candidate
    return None


def test_every_model_of_the_project_has_a_factory():
    missing = [model._meta.label for model in project_models() if factory_for(model) is None]
    assert missing == []


@pytest.mark.parametrize("model", project_models(), ids=lambda model: model._meta.label)
def test_the_factory_builds_a_valid_row(db, model):
    row = factory_for(model)()
    assert model.objects.filter(pk=row.pk).exists()
    row.full_clean()
    # A second one does not collide with the first on any unique field.
    assert factory_for(model)().full_clean() is None
