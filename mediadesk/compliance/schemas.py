"""API schemas of the compliance checker."""

from __future__ import annotations

from ninja import Field, Schema
from pydantic import field_validator

from mediadesk.compliance.rules import Industry
from mediadesk.core.schemas import BodyIn

MAX_TEXT = 200_000


class CheckIn(BodyIn):
    text: str = Field(..., max_length=MAX_TEXT, description="待检查的文案（最多 20 万字）")
    platform: str | None = Field(
        None, max_length=30, description="平台代码，如 douyin（检查标题长度及平台规则）"
    )
    industry: Industry | None = Field(None, description="行业，如 real_estate（默认按房地产规则）")

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str | None) -> str | None:
        from mediadesk.compliance.queries import known_platform

        if value and not known_platform(value):
            raise ValueError("未知的平台代码")
        return value or None


class ComplianceFindingOut(Schema):
    term: str
    start: int = Field(..., description="原文中的起始位置（Python 字符串下标）")
    end: int = Field(..., description="原文中的结束位置（不含）")
    category: str
    severity: str = Field(..., description="block / warn / info")
    suggestion: str
    rule: str
    snippet: str = Field(..., description="原文中被命中的字符")
    message: str
    basis: str = Field(..., description="法律依据")


class CheckOut(Schema):
    passed: bool = Field(..., description="没有 block 级问题时为 true")
    findings: list[ComplianceFindingOut]
