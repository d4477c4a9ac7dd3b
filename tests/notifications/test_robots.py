"""Pure robot logic: signing, request building, truncation, answer classification, throttling."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediadesk.notifications import robots
from mediadesk.notifications.robots import Message, Outcome

# Expected values computed independently with openssl, e.g. for DingTalk:
#   printf '%s\n%s' "$ts" "$secret" | openssl dgst -sha256 -hmac "$secret" -binary | base64
DING_SECRET = "SECb5e1c1d7f2a84c3e9d0f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7a8b9"
DING_TS_MS = 1_700_000_000_000
DING_SIGN = "LTKXhpQLxWp3oIe3dZccAOn0AaoCdEFKGXpO5lhq8iw="
#   printf '' | openssl dgst -sha256 -hmac "$(printf '%s\n%s' "$ts" "$secret")" -binary | base64
FEISHU_SECRET = "demo-feishu-secret"
FEISHU_TS = 1_700_000_000
FEISHU_SIGN = "V3Wp8znUoP+7XezI+6p/Lp2Uyk2BLceZJJbP1KE87hk="

AT = datetime.fromtimestamp(FEISHU_TS, tz=UTC)
WECOM_URL = (
    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693axxx6-7aoc-4bc4-97a0-0ec2sifa5aaa"
)
DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef"
FEISHU_URL = "https://open.feishu.cn/open-apis/bot/v2/hook/0f2c9c5e-1111-2222-3333-444455556666"


def test_dingtalk_sign_matches_hand_computed_hmac() -> None:
    assert robots.dingtalk_sign(DING_SECRET, DING_TS_MS) == DING_SIGN


def test_feishu_sign_swaps_key_and_message_and_matches_hand_computed_hmac() -> None:
    assert robots.feishu_sign(FEISHU_SECRET, FEISHU_TS) == FEISHU_SIGN
    assert robots.feishu_sign(FEISHU_SECRET, FEISHU_TS) != robots.dingtalk_sign(
        FEISHU_SECRET, FEISHU_TS
    )


def test_dingtalk_request_puts_millisecond_timestamp_and_urlencoded_sign_in_the_query() -> None:
    at = datetime.fromtimestamp(DING_TS_MS / 1000, tz=UTC)
    request = robots.build_dingtalk(DING_URL, DING_SECRET, Message("标题", "正文"), now=at)
    assert "sign=LTKXhpQLxWp3oIe3dZccAOn0AaoCdEFKGXpO5lhq8iw%3D" in request.url
    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abcdef0123456789abcdef"]
    assert query["timestamp"] == [str(DING_TS_MS)]
    assert query["sign"] == [DING_SIGN]
    assert request.body == {"msgtype": "text", "text": {"content": "标题\n正文"}}


def test_dingtalk_request_without_secret_is_unsigned() -> None:
    request = robots.build_dingtalk(DING_URL, "", Message("标题"), now=AT)
    assert request.url == DING_URL


def test_feishu_request_puts_second_timestamp_and_sign_in_the_body() -> None:
    request = robots.build_feishu(FEISHU_URL, FEISHU_SECRET, Message("标题", "正文"), now=AT)
    assert request.url == FEISHU_URL
    assert request.body == {
        "timestamp": str(FEISHU_TS),
        "sign": FEISHU_SIGN,
        "msg_type": "text",
        "content": {"text": "标题\n正文"},
    }


def test_feishu_rich_message_is_a_post_with_title() -> None:
    request = robots.build_feishu(
        FEISHU_URL, "", Message("审核提醒", "第一行\n第二行", rich=True), now=AT
    )
    post = request.body["content"]["post"]["zh_cn"]
    assert request.body["msg_type"] == "post"
    assert post["title"] == "审核提醒"
    assert post["content"] == [
        [{"tag": "text", "text": "第一行"}],
        [{"tag": "text", "text": "第二行"}],
    ]


def test_wecom_text_is_cut_to_2048_bytes_on_a_character_boundary() -> None:
    request = robots.build_wecom(WECOM_URL, Message("标题", "锦" * 1500))
    content = request.body["text"]["content"]
    assert request.body["msgtype"] == "text"
    assert len(content.encode()) <= 2048
    assert content.endswith("…")
    assert content.startswith("标题\n锦锦")
    json.dumps(request.body, ensure_ascii=False).encode()


def test_wecom_markdown_allows_4096_bytes() -> None:
    request = robots.build_wecom(WECOM_URL, Message("标题", "锦" * 1500, rich=True))
    content = request.body["markdown"]["content"]
    assert content.startswith("**标题**")
    assert 2048 < len(content.encode()) <= 4096


@given(st.text(), st.integers(min_value=3, max_value=5000))
def test_truncation_never_exceeds_the_limit_and_keeps_a_prefix(text: str, limit: int) -> None:
    cut = robots.truncate_utf8(text, limit)
    assert len(cut.encode()) <= limit
    if cut != text:
        assert cut.endswith("…")
        assert text.startswith(cut[:-1])


def test_keyword_is_prefixed_only_when_missing() -> None:
    assert robots.with_keyword(Message("新线索", "x"), "锦程").title == "【锦程】新线索"
    assert robots.with_keyword(Message("锦程 新线索", "x"), "锦程").title == "锦程 新线索"
    assert robots.with_keyword(Message("新线索", "x"), "").title == "新线索"


@pytest.mark.parametrize(
    ("kind", "status", "answer", "outcome", "says"),
    [
        ("wecom", 200, {"errcode": 0, "errmsg": "ok"}, Outcome.SENT, ""),
        (
            "wecom",
            200,
            {"errcode": 45009, "errmsg": "api freq out of limit"},
            Outcome.THROTTLED,
            "45009",
        ),
        (
            "wecom",
            200,
            {"errcode": 93000, "errmsg": "invalid webhook url"},
            Outcome.PERMANENT,
            "Webhook 地址无效",
        ),
        ("wecom", 200, {"errcode": -1, "errmsg": "system busy"}, Outcome.TRANSIENT, "系统繁忙"),
        (
            "dingtalk",
            200,
            {"errcode": 130101, "errmsg": "send too fast"},
            Outcome.THROTTLED,
            "130101",
        ),
        (
            "dingtalk",
            200,
            {"errcode": 310000, "errmsg": "sign not match"},
            Outcome.PERMANENT,
            "签名不匹配",
        ),
        (
            "dingtalk",
            200,
            {"errcode": 310000, "errmsg": "keywords not in content"},
            Outcome.PERMANENT,
            "关键词",
        ),
        ("feishu", 200, {"code": 0, "msg": "success", "data": {}}, Outcome.SENT, ""),
        ("feishu", 200, {"StatusCode": 0, "StatusMessage": "success"}, Outcome.SENT, ""),
        (
            "feishu",
            200,
            {"code": 19021, "msg": "sign match fail"},
            Outcome.PERMANENT,
            "签名校验失败",
        ),
        ("feishu", 200, {"code": 19024, "msg": "Key Words Not Found"}, Outcome.PERMANENT, "关键词"),
        ("feishu", 200, {"code": 11232, "msg": "frequency limited"}, Outcome.THROTTLED, "11232"),
        ("feishu", 400, {"code": 9499, "msg": "Bad Request"}, Outcome.PERMANENT, "9499"),
        ("feishu", 429, b"Too Many Requests", Outcome.THROTTLED, "429"),
        ("wecom", 502, b"<html>Bad Gateway</html>", Outcome.TRANSIENT, "HTTP 502"),
        ("dingtalk", 404, b"not found", Outcome.PERMANENT, "HTTP 404"),
    ],
)
def test_answers_are_classified(
    kind: str, status: int, answer: object, outcome: Outcome, says: str
) -> None:
    raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    result = robots.classify(kind, status, raw)
    assert result.outcome == outcome
    assert says in result.error


def test_wecom_window_waits_until_the_oldest_of_the_last_twenty_leaves_it() -> None:
    now = AT
    recent = [now - timedelta(seconds=s) for s in range(1, 21)]  # 20 calls in the last 20 s
    assert robots.throttle_wait("wecom", recent, now) == timedelta(seconds=40)
    assert robots.throttle_wait("wecom", recent[:19], now) == timedelta(0)
    older = [now - timedelta(seconds=61)] * 50
    assert robots.throttle_wait("wecom", older, now) == timedelta(0)


def test_feishu_has_a_per_second_and_a_per_minute_window() -> None:
    now = AT
    burst = [now - timedelta(milliseconds=100 * i) for i in range(5)]
    assert robots.throttle_wait("feishu", burst, now) == timedelta(milliseconds=600)
    minute = [now - timedelta(seconds=2 + i * 0.5) for i in range(100)]
    assert robots.throttle_wait("feishu", minute, now) == minute[-1] + timedelta(seconds=60) - now
    assert robots.throttle_wait("dingtalk", burst, now) == timedelta(0)


def test_backoff_doubles_from_one_minute() -> None:
    assert [robots.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


@pytest.mark.parametrize(
    ("kind", "url", "problem"),
    [
        ("wecom", WECOM_URL, ""),
        ("dingtalk", DING_URL, ""),
        ("feishu", FEISHU_URL, ""),
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "https"),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "缺少机器人标识"),
        ("wecom", "https://evil.example.com/cgi-bin/webhook/send?key=abc", "qyapi.weixin.qq.com"),
        ("dingtalk", WECOM_URL, "oapi.dingtalk.com"),
        ("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/", "缺少机器人标识"),
        ("feishu", "ftp://open.feishu.cn/x", "格式不正确"),
    ],
)
def test_webhook_addresses_are_checked_per_kind(kind: str, url: str, problem: str) -> None:
    error = robots.webhook_error(kind, url)
    assert (problem in error) if problem else error == ""


def test_local_hosts_need_explicit_permission() -> None:
    url = "http://127.0.0.1:8123/cgi-bin/webhook/send?key=abc"
    assert robots.webhook_error("wecom", url) != ""
    assert robots.webhook_error("wecom", url, extra_hosts=["127.0.0.1"]) == ""


def test_masked_webhook_hides_the_key() -> None:
    assert (
        robots.mask_webhook("wecom", WECOM_URL)
        == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****5aaa"
    )
    masked = robots.mask_webhook("feishu", FEISHU_URL)
    assert "0f2c9c5e" not in masked
    assert masked.endswith("/hook/****6666")
