"""The standard-reply library (标准化话术库): writes, compliance gate, usage, suggestions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import ahocorasick
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit, scopes
from mediadesk.engagement import perms, rules
from mediadesk.engagement.models import StandardReply
from mediadesk.orgs.models import Organisation

audit.register_actions(
    {
        "standard_reply.save": gettext_lazy("保存标准话术"),
        "standard_reply.delete": gettext_lazy("删除标准话术"),
        "standard_reply.import": gettext_lazy("导入标准话术"),
    }
)

CATEGORIES = tuple(rules.CATEGORY_WORDS)
FIELDS = ("category", "title", "text", "keywords", "platforms", "compliance_note")


def require_manage(by: Any, organisation: Organisation) -> None:
    if by.organisation_id != organisation.pk or not scopes.has_perm(by, perms.REPLIES):
        raise PermissionDenied(_("没有管理话术库的权限"))


def gate(text: str, organisation_id: int) -> tuple[str, list[dict[str, Any]]]:
    """可用 only after the compliance check: a `block` finding keeps the reply unusable."""
    from mediadesk.compliance import services as compliance

    findings = compliance.check_text(text, organisation=organisation_id)
    state = StandardReply.State.BLOCKED if compliance.has_block(findings) else StandardReply.State.AVAILABLE  # fmt: skip
    return state, [f.as_dict() for f in findings]


def clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Field errors name the field; platforms is a list of platform codes."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {k: values.get(k) for k in FIELDS}
    for key in ("category", "title", "text"):
        out[key] = str(out[key] or "").strip()
        if not out[key]:
            errors[key] = _("必填")
    if len(out["title"]) > 60:
        errors["title"] = _("标题最长 60 个字")
    platforms = out["platforms"] or []
    if isinstance(platforms, str):
        platforms = [p for p in platforms.replace("，", ",").split(",") if p.strip()]
    out["platforms"] = [str(p).strip() for p in platforms]
    too_long = [p for p in out["platforms"] if not rules.fits(p, out["text"])]
    if too_long:
        errors["platforms"] = _("话术超过 %(p)s 的回复字数上限") % {"p": "、".join(too_long)}
    out["keywords"] = ",".join(k.strip() for k in str(out["keywords"] or "").replace("，", ",").split(",") if k.strip())[:200]  # fmt: skip
    out["compliance_note"] = str(out["compliance_note"] or "")[:200]
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def save(
    organisation: Organisation, values: Mapping[str, Any], *, by: Any, reply: StandardReply | None = None
) -> StandardReply:  # fmt: skip
    """Create or edit a standard reply; its state follows the compliance check."""
    require_manage(by, organisation)
    data = clean(values)
    clash = StandardReply.objects.filter(organisation=organisation, title=data["title"])
    if reply is not None:
        clash = clash.exclude(pk=reply.pk)
    if clash.exists():
        raise ValidationError({"title": _("已有同名话术")})
    row = reply or StandardReply(organisation=organisation, owner=by)
    before = {k: getattr(row, k) for k in FIELDS} if reply else {}
    for key, value in data.items():
        setattr(row, key, value)
    row.state, row.findings = gate(row.text, organisation.pk)
    row.save()
    audit.record(actor=by, action="standard_reply.save", target=row, changes={k: [before.get(k), data[k]] for k in FIELDS if before.get(k) != data[k]} | {"state": [None, row.get_state_display()]})  # fmt: skip
    return row


def usable(message: Any, reply_id: int) -> StandardReply:
    """A 可用 reply of the message's organisation that fits its platform."""
    row = StandardReply.objects.filter(pk=reply_id, organisation_id=message.organisation_id).first()
    if row is None:
        raise ValidationError({"reply_id": _("话术不存在")})
    if row.state != StandardReply.State.AVAILABLE:
        raise ValidationError({"reply_id": _("该话术未通过合规检查，不可使用")})
    if row.platforms and message.platform.code not in row.platforms:
        raise ValidationError({"reply_id": _("该话术不适用于此平台")})
    return row


def count_use(row: StandardReply, now: dt.datetime) -> None:
    StandardReply.objects.filter(pk=row.pk).update(
        usage_count=F("usage_count") + 1, last_used_at=now
    )


class Suggester:
    """Ranks 可用 replies for a text by keyword hits (one Aho-Corasick pass per message)."""

    def __init__(self, candidates: list[rules.Candidate]) -> None:
        self.candidates = candidates
        self.automaton: Any = None
        words: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for c in candidates:
            for word, weight in rules.candidate_words(c).items():
                words[word].append((c.id, weight))
        if words:
            self.automaton = ahocorasick.Automaton()
            for word, targets in words.items():
                self.automaton.add_word(word, targets)
            self.automaton.make_automaton()

    def hits(self, text: str) -> dict[int, int]:
        score: dict[int, int] = defaultdict(int)
        if self.automaton is None:
            return score
        seen: set[str] = set()
        for end, targets in self.automaton.iter(text[:2000]):
            for cid, weight in targets:
                key = f"{cid}:{end}"
                if key not in seen:
                    seen.add(key)
                    score[cid] += weight
        return score

    def top(self, text: str, platform: str) -> list[int]:
        return rules.rank(self.hits(text), self.candidates, platform)


_CACHE: dict[int, tuple[Any, Suggester]] = {}


def suggester(organisation_id: int) -> Suggester:
    """The organisation's suggester, rebuilt when its library changes."""
    rows = StandardReply.objects.filter(organisation_id=organisation_id, state=StandardReply.State.AVAILABLE)  # fmt: skip
    stamp = rows.aggregate(m=Max("updated_at"), n=Max("id")), rows.count()
    cached = _CACHE.get(organisation_id)
    if cached and cached[0] == stamp:
        return cached[1]
    candidates = [
        rules.Candidate(
            r.pk,
            tuple(k for k in r.keywords.split(",") if k),
            r.category,
            tuple(r.platforms),
            r.usage_count,
        )
        for r in rows
    ]
    built = Suggester(candidates)
    _CACHE[organisation_id] = (stamp, built)
    return built


def suggestions_for(message: Any) -> list[StandardReply]:
    """The message's top-3 replies in rank order (still 可用)."""
    rows = {r.pk: r for r in StandardReply.objects.filter(pk__in=message.suggestions, state=StandardReply.State.AVAILABLE)}  # fmt: skip
    return [rows[i] for i in message.suggestions if i in rows]


@transaction.atomic
def import_rows(organisation: Organisation, rows: Iterable[Mapping[str, Any]], *, by: Any) -> int:
    """Create or update replies by title (one transaction: any bad row writes nothing)."""
    count = 0
    for values in rows:
        existing = StandardReply.objects.filter(organisation=organisation, title=str(values.get("title") or "").strip()).first()  # fmt: skip
        save(organisation, values, by=by, reply=existing)
        count += 1
    return count
