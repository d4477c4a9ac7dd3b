"""Lifecycle rules (editable defaults of 09-private-domain.md): facts → stage and reason."""

from __future__ import annotations

from dataclasses import dataclass

from mediadesk.private.models import STAGE_ORDER, Stage

INTEREST_SIGNALS = [
    "message", "live_attend", "course_view", "page_view", "visit", "follow_up_intent",
]  # fmt: skip
DEFAULT_RULES: dict[str, object] = {
    "loyal_purchases": 2,
    "referral_is_loyal": True,
    "loyal_active_weeks": 4,  # active in the community this many weeks in a row (0: off)
    "interest_kinds": INTEREST_SIGNALS,
}


@dataclass(frozen=True)
class Facts:
    """What is known of a member for staging."""

    purchases: int = 0
    referrals: int = 0
    interest: str = ""  # the kind of the first interest signal, or ""
    amount_fen: int = 0  # mini-program purchase amounts (RFM's M)
    active_weeks: int = 0  # consecutive recent weeks with community activity


def stage_for(facts: Facts, rules: dict[str, object] | None = None) -> tuple[str, str]:
    """The stage the facts earn and why (stages never go down through rules)."""
    r = {**DEFAULT_RULES, **(rules or {})}
    loyal_at = max(2, int(str(r["loyal_purchases"])))
    if facts.purchases >= loyal_at:
        return Stage.LOYAL, f"第{facts.purchases}次购买"
    if facts.referrals and r["referral_is_loyal"]:
        return Stage.LOYAL, "老带新"
    weeks = int(str(r.get("loyal_active_weeks") or 0))
    if weeks and facts.active_weeks >= weeks:
        return Stage.LOYAL, f"连续{facts.active_weeks}周社群活跃"
    if facts.purchases:
        return Stage.PURCHASE, "成交/购买"
    if facts.interest:
        return Stage.INTEREST, f"互动：{facts.interest}"
    return Stage.AWARE, "留资/关注/入群"


def higher(a: str, b: str) -> bool:
    """Whether stage `a` ranks above stage `b`."""
    return STAGE_ORDER.index(Stage(a)) > STAGE_ORDER.index(Stage(b))
