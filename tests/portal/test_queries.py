"""`CompiledQuery`: the ORM's SQL built once, then sent with each call's parameters."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import User
from portal.queries import CompiledQuery
from tests.portal.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def by_username():
    return CompiledQuery(
        lambda name: (
            User.objects.filter(username=name).order_by().values_list("pk", "full_name", "date_joined")
        ),
        placeholders=["\x00name"],
    )


def test_rows_are_what_the_orm_reads_with_aware_moments():
    user = CitizenFactory()
    query = by_username()
    rows = query.rows(user.username)
    assert rows == list(
        User.objects.filter(username=user.username).values_list("pk", "full_name", "date_joined")
    )
    assert rows[0][2].utcoffset() == dt.timedelta(0)
    assert query.rows("no such code") == []


def test_the_sql_is_built_once_and_sent_again_with_new_parameters(monkeypatch):
    first, second = CitizenFactory(), CitizenFactory()
    query = by_username()
    built = []
    build = query.build
    monkeypatch.setattr(query, "build", lambda *args: (built.append(args), build(*args))[1])
    with CaptureQueriesContext(connection) as captured:
        assert query.rows(first.username)[0][0] == first.pk
        assert query.rows(second.username)[0][0] == second.pk
    assert built == [("\x00name",)]
    assert len(captured.captured_queries) == 2


def test_a_parameter_that_is_not_a_placeholder_is_refused():
    query = CompiledQuery(
        lambda name: User.objects.filter(username=name, full_name="A").values_list("pk"),
        placeholders=["\x00name"],
    )
    with pytest.raises(ImproperlyConfigured):
        query.rows("X")
    with pytest.raises(TypeError):
        by_username().rows()
