"""Scorecard pages: the month's ranking (线上标杆), a card with the records behind each figure,
manual scores, self-assessment, sign-off and adjustments after it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediadesk.core import scopes
from mediadesk.planning import access, forms, perms, scorecards
from mediadesk.planning.models import Scorecard


def _month(request: HttpRequest) -> dt.date:
    try:
        return dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def _manager(user: Any) -> bool:
    return scopes.has_perm(user, perms.EDIT)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    access.require_view(request.user)
    month = _month(request)
    if request.method == "POST":
        access.require_edit(request.user)
        count = len(scorecards.compute_month(request.user, month))
        messages.success(request, _("已计算 %(n)s 张考核表") % {"n": count})
        return redirect(f"{request.path}?month={month:%Y-%m}")
    if not _manager(request.user):
        scorecards.compute_month(request.user, month, request.user.pk)
    cards = access.visible_cards(request.user).filter(month=month).select_related("person")
    ranked = list(cards.order_by("-total", "id")[:500])
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    context = {"cards": ranked, "month": month, "prev": prev, "next": following,
               "manager": _manager(request.user)}  # fmt: skip
    return render(request, "planning/scorecards.html", context)


def _card(request: HttpRequest, pk: int) -> Scorecard:
    access.require_view(request.user)
    return scopes.get_or_404(
        access.visible_cards(request.user).select_related("person", "signed_by"), pk
    )


def _page(request: HttpRequest, card: Scorecard, errors: list[dict[str, str]]) -> HttpResponse:
    lines = [{**ln, "label": scorecards.label_of(card.role, ln["code"], ln["label"])}
             for ln in card.lines]  # fmt: skip
    context = {"card": card, "lines": lines, "errors": errors, "manager": _manager(request.user),
               "mine": card.person_id == request.user.pk,
               "adjusted": scorecards.adjusted_total(card),
               "adjustments": card.adjustments.select_related("by")}  # fmt: skip
    return render(request, "planning/scorecard.html", context, status=400 if errors else 200)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _card(request, pk), [])


@login_required
def line_rows(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    card = _card(request, pk)
    rows = [{**r, "date": forms.when(r["date"])} for r in scorecards.line_rows(card, code)]
    return render(request, "planning/_rows.html", {"rows": rows})


@login_required
@require_POST
def score(request: HttpRequest, pk: int) -> HttpResponse:
    """A manual score; on a signed card it is kept as an adjustment (a reason is required)."""
    card = _card(request, pk)
    access.require_edit(request.user)
    try:
        value = Decimal(request.POST.get("score", "").strip())
    except InvalidOperation:
        return _page(
            request, card, forms.problems([{"field": "score", "message": _("不是有效的数字")}])
        )
    try:
        scorecards.set_manual_score(request.user, card, request.POST.get("indicator", ""), value,
                                    request.POST.get("reason", ""))  # fmt: skip
    except ValidationError as exc:
        return _page(request, card, forms.problems(exc))
    messages.success(request, _("已保存"))
    return redirect("planning:scorecard", card.pk)


@login_required
@require_POST
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card(request, pk)
    access.require_edit(request.user)
    scorecards.sign(request.user, card)
    messages.success(request, _("已签核，考核表已锁定"))
    return redirect("planning:scorecard", card.pk)


@login_required
@require_POST
def self_assess(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card(request, pk)
    try:
        scorecards.self_assess(request.user, card, request.POST.get("text", ""))
    except ValidationError as exc:
        return _page(request, card, forms.problems(exc))
    messages.success(request, _("自评已保存"))
    return redirect("planning:scorecard", card.pk)
