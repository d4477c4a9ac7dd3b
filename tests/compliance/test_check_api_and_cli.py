"""The checker's two entrances: POST /api/v1/compliance/check and `mediadesk check-copy`."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mediadesk.compliance import services
from tests.conftest import World

URL = "/api/v1/compliance/check"
COPY = "锦程·曲江府，给你最 好的家。首付三成，第一次置业也轻松；步行5分钟到达地铁站。"


def post(client: Any, body: Any) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


def run_cli(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check-copy", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_api_flags_spaced_superlative_on_the_original_characters(world: World, api: Any) -> None:
    response = post(api(world.planner), {"text": COPY})
    assert response.status_code == 200
    body = response.json()
    assert body["passed"] is False
    [best] = [f for f in body["findings"] if f["term"] == "最好"]
    assert COPY[best["start"] : best["end"]] == "最 好"
    assert {"term", "start", "end", "category", "severity", "suggestion", "rule"} <= set(best)
    terms = {f["term"] for f in body["findings"]}
    assert not terms & {"首付", "第一次", "第一", "首"}
    assert any(f["rule"] == "pattern:travel-time" for f in body["findings"])


def test_clean_copy_passes(world: World, api: Any) -> None:
    body = post(api(world.operator), {"text": "首付三成，第一时间了解项目动态。"}).json()
    assert body == {"passed": True, "findings": []}


def test_cli_json_and_api_return_the_same_findings(world: World, api: Any, tmp_path: Path) -> None:
    path = tmp_path / "copy.txt"
    path.write_text(COPY, encoding="utf-8")
    code, out = run_cli(str(path), "--json", "--org", str(world.org.pk))
    assert code == 1
    assert json.loads(out) == post(api(world.legal), {"text": COPY}).json()


def test_cli_reads_gb18030_with_and_without_bom(world: World, tmp_path: Path) -> None:
    plain, bom = tmp_path / "gb.txt", tmp_path / "gb-bom.txt"
    plain.write_bytes(COPY.encode("gb18030"))
    bom.write_bytes("\ufeff".encode("gb18030") + COPY.encode("gb18030"))
    utf8_bom = tmp_path / "u8.txt"
    utf8_bom.write_bytes(b"\xef\xbb\xbf" + COPY.encode("utf-8"))
    outputs = [run_cli(str(p), "--json", "--org", world.org.name) for p in (plain, bom, utf8_bom)]
    assert [code for code, _ in outputs] == [1, 1, 1]
    assert outputs[0][1] == outputs[1][1] == outputs[2][1]
    assert json.loads(outputs[0][1])["findings"][0]["snippet"] == "最 好"


def test_cli_exit_codes(world: World, tmp_path: Path) -> None:
    clean, warn_only, bad = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    clean.write_text("首付三成，第一次置业。", encoding="utf-8")
    warn_only.write_text("金牌物业，贴心服务。", encoding="utf-8")
    bad.write_bytes(b"\xff\xfe\xfd\x80\x81")
    assert run_cli(str(clean))[0] == 0
    code, out = run_cli(str(warn_only))
    assert code == 0 and "[提示] “金牌”" in out
    assert run_cli(str(bad))[0] == 2
    assert run_cli(str(tmp_path / "missing.txt"))[0] == 2
    assert run_cli(str(clean), "--platform", "no-such-platform")[0] == 2
    assert run_cli(str(clean), "--org", "没有这个组织")[0] == 2


def test_cli_prints_chinese_lines_with_position(world: World, tmp_path: Path) -> None:
    path = tmp_path / "copy.txt"
    path.write_text("标题\n给你最 好的家", encoding="utf-8")
    code, out = run_cli(str(path), "--org", str(world.org.pk))
    assert code == 1
    assert "第2行第3列（5–8）[禁止] “最 好”" in out
    assert "共 1 处" in out


def test_platform_title_length_and_unknown_platform(world: World, api: Any) -> None:
    client = api(world.planner)
    body = post(client, {"text": "好" * 21 + "\n正文", "platform": "xiaohongshu"}).json()
    assert [f["rule"] for f in body["findings"]] == ["pattern:title-length"]
    response = post(client, {"text": "正文", "platform": "nope"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "platform", "message": "未知的平台代码"}]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": "x" * 200_001}, "text"),
        ({"text": "好", "industry": "mining"}, "industry"),
        ({"text": "好", "extra": 1}, "extra"),
    ],
)
def test_api_rejects_bad_input_with_field_errors(
    world: World, api: Any, body: Any, field: str
) -> None:
    response = post(api(world.planner), body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_api_permissions(world: World, api: Any, client: Any) -> None:
    assert post(client, {"text": "最好"}).status_code == 401
    forbidden = post(api(world.sales_a), {"text": "最好"})
    assert forbidden.status_code == 403 and forbidden.json()["detail"]
    assert post(api(world.channel), {"text": "最好"}).status_code == 403
    assert post(api(world.planner), {"text": "最好"}).status_code == 200


def test_api_uses_the_callers_organisation_lexicon(world: World, api: Any) -> None:
    services.save_term(
        None,
        by=world.legal,
        organisation=world.org,
        values={"term": "别家地产", "category": "competitor", "severity": "warn"},
    )
    text = "比别家地产更好"
    mine = post(api(world.planner), {"text": text}).json()
    theirs = post(api(world.outsider), {"text": text}).json()
    assert [f["term"] for f in mine["findings"]] == ["别家地产"]
    assert theirs["findings"] == []
    assert services.check_text(text, organisation=None) == []
