"""Users, permissions and API tokens kept in the shared cache between requests, and given up as
soon as a user, a role or a token changes."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from dealercare.core.errors import NotFound
from dealercare.core.models import WorkerHeartbeat
from dealercare.org.backends import VERSION_KEY, RoleBackend
from dealercare.org.models import ApiToken
from dealercare.org.roles import Role
from dealercare.org.selectors import store_get, stores_visible
from dealercare.org.services import api_token_create
from tests.factories import make_staff

COMPLAINT_ADD = "complaints.add_complaint"


def fresh(user) -> User:
    """The user as the next request loads them: nothing remembered on the object."""
    return RoleBackend().get_user(user.pk)


@pytest.fixture
def cached(settings):
    settings.AUTH_CACHE_SECONDS = 300


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
    settings.AUTH_CACHE_SECONDS = 0
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)
    user = fresh(agent)
    with django_assert_num_queries(2):  # the user's own and their roles' permissions
        assert user.has_perm(COMPLAINT_ADD)
    assert cache.get(f"auth:permissions:{agent.pk}:0") is None


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


def test_a_deactivated_user_is_signed_out_at_the_next_request(cached, store_a):
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)
    agent.is_active = False
    agent.save()  # as the admin does
    assert fresh(agent) is None


def test_a_user_moved_to_another_store_works_there_at_the_next_request(cached, store_a, store_b):
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).staff_profile.store_id == store_a.pk
    profile = agent.staff_profile
    profile.store = store_b
    profile.save()
    assert fresh(agent).staff_profile.store_id == store_b.pk


def test_the_signed_in_user_comes_with_their_staff_profile(store_a, django_assert_num_queries):
    agent = make_staff(Role.CS_AGENT, store_a)
    with django_assert_num_queries(2):  # the user with the profile, and the roles
        user = fresh(agent)
        assert user.staff_profile.store_id == store_a.pk
        assert user.staff_profile.has_role(Role.CS_AGENT)


def test_second_request_finds_the_user_in_the_cache(cached, store_a, django_assert_num_queries):
    agent = make_staff(Role.CS_AGENT, store_a)
    assert fresh(agent).has_perm(COMPLAINT_ADD)
    with django_assert_num_queries(0):
        user = fresh(agent)
        assert user.staff_profile.has_role(Role.CS_AGENT)
        assert user.has_perm(COMPLAINT_ADD)


def stores_api(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/stores")
    return response, " ".join(q["sql"] for q in queries.captured_queries)


def test_a_bearer_token_is_looked_up_once_a_minute(cached, store_a, agent_a, api_as):
    client = api_as(agent_a)
    response, first = stores_api(client)
    assert response.status_code == 200 and "org_apitoken" in first
    # The first use writes "last used" and drops the cached token: read once more.
    response, second = stores_api(client)
    assert response.status_code == 200 and "org_apitoken" in second
    response, third = stores_api(client)
    assert response.status_code == 200
    assert "org_apitoken" not in third and 'FROM "auth_user"' not in third
    assert [s["code"] for s in response.json()] == [store_a.code]


def test_a_revoked_token_is_refused_at_once(cached, store_a, agent_a, api_as):
    client = api_as(agent_a)
    assert stores_api(client)[0].status_code == 200
    ApiToken.objects.filter(user=agent_a).get().delete()
    response = stores_api(client)[0]
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_an_expired_token_is_refused_even_when_cached(cached, store_a, agent_a, api_as):
    client = api_as(agent_a)
    assert stores_api(client)[0].status_code == 200
    later = timezone.now() + dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS, minutes=1)
    with time_machine.travel(later):
        assert stores_api(client)[0].status_code == 401


def test_a_tokens_last_use_is_written_once_a_minute(cached, store_a, agent_a, api_as):
    client = api_as(agent_a)
    token = ApiToken.objects.get(user=agent_a)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        stores_api(client)
        _response, again = stores_api(client)
        assert "UPDATE" not in again
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
        stores_api(client)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=2)


def test_a_staff_page_signed_in_by_session_costs_no_user_or_permission_queries(
    cached, client, store_a, customer_a, agent_a
):
    WorkerHeartbeat.objects.create(worker="worker-1", seen_at=timezone.now())
    client.force_login(agent_a)
    assert client.get(f"/customers/{customer_a.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/customers/{customer_a.pk}/").status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "auth_permission"' not in tables and 'FROM "auth_user"' not in tables
    assert "core_workerheartbeat" not in tables  # the worker's last report is cached too
    assert 'FROM "org_store"' not in tables  # the stores they may see, and their store's name
    assert tables.count('FROM "org_staffprofile"') == 0


def test_the_stores_a_user_may_see_come_from_the_cache_until_a_store_changes(
    cached, store_a, store_b, agent_a, hq_user, django_assert_num_queries
):
    assert [s.code for s in stores_visible(actor=agent_a)] == ["BJ01"]
    assert [s.code for s in stores_visible(actor=hq_user)] == ["BJ01", "SH01"]
    with django_assert_num_queries(0):
        assert store_get(actor=agent_a, store_id=store_a.pk).name == "北京朝阳店"
        assert [s.code for s in stores_visible(actor=hq_user)] == ["BJ01", "SH01"]
    with pytest.raises(NotFound):  # another store's: not found, even from the cache
        store_get(actor=agent_a, store_id=store_b.pk)

    store_a.name = "北京朝阳旗舰店"
    store_a.save()  # as the admin does
    assert store_get(actor=agent_a, store_id=store_a.pk).name == "北京朝阳旗舰店"
    store_b.is_active = False
    store_b.save()
    assert [s.code for s in stores_visible(actor=hq_user)] == ["BJ01"]
    store_b.group.name = "新名称集团"
    store_b.group.save()
    assert stores_visible(actor=agent_a)[0].group.name == "新名称集团"


def test_a_change_moves_the_version_on_again_once_committed(
    cached, store_a, django_capture_on_commit_callbacks
):
    """A request that read the database before the commit may have cached the old roles under
    the version moved on at the change: the commit moves it on once more."""
    agent = make_staff(Role.CS_AGENT, store_a)
    fresh(agent)
    before = cache.get(VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        agent.groups.add(Group.objects.get(name=Role.TECHNICIAN))
        during = cache.get(VERSION_KEY)
    assert before < during < cache.get(VERSION_KEY)


def test_signing_in_and_new_tokens_keep_everyones_cache(cached, client, store_a, agent_a, api_as):
    colleague = make_staff(Role.CS_AGENT, store_a)
    assert fresh(colleague).has_perm(COMPLAINT_ADD)
    version = cache.get(VERSION_KEY)
    client.force_login(agent_a)  # writes last_login
    api_as(agent_a)  # a new token
    assert cache.get(VERSION_KEY) == version


def test_a_demoted_superuser_keeps_nothing_of_it(cached, store_a):
    boss = make_staff(Role.CS_AGENT, store_a, is_superuser=True)
    copy_from_before = fresh(boss)
    boss.is_superuser = False
    boss.save()
    # A request that loaded the user before the demotion asks for the permissions after it.
    assert "surveys.add_questionnaire" in copy_from_before.get_all_permissions()
    assert not fresh(boss).has_perm("surveys.add_questionnaire")
    assert fresh(boss).has_perm(COMPLAINT_ADD)


def test_the_auth_cache_needs_redis():
    env = {**os.environ, "AUTH_CACHE_SECONDS": "300", "REDIS_URL": "", "DEALERCARE_ENV": "test"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "AUTH_CACHE_SECONDS needs REDIS_URL" in done.stderr


@pytest.fixture
def redis_down(settings):
    """The cache is Redis on a port where nothing listens."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/1",
        }
    }
    settings.AUTH_CACHE_SECONDS = 300


def test_staff_keep_working_when_redis_cannot_be_reached(
    client, store_a, customer_a, agent_a, api_as, caplog, redis_down
):
    WorkerHeartbeat.objects.create(worker="worker-1", seen_at=timezone.now())
    api = api_as(agent_a)
    response, _sql = stores_api(api)
    assert response.status_code == 200
    assert [s["code"] for s in response.json()] == [store_a.code]
    client.force_login(agent_a)
    page = client.get(f"/customers/{customer_a.pk}/")
    assert page.status_code == 200 and customer_a.name in page.content.decode()
    assert "auth cache unavailable" in caplog.text


def test_revoking_a_token_while_redis_cannot_be_reached_is_refused(store_a, agent_a, redis_down):
    """Nothing stale may outlive the outage: the change fails rather than go unannounced."""
    token, _key = api_token_create(user=agent_a)
    with pytest.raises(RedisConnectionError), transaction.atomic():
        token.delete()
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_renaming_a_store_while_redis_cannot_be_reached_is_refused(store_a, redis_down):
    """Like the admin's save (one transaction): the change fails rather than leave every staff
    page showing the old name from the cache once Redis is back."""
    store_a.name = "北京朝阳旗舰店"
    with pytest.raises(RedisConnectionError), transaction.atomic():
        store_a.save()
    store_a.refresh_from_db()
    assert store_a.name == "北京朝阳店"
