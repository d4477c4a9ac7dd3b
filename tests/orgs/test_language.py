"""The interface language: a per-user preference switched on the profile page."""

from __future__ import annotations

from typing import Any

from django.test import Client, override_settings
from django.urls import reverse

from mediadesk.core.models import AuditEntry
from mediadesk.orgs.models import User
from tests.conftest import World, make_user
from tests.i18n.catalogue import ensure_compiled


def test_a_new_user_gets_the_deployment_language(world: World) -> None:
    assert world.planner.language == "zh-hans"
    with override_settings(LANGUAGE_CODE="en"):
        assert make_user("newcomer", world.org).language == "en"


def test_anonymous_cannot_switch(client: Client, world: World) -> None:
    response = client.post(reverse("orgs:profile_language"), {"language": "en"})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_switching_to_english_is_stored_audited_and_applied(login: Any, world: World) -> None:
    ensure_compiled()
    client = login(world.sales_a)
    assert "个人资料与安全" in client.get(reverse("orgs:profile")).content.decode()
    response = client.post(reverse("orgs:profile_language"), {"language": "en"}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page and "Profile and security" in page
    assert "Interface language changed" in page
    assert User.objects.get(pk=world.sales_a.pk).language == "en"
    entry = AuditEntry.objects.get(action="user.language", target_id=str(world.sales_a.pk))
    assert entry.changes == {"language": ["zh-hans", "en"]}
    # applied on every later request, from the user's record (not only the session)
    other = Client()
    other.force_login(User.objects.get(pk=world.sales_a.pk))
    assert "Sign out" in other.get(reverse("core:home")).content.decode()


def test_an_unknown_language_is_refused_and_nothing_changes(login: Any, world: World) -> None:
    client = login(world.planner)
    response = client.post(reverse("orgs:profile_language"), {"language": "fr"}, follow=True)
    assert "请选择一种界面语言" in response.content.decode()
    assert User.objects.get(pk=world.planner.pk).language == "zh-hans"
    assert not AuditEntry.objects.filter(action="user.language").exists()


def test_the_switch_is_post_only(login: Any, world: World) -> None:
    assert login(world.planner).get(reverse("orgs:profile_language")).status_code == 405


def test_one_users_language_does_not_leak_to_another(login: Any, world: World) -> None:
    ensure_compiled()
    User.objects.filter(pk=world.manager.pk).update(language="en")
    english = Client()
    english.force_login(User.objects.get(pk=world.manager.pk))
    chinese = Client()
    chinese.force_login(world.planner)
    assert "Sign out" in english.get(reverse("core:home")).content.decode()
    page = chinese.get(reverse("core:home")).content.decode()
    assert "退出登录" in page and "Sign out" not in page
