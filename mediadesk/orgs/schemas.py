"""API schemas of the orgs app: token requests and projects."""

from __future__ import annotations

from ninja import Field, Schema

from mediadesk.core.schemas import BodyIn
from mediadesk.orgs.models import Project


class TokenIn(BodyIn):
    username: str = Field(min_length=1, max_length=150, description="用户名或手机号")
    password: str = Field(min_length=1, max_length=4096)
    otp: str = Field("", max_length=16, description="已启用两步验证的用户必填：6 位验证码")
    name: str = Field("", max_length=60, description="令牌名称（可选，便于在个人资料页识别）")


class TokenOut(Schema):
    token: str = Field(description="只显示这一次；请求时放在 `Authorization: Bearer <token>`")


class ProjectOut(Schema):
    id: int
    name: str
    company: int
    company_name: str

    @staticmethod
    def resolve_company(obj: Project) -> int:
        return obj.company_id

    @staticmethod
    def resolve_company_name(obj: Project) -> str:
        return obj.company.name
