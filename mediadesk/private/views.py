"""私域 pages: the member list with the funnel chart."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mediadesk.core.scopes import has_perm, organisation_ids
from mediadesk.orgs.models import Organisation
from mediadesk.private import perms, queries
from mediadesk.private.models import STAGE_ORDER


@login_required
def members(request: HttpRequest) -> HttpResponse:
    """Members by filters, with the stage funnel."""
    if not has_perm(request.user, perms.VIEW):
        raise PermissionDenied
    rules = {k: request.GET.get(k) for k in ("stage", "tag", "source", "silent_days", "q")}
    qs = queries.apply_rules(queries.members_for(request.user), rules).order_by("-id")
    org = Organisation.objects.get(pk=min(organisation_ids(request.user)))
    figs = queries.figures(org, timezone.localdate())
    funnel = [{"name": str(s.label), "value": figs["by_stage"][s.value]} for s in STAGE_ORDER]
    return render(
        request,
        "private/members.html",
        {
            "page": Paginator(qs, 50).get_page(request.GET.get("page")),
            "funnel": funnel,
            "figs": figs,
            "stages": STAGE_ORDER,
            "rules": rules,
            "full": has_perm(request.user, perms.PHONE),
        },
    )
