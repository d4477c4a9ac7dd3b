"""A small account matrix on top of the `world` personas, and upload helpers.

Matrix (brand keyword 锦程, all on 抖音 unless noted):
  brand      L1 org-wide, custodian manager
  ├── qujiang  L2 project 曲江府 (西安), custodian operator
  │   └── sales_a_acc  L3 project 曲江府, custodian sales_a
  └── tianfu   L2 project 天府 (成都), custodian operator_cd
  orphan     L3 project 云境 (西安) with no parent, custodian sales_b
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from mediadesk.matrix import services
from mediadesk.matrix.models import Account, Platform
from tests.conftest import World


@dataclass
class Matrix:
    brand: Account
    qujiang: Account
    sales_a_acc: Account
    tianfu: Account
    orphan: Account


@pytest.fixture(autouse=True)
def matrix_settings(settings: Any, tmp_path: Any) -> None:
    """Uploads and stashed imports go to a temporary folder, not var/; personas get a fast
    password hash (autouse fixtures run before `world` creates them)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"


def platform(code: str = "douyin") -> Platform:
    return Platform.objects.get(code=code)


def make_account(world: World, **values: Any) -> Account:
    values.setdefault("platform", platform())
    return services.create_account(by=world.admin, organisation=world.org, values=values)


@pytest.fixture
def matrix(world: World) -> Matrix:
    brand = make_account(
        world, name="锦程置业", level=1, brand_keyword="锦程", custodian=world.manager,
        bio="锦程置业官方账号，关注我们预约看房", followers=86000,
    )  # fmt: skip
    qujiang = make_account(
        world, name="锦程曲江府", level=2, parent=brand, project=world.qujiang,
        custodian=world.operator, bound_phone="13812345678",
    )  # fmt: skip
    sales_a_acc = make_account(
        world, name="锦程曲江府-小孙", level=3, parent=qujiang, project=world.qujiang,
        custodian=world.sales_a,
    )  # fmt: skip
    tianfu = make_account(
        world,
        name="锦程天府",
        level=2,
        parent=brand,
        project=world.tianfu,
        custodian=world.operator_cd,
    )
    orphan = make_account(
        world, name="云境小郑", level=3, project=world.yunjing, custodian=world.sales_b
    )
    return Matrix(brand, qujiang, sales_a_acc, tianfu, orphan)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "white").save(buf, format=fmt)
    return buf.getvalue()


EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 2000
