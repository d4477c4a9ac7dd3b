"""Compliance checker benchmarks (02-content-review.md "Speed" and "Accuracy").

Default lexicon + 5,000 extra organisation terms + all rules: median time for a 5,000-character
text (budget 5 ms, in process), throughput on one core (budget ≥ 5 MB/s of Chinese text),
automaton build time for a new lexicon version, and precision/recall on the labelled corpus.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

from bench.timing import measure, report

# Common characters of property copy; 3–5 of them make plausible brand/competitor names
# that rarely occur by accident in real text.
POOL = "锦程曲江高新云境浐灞湖畔华润万科龙湖保利融创绿地金茂招商中海碧桂园首创旭辉世茂雅居乐远洋" \
    "天府西安成都北京上海城南城北东方明珠翡翠公馆壹号院悦府湾璟宸熙岸澜庭玺樾珑瑞禧臻铂"  # fmt: skip
EXTRA_TERMS = 5000
TEXT_CHARS = 5000


def _extra_terms(org: Any, n: int) -> None:
    from mediadesk.compliance import rules
    from mediadesk.compliance.models import Term

    rng = random.Random(11)
    seen: set[str] = set()
    rows: list[Term] = []
    while len(rows) < n:
        word = "".join(rng.choice(POOL) for _ in range(rng.randint(3, 5)))
        key = rules.normalise(word)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            Term(organisation=org, term=word, key=key, category="competitor", severity="warn")
        )
    Term.objects.bulk_create(rows, batch_size=1000)


def _copy(chars: int, *, dirty_share: float) -> str:
    """Copy assembled from corpus sentences: `dirty_share` of them contain findings."""
    from tests.compliance.corpus import CORPUS

    clean = [s for s, labels in CORPUS if not labels]
    dirty = [s for s, labels in CORPUS if labels]
    rng = random.Random(3)
    out: list[str] = []
    size = 0
    while size < chars:
        s = rng.choice(dirty if rng.random() < dirty_share else clean)
        out.append(s)
        size += len(s)
    return "".join(out)[:chars]


def _cpu_seconds(fn: Any) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _cpu_ms(fn: Any, repeat: int = 200) -> float:
    """Median CPU time in ms: unlike wall time, not inflated by other processes on the box."""
    fn()
    return 1000 * statistics.median(_cpu_seconds(fn) for _ in range(repeat))


def _accuracy() -> tuple[float, float]:
    from tests.compliance.test_corpus import score

    precision, recall, _ = score()
    return precision, recall


def bare_scan(lexicon: Any) -> Any:
    """A bare pyahocorasick scan over the same keys: the floor any checker is compared with."""
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for key, value in lexicon.automaton.items():
        if value[1] != 2:  # the terms and whitelist compounds, not the rules' anchor words
            automaton.add_word(key, len(key))
    automaton.make_automaton()
    return lambda text: sum(1 for _ in automaton.iter(text))


def _speed(org: Any, lexicon: Any, share: float, label: str) -> None:
    from mediadesk.compliance import rules, services

    text = _copy(TEXT_CHARS, dirty_share=share)
    hits = len(services.check_text(text, organisation=org))
    figures = measure(lambda: services.check_text(text, organisation=org), repeat=200, warmup=10)
    report(
        f"check_text 5,000 chars, {label} ({hits} findings)",
        figures,
        budget_ms=5 if share < 1 else None,
    )
    call = _cpu_ms(lambda: services.check_text(text, organisation=org))
    engine = _cpu_ms(lambda: rules.scan(lexicon, text))
    scan = bare_scan(lexicon)
    bare = _cpu_ms(lambda: scan(text))
    print(
        f"    CPU time of the same call: median {call:.2f} ms; engine alone (no version query): {engine:.2f} ms"
    )
    print(
        f"    bare pyahocorasick scan of the same text over the same {lexicon.size} keys: {bare:.2f} ms"
    )
    for what, ms in (("engine (normalisation, whitelist, terms, rules)", engine),
                     ("whole check_text call (+ lexicon version query)", call)):  # fmt: skip
        ratio = ms / bare
        verdict = (("✓ within" if ratio <= 3 else "✗ OVER") + " budget 3×") if share < 1 else ""
        print(f"    {what}: {ratio:.1f}× the bare scan  {verdict}")
    big = _copy(400_000, dirty_share=share)
    size_mb = len(big.encode("utf-8")) / 1e6
    seconds = statistics.median(
        _cpu_seconds(lambda: services.check_text(big, organisation=org)) for _ in range(5)
    )
    rate = size_mb / seconds
    verdict = (("✓" if rate >= 5 else "✗ UNDER") + " (budget ≥ 5 MB/s)") if share < 1 else ""
    print(
        f"  throughput (CPU time, one core), {label}: {rate:.1f} MB/s on {size_mb:.1f} MB {verdict}"
    )


def run(scale: float) -> None:
    from mediadesk.compliance import services
    from mediadesk.compliance.models import Lexicon
    from mediadesk.orgs.models import Organisation

    print("\nCompliance checker")
    org, _ = Organisation.objects.get_or_create(name="合规基准组织")
    services.lexicon_version(org)
    _extra_terms(org, int(EXTRA_TERMS * max(scale, 0.2)))
    services.bump(Lexicon.objects.get(organisation=org))
    start = time.perf_counter()
    lexicon = services.compiled_lexicon(org)
    print(
        f"  lexicon build (load {lexicon.size} keys from the database + automaton) {1000 * (time.perf_counter() - start):.1f} ms"
    )

    for share, label in (
        (0.1, "typical copy, 1 in 10 sentences flagged"),
        (1.0, "worst case, all flagged"),
    ):
        _speed(org, lexicon, share, label)

    precision, recall = _accuracy()
    print(f"  corpus precision {precision:.3f}  recall {recall:.3f}  (budget ≥ 0.97 each)")
