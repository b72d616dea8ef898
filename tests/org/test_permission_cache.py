"""Permissions kept in the shared cache between requests, and given up as soon as a role changes."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dealercare.core.models import WorkerHeartbeat
from dealercare.org.backends import RoleBackend
from dealercare.org.roles import Role
from tests.factories import make_staff

COMPLAINT_ADD = "complaints.add_complaint"


def fresh(user) -> User:
    """The user as the next request loads them: nothing remembered on the object."""
    return RoleBackend().get_user(user.pk)


@pytest.fixture
def cached(settings):
    settings.PERMISSION_CACHE_SECONDS = 300


def test_second_request_reads_permissions_from_the_cache(
    cached, store_a, django_assert_num_queries
):
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)
    user = fresh(agent)
    with django_assert_num_queries(0):
        assert user.has_perm(COMPLAINT_ADD)
        assert not user.has_perm("surveys.add_questionnaire")


def test_without_a_shared_cache_permissions_come_from_the_database(
    settings, store_a, django_assert_num_queries
):
    settings.PERMISSION_CACHE_SECONDS = 0
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)
    user = fresh(agent)
    with django_assert_num_queries(2):  # the user's own and their roles' permissions
        assert user.has_perm(COMPLAINT_ADD)
    assert not cache.get(f"permissions:1:{agent.pk}")


def test_a_role_taken_away_takes_its_permissions_at_the_next_request(cached, store_a):
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)

    agent.groups.remove(Group.objects.get(name=Role.CS_AGENT))
    agent.groups.add(Group.objects.get(name=Role.TECHNICIAN))

    assert not fresh(agent).has_perm(COMPLAINT_ADD)


def test_a_permission_taken_from_a_role_is_gone_for_everyone_holding_it(cached, store_a):
    first, second = make_staff(Role.CS_AGENT, store_a), make_staff(Role.CS_AGENT, store_a)
    assert fresh(first).has_perm(COMPLAINT_ADD) and fresh(second).has_perm(COMPLAINT_ADD)

    app_label, codename = COMPLAINT_ADD.split(".")
    Group.objects.get(name=Role.CS_AGENT).permissions.remove(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )

    assert not fresh(first).has_perm(COMPLAINT_ADD)
    assert not fresh(second).has_perm(COMPLAINT_ADD)


def test_a_deactivated_user_has_no_permissions_even_when_cached(cached, store_a):
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)
    User.objects.filter(pk=agent.pk).update(is_active=False)  # no signal: the cache is not told
    agent.refresh_from_db()
    assert not agent.has_perm(COMPLAINT_ADD)


def test_the_signed_in_user_comes_with_their_staff_profile(store_a, django_assert_num_queries):
    agent = make_staff(Role.CS_AGENT, store_a)
    with django_assert_num_queries(1):
        user = fresh(agent)
        assert user.staff_profile.store_id == store_a.pk


def test_a_staff_page_signed_in_by_session_costs_no_permission_or_profile_queries(
    cached, client, store_a, customer_a, agent_a
):
    WorkerHeartbeat.objects.create(worker="worker-1", seen_at=timezone.now())
    client.force_login(agent_a)
    assert client.get(f"/customers/{customer_a.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/customers/{customer_a.pk}/").status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "auth_permission" not in tables
    assert "core_workerheartbeat" not in tables  # the worker's last report is cached too
    assert tables.count('FROM "org_staffprofile"') == 0
