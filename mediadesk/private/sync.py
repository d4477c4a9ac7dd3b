"""WeCom sync (客户联系): corp tags, each employee's external contacts, customer groups, and
tags written back. WeCom raises no callback for changes made through the API, so every write
MediaDesk makes is recorded in its own audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.core import audit
from mediadesk.private.models import (
    Event,
    Group,
    GroupMembership,
    Identity,
    Member,
    WeComFollow,
    WeComSettings,
    WeComTag,
)
from mediadesk.private.wecom import Client, WeComError, link_contact

NOT_EXTERNAL = 84061  # the employee has no external contacts


# The WeCom tag group that tags first made in MediaDesk are created in.
LOCAL_TAG_GROUP = "MediaDesk"


def sync_tags(cfg: WeComSettings) -> int:
    """Upsert the corp tags (企业标签) of the organisation."""
    answer = Client(cfg).post("/cgi-bin/externalcontact/get_corp_tag_list", {})
    n = 0
    for group in answer.get("tag_group", []):
        for tag in group.get("tag", []):
            WeComTag.objects.update_or_create(
                organisation_id=cfg.organisation_id,
                tag_id=tag["id"],
                defaults={"name": tag["name"][:40], "group_name": group.get("group_name", "")},
            )
            n += 1
    return n


def _contacts_of(client: Client, userid: str) -> list[str]:
    try:
        answer = client.get("/cgi-bin/externalcontact/list", userid=userid)
    except WeComError as exc:
        if exc.code == NOT_EXTERNAL:
            return []
        raise
    return list(answer.get("external_userid", []))


def sync_contacts(cfg: WeComSettings) -> int:
    """Every follow user's external contacts, linked to members (unionid, then phone)."""
    client, org, n = Client(cfg), cfg.organisation, 0
    users = client.get("/cgi-bin/externalcontact/get_follow_user_list").get("follow_user", [])
    for userid in users:
        for ext in _contacts_of(client, userid):
            contact = client.get("/cgi-bin/externalcontact/get", external_userid=ext)
            with transaction.atomic():
                link_contact(org, contact)
            n += 1
    return n


def _member_for_external(org_id: int, external_userid: str) -> Member:
    ident = Identity.objects.filter(
        organisation_id=org_id, kind="wecom", value=external_userid
    ).first()
    if ident is not None:
        return ident.member
    member = Member.objects.create(organisation_id=org_id, anonymous=True, sources=["wecom"])
    Identity.objects.create(
        organisation_id=org_id, member=member, kind="wecom", value=external_userid
    )
    return member


def _group_event(member: Member, chat_id: str, kind: str, at: Any) -> None:
    Event.objects.get_or_create(
        organisation_id=member.organisation_id,
        event_id=f"wecom:{kind}:{chat_id}:{member.pk}:{at:%Y%m%d%H%M%S}",
        defaults={"member": member, "kind": kind, "at": at, "meta": {"chat_id": chat_id}},
    )


def sync_group(cfg: WeComSettings, chat_id: str) -> Group:
    """One 客户群 fetched from WeCom (groupchat/get) and applied."""
    data = Client(cfg).post(
        "/cgi-bin/externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1}
    )["group_chat"]
    return apply_group(cfg.organisation_id, data)


@transaction.atomic
def apply_group(org_id: int, data: dict[str, Any]) -> Group:
    """A groupchat/get answer: owner, name, external members with join times; who is no longer
    listed gets left_at and a group_leave event."""
    chat_id = data["chat_id"]
    group, _created = Group.objects.update_or_create(
        organisation_id=org_id,
        chat_id=chat_id,
        defaults={
            "name": data.get("name", "")[:80],
            "owner_userid": data.get("owner", ""),
            "synced_at": timezone.now(),
        },
    )
    present: set[int] = set()
    for row in data.get("member_list", []):
        if int(row.get("type", 1)) != 2:  # 1 = employee, 2 = external contact
            continue
        member = _member_for_external(org_id, row["userid"])
        present.add(member.pk)
        joined = dt.datetime.fromtimestamp(int(row.get("join_time") or 0), tz=dt.UTC)
        gm, made = GroupMembership.objects.get_or_create(
            group=group, member=member, defaults={"joined_at": joined}
        )
        if made or gm.left_at:
            gm.left_at, gm.joined_at = None, joined
            gm.save(update_fields=["left_at", "joined_at"])
            _group_event(member, chat_id, "group_join", joined)
    now = timezone.now()
    for gm in group.memberships.filter(left_at=None).exclude(member_id__in=present):
        gm.left_at = now
        gm.save(update_fields=["left_at"])
        _group_event(gm.member, chat_id, "group_leave", now)
    return group


def sync_groups(cfg: WeComSettings) -> int:
    """Every customer group of the corp."""
    answer = Client(cfg).post(
        "/cgi-bin/externalcontact/groupchat/list", {"status_filter": 0, "limit": 1000}
    )
    chats = [c["chat_id"] for c in answer.get("group_chat_list", [])]
    for chat_id in chats:
        sync_group(cfg, chat_id)
    return len(chats)


def sync_all(cfg: WeComSettings) -> dict[str, int]:
    """Tags, contacts and groups, in that order (contacts read tag names)."""
    return {
        "tags": sync_tags(cfg),
        "contacts": sync_contacts(cfg),
        "groups": sync_groups(cfg),
    }


def set_tags(member: Member, tags: list[str], *, by: Any) -> list[str]:
    """Edit a member's tags; WeCom corp tags are written back (mark_tag) for each employee who
    follows the member, and a tag WeCom does not have yet is created there first (in the
    group `LOCAL_TAG_GROUP`). Returns the names that exist only in MediaDesk (the member is no
    WeCom contact, or WeCom is not configured)."""
    tags = sorted({t.strip()[:40] for t in tags if t.strip()})
    before = list(member.tags)
    added, removed = set(tags) - set(before), set(before) - set(tags)
    cfg = WeComSettings.objects.filter(organisation_id=member.organisation_id).first()
    follows = list(WeComFollow.objects.filter(member=member, removed_at=None))
    ids = _tag_ids(member.organisation_id)
    if cfg is not None and follows and added - set(ids):
        ids.update(create_tags(cfg, sorted(added - set(ids))))
    if cfg is not None and (added | removed) & set(ids):
        client = Client(cfg)
        for f in follows:
            client.post(
                "/cgi-bin/externalcontact/mark_tag",
                {
                    "userid": f.userid,
                    "external_userid": f.external_userid,
                    "add_tag": [ids[t] for t in sorted(added) if t in ids],
                    "remove_tag": [ids[t] for t in sorted(removed) if t in ids],
                },
            )
    member.tags = tags
    member.save(update_fields=["tags"])
    audit.record(actor=by, action="private.tags", target=member, changes={"tags": [before, tags]})
    return [t for t in tags if t not in ids]


def _tag_ids(org_id: int) -> dict[str, str]:
    return dict(WeComTag.objects.filter(organisation_id=org_id).values_list("name", "tag_id"))


def create_tags(cfg: WeComSettings, names: list[str]) -> dict[str, str]:
    """Create corp tags in WeCom (add_corp_tag, in the group `LOCAL_TAG_GROUP`) and keep their
    ids; returns name → tag id."""
    answer = Client(cfg).post(
        "/cgi-bin/externalcontact/add_corp_tag",
        {"group_name": LOCAL_TAG_GROUP, "tag": [{"name": n} for n in names]},
    )
    group = answer.get("tag_group", {})
    made = {t["name"]: t["id"] for t in group.get("tag", []) if t.get("name") in names}
    for name, tag_id in made.items():
        WeComTag.objects.update_or_create(
            organisation_id=cfg.organisation_id, tag_id=tag_id,
            defaults={"name": name, "group_name": group.get("group_name", LOCAL_TAG_GROUP)},
        )  # fmt: skip
    return made
