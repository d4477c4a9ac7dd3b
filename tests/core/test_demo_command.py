"""`mediadesk demo`: loads once, changes nothing on later runs, refuses a real database."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from mediadesk.orgs import demo
from mediadesk.orgs.models import Organisation, User
from tests.conftest import World


def row_counts() -> dict[str, int]:
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m.__module__.startswith("mediadesk.")
    }


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_running_it_twice_changes_nothing_the_second_time() -> None:
    first_output = run_demo()
    after_first = row_counts()
    second_output = run_demo()
    assert row_counts() == after_first
    # the role users, plus the sales team and brokers the leads demo adds — all demo users
    assert after_first["orgs.User"] >= len(demo.DEMO_USERS)
    assert not User.objects.exclude(organisation__is_demo=True).exists()
    assert after_first["matrix.Account"] > 0
    assert after_first["core.AuditEntry"] > 0
    assert "已载入演示数据" in first_output and "已载入演示数据" not in second_output
    for output in (first_output, second_output):
        assert demo.DEMO_PASSWORD in output
        assert all(username in output for username, *_ in demo.DEMO_USERS)


@pytest.mark.django_db
def test_demo_users_can_log_in_with_the_printed_password() -> None:
    run_demo()
    manager = User.objects.get(username="manager")
    assert manager.check_password(demo.DEMO_PASSWORD)
    assert manager.organisation is not None and manager.organisation.is_demo


def test_it_refuses_a_database_with_real_data(world: World) -> None:
    before = row_counts()
    with pytest.raises(CommandError, match="--force"):
        run_demo()
    assert row_counts() == before
    assert not Organisation.objects.filter(is_demo=True).exists()


@pytest.mark.django_db
def test_force_loads_beside_real_data() -> None:
    real = Organisation.objects.create(name="真实集团")
    User.objects.create_user("zhang.san", organisation=real)
    with pytest.raises(CommandError):
        run_demo()
    run_demo("--force")
    assert Organisation.objects.filter(name=demo.ORG_NAME, is_demo=True).exists()
    assert (
        User.objects.get(username="zhang.san").organisation == real
    )  # the real user is left alone
