"""The 话术 chosen for a session and their compliance: the chosen texts (variables filled) are
checked with the title, script and run-of-show; a `block` finding keeps the checklist's
compliance item open (until fixed or overridden by legal) and shows on the run-of-show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediadesk.core import audit
from mediadesk.live import access, queries, rules
from mediadesk.live.models import Script, Session

audit.register_actions({"live_session.scripts": gettext_lazy("选择本场话术")})


def chosen_texts(session: Session) -> list[tuple[Script, str]]:
    values = queries.variables(session)
    return [(s, rules.fill_variables(s.text, values)) for s in session.scripts.all()]


def block_findings(session: Session) -> list[dict[str, Any]]:
    """The `block` findings of the session's texts, each with where it is (title, script,
    stage or chosen 话术)."""
    from mediadesk.compliance import services as compliance

    parts: list[tuple[str, str]] = [(str(_("直播标题")), session.title),
                                    (str(_("脚本")), session.script)]  # fmt: skip
    parts += [(s.name, s.text) for s in session.stages.all()]
    parts += [(_("话术 #%(pk)s") % {"pk": s.pk}, text) for s, text in chosen_texts(session)]
    out = []
    for where, text in parts:
        if not text:
            continue
        for f in compliance.check_text(text, organisation=session.organisation_id):
            if f.severity == "block":
                out.append({"where": where, "term": f.term, "suggestion": f.suggestion})
    return out


@transaction.atomic
def choose(session: Session, script_ids: Iterable[int], *, by: Any) -> Session:
    """Set the session's 话术 (usable ones of its organisation), audited; checklist refreshed."""
    from mediadesk.live import services

    if not access.can_manage(by, session):
        raise ValidationError(_("没有管理该直播的权限"))
    ids = sorted(set(script_ids))
    scripts = list(Script.objects.filter(pk__in=ids, organisation_id=session.organisation_id,
                                         state=Script.State.USABLE))  # fmt: skip
    if len(scripts) != len(ids):
        raise ValidationError({"scripts": _("只能选择本组织可用的话术")})
    before = sorted(session.scripts.values_list("pk", flat=True))
    session.scripts.set(scripts)
    if before != ids:
        audit.record(actor=by, action="live_session.scripts", target=session,
                     changes={"scripts": [before, ids]})  # fmt: skip
    services.refresh_checklist(session)
    return session
