"""`make bench`: speed, memory, cold start, evasion and adversarial-input benchmarks.

Every figure is printed next to a baseline measured in the same run, as a ratio, because
these machines are shared and noisy. Nothing here is a test; see tests/ for those.

    python -m bench.run [all|throughput|coldstart|evasion|adversarial|langid|emscad] [--rows N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scamscore.lexicon import LexiconMatcher

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PY = sys.executable
SCAMSCORE = str(Path(PY).with_name("scamscore"))


def _rss_mb(pid: int) -> tuple[float, float]:
    """(RSS of the whole process tree, RSS of its largest process), in MB."""
    import psutil

    try:
        proc = psutil.Process(pid)
        sizes = [p.memory_info().rss for p in (proc, *proc.children(recursive=True))]
        return sum(sizes) / 2**20, max(sizes) / 2**20
    except psutil.Error:
        return 0.0, 0.0


def timed(cmd: list[str], **kwargs) -> tuple[float, float, float]:
    """(seconds, peak RSS of the process tree, peak RSS of one process; MB) for a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    tree = single = 0.0

    def watch() -> None:
        nonlocal tree, single
        while proc.poll() is None:
            total, largest = _rss_mb(proc.pid)
            tree, single = max(tree, total), max(single, largest)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}\n{err.decode()[-500:]}")
    return time.perf_counter() - start, tree, single


def synthetic_export(path: Path, rows: int, seed: int = 0) -> None:
    """Posts of 50-2,000 characters built from the corpus, all languages mixed."""
    from scamscore.dataset import load_corpus

    texts = load_corpus()["text"].tolist()
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["post_id", "author", "created_at", "text", "likes"])
        for i in range(rows):
            target = rng.randint(50, 2000)
            parts: list[str] = []
            while sum(map(len, parts)) < target:
                parts.append(rng.choice(texts))
            text = "\n".join(parts)[:target]
            writer.writerow([f"p{i}", f"user{rng.randint(1, 99999)}", f"2026-10-{1 + i % 28:02d}",
                             text, rng.randint(0, 5000)])


def io_floor(src: Path, dst: Path) -> float:
    """pandas reading and writing the same file in chunks, without scoring."""
    import pandas as pd

    start = time.perf_counter()
    first = True
    for chunk in pd.read_csv(src, chunksize=20_000, dtype=str, keep_default_na=False):
        chunk.to_csv(dst, mode="w" if first else "a", header=first, index=False)
        first = False
    return time.perf_counter() - start


def bench_throughput(rows: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    src = OUT / f"export_{rows}.csv"
    if not src.exists():
        print(f"generating {rows:,} synthetic posts -> {src}")
        synthetic_export(src, rows)
    size_mb = src.stat().st_size / 2**20
    floor = io_floor(src, OUT / "floor.csv")
    print(f"\n## Batch throughput on {rows:,} posts ({size_mb:.0f} MB CSV, 50-2,000 chars, 8 languages)")
    print(f"I/O floor (pandas read+write, no scoring): {floor:.1f} s = {rows / floor:,.0f} rows/s")
    results = {}
    for jobs in (1, 2):
        secs, tree, single = timed([SCAMSCORE, "batch", str(src), "-o",
                                    str(OUT / f"scored_{jobs}.csv"), "--jobs", str(jobs), "--force"])
        results[jobs] = secs
        print(f"--jobs {jobs}: {secs:.1f} s = {rows / secs:,.0f} posts/s, {secs / floor:.1f}x the "
              f"I/O floor; peak RSS {single:,.0f} MB per process, {tree:,.0f} MB process tree")
    same = (OUT / "scored_1.csv").read_bytes() == (OUT / "scored_2.csv").read_bytes()
    print(f"speed-up --jobs 2 vs 1: {results[1] / results[2]:.2f}x; outputs identical: {same}")
    bench_without_extension(src, rows, results[2])
    bench_stages(src)


def bench_without_extension(src: Path, rows: int, compiled_secs: float) -> None:
    """`--jobs 2` again with the compiled loops turned off: what scamscore/_fast.c buys."""
    from scamscore import compiled

    if compiled.FAST is None:
        print("(compiled loops not built: the figures above are the numpy code's)")
        return
    out = OUT / "scored_2_numpy.csv"
    secs, _, single = timed([SCAMSCORE, "batch", str(src), "-o", str(out), "--jobs", "2", "--force"],
                            env={**os.environ, "SCAMSCORE_NO_EXTENSION": "1"})
    same = out.read_bytes() == (OUT / "scored_2.csv").read_bytes()
    print(f"--jobs 2 without the compiled loops (SCAMSCORE_NO_EXTENSION=1): {secs:.1f} s = "
          f"{rows / secs:,.0f} posts/s; peak RSS {single:,.0f} MB per process; compiled is "
          f"{secs / compiled_secs:.2f}x as fast; outputs identical: {same}")


def bench_stages(src: Path, posts: int = 2000, warm_up: int = 10_000) -> None:
    """Where one worker's time goes: each stage of Scorer.score_rows, in process, after
    `warm_up` posts (RE2 builds its automata as posts need them: over the first 25,000
    bench posts a worker is ~15% slower than later)."""
    import pandas as pd

    from scamscore.computed import COMPUTED
    from scamscore.language import detect_languages
    from scamscore.lexicon import matching_view
    from scamscore.normalize import normalise
    from scamscore.scorer import Scorer

    texts = pd.read_csv(src, nrows=warm_up + posts, dtype=str, keep_default_na=False)["text"].tolist()
    if len(texts) < warm_up + posts:  # a small export: half of it warms up
        warm_up = len(texts) // 2
    warm, texts = texts[:warm_up], texts[warm_up:]
    scorer = Scorer()
    scorer.score_rows(warm)  # models loaded, RE2 automata warm
    matcher = scorer.signals.matcher
    norms = [normalise(t) for t in texts]
    analyses = [scorer.signals.analyse(t, evidence=False) for t in texts]
    stages = {
        "normalise": lambda: [normalise(t) for t in texts],
        "lexicon (RE2 sets, then negation checks)": lambda: matcher.fired_many(
            [n.text for n in norms], all_languages=False),
        "computed signals (no evidence, as in batch)": lambda: [
            [fn(t, n, evidence=False) for fn in COMPUTED.values()]
            for t, n in zip(texts, norms, strict=True)],
        "wording n-grams + TF-IDF": lambda: scorer.model.wording_terms(analyses),
        "language detection": lambda: detect_languages(texts),
        "score_rows (all of it)": lambda: scorer.score_rows(texts),
    }
    mean = sum(map(len, texts)) / len(texts)
    print(f"\nWhere a worker's time goes ({len(texts):,} posts of the export, mean "
          f"{mean:,.0f} chars, after {warm_up:,} warm-up posts; ms per post):")
    for name, fn in stages.items():
        start = time.perf_counter()
        fn()
        print(f"- {name}: {1000 * (time.perf_counter() - start) / len(texts):.3f}")
    bench_sets(matcher, [matching_view(n.text).encode("utf-8") for n in norms])


def bench_sets(matcher: LexiconMatcher, datas: list[bytes]) -> None:
    """Each RE2 set's time: one far slower than the rest is thrashing its DFA cache."""
    costs = []
    for number, (searcher, keys) in enumerate(matcher._sets, 1):
        start = time.perf_counter()
        for data in datas:
            searcher.Match(data)
        langs = "+".join(sorted({lang for lang, _ in keys}))
        names = sorted({name for _, name in keys})
        what = names[0] if len(names) == 1 else f"{len(keys)} entries"
        costs.append((f"set {number}: {langs} ({what})", 1000 * (time.perf_counter() - start) / len(datas)))
    typical = statistics.median(cost for _, cost in costs)
    print("Each RE2 set (ms per post; over 3x the median set suggests its DFA cache thrashes: "
          "raise its budget in LexiconMatcher.set_memory):")
    for name, cost in costs:
        print(f"  - {name}: {cost:.4f}{'  <- thrashing?' if cost > 3 * typical else ''}")


def bench_coldstart(runs: int = 5) -> None:
    example = str(ROOT / "data" / "examples" / "alabuga_en.txt")
    base = [timed([PY, "-c", "import sklearn"])[0] for _ in range(runs)]
    check = [timed([SCAMSCORE, "check", example])[0] for _ in range(runs)]
    given = [timed([SCAMSCORE, "check", "--lang", "en", example])[0] for _ in range(runs)]
    b = statistics.median(base)
    print(f"\n## Cold start, median of {runs} fresh processes")
    print(f"python -c 'import sklearn': {b:.2f} s (baseline)")
    print(f"scamscore check post.txt: {statistics.median(check):.2f} s = "
          f"{statistics.median(check) / b:.2f}x the baseline")
    print(f"scamscore check --lang en post.txt (no language model): {statistics.median(given):.2f} s "
          f"= {statistics.median(given) / b:.2f}x")


def bench_evasion() -> None:
    from scamscore.dataset import load_corpus, splits
    from scamscore.scorer import Scorer
    from training.obfuscate import TECHNIQUES

    corpus = load_corpus()
    test = corpus[(splits(corpus) == "test") & (corpus["label"] == 1)
                  & (corpus["derived"] == 0)]
    scorer = Scorer()
    texts = test["text"].tolist()
    bands = [r.band for r in scorer.score_many(texts)]
    print(f"\n## Evasion: {len(texts)} scam posts of the held-out test split, each disguised")
    print("| technique | same band | band kept or raised | score not lower (±2) |\n|---|---|---|---|")
    base = scorer.score_many(texts)
    rank = {"low": 0, "medium": 1, "high": 2}
    # a relayed pitch: the whole post in quotation marks (QUOTED_TEXT must not lower it); and
    # a pitch framed as someone's question about it, which the labelling policy calls
    # legitimate: what it costs shows how far a recruiter can hide behind a fake question
    reposts = {"whole post in quotation marks": lambda t: f'"{t}"',
               "forwarded, in guillemets": lambda t: f"Forwarded:\n\u00ab{t}\u00bb",
               "framed as a question ('Is this legit?')":
                   lambda t: f'Is this legit? Someone sent me this:\n"{t}"'}
    for name, fn in [*sorted(TECHNIQUES.items()), *reposts.items()]:
        results = scorer.score_many([fn(t) for t in texts])
        same = sum(r.band == b for r, b in zip(results, bands, strict=True)) / len(texts)
        kept = sum(rank[r.band] >= rank[b] for r, b in zip(results, bands, strict=True)) / len(texts)
        held = sum(r.score >= o.score - 2 for r, o in zip(results, base, strict=True)) / len(texts)
        print(f"| {name} | {same:.1%} | {kept:.1%} | {held:.1%} |")


def bench_adversarial(megabytes: int = 5) -> None:
    from scamscore.features import SignalExtractor

    n = megabytes * 2**20
    inputs = {
        "plain prose (baseline)": ("the quick brown fox jumps over the lazy dog " * n)[:n],
        "near-matches": ("free hous guarantee housin girls 18 visa pai " * n)[:n],
        "repeated separators": ("g . . . . . . " * n)[:n],
        "spaced letters": ("f r e e h o u s i n g " * n)[:n],
        "one long word": "a" * n,
        "digits": ("+7 9" + "0" * 30 + " ") * (n // 35),
        "emoji": "💰🔥" * (n // 2),
        "mixed scripts": ("frее раbота " * n)[:n],
    }
    extractor = SignalExtractor(max_chars=n + 1).fit()
    print(f"\n## Adversarial inputs, {megabytes} MB each, analysed whole (no truncation)")
    base = None
    for name, text in inputs.items():
        start = time.perf_counter()
        extractor.analyse(text)
        secs = time.perf_counter() - start
        base = base or secs
        print(f"{name}: {secs:.2f} s ({len(text) / secs / 1e6:.2f} M chars/s, {secs / base:.1f}x prose)")


def bench_langid() -> None:
    from scamscore.dataset import load_corpus
    from scamscore.language import detect_language, detect_languages

    corpus = load_corpus()
    corpus = corpus[corpus["derived"] == 0]
    texts, langs = corpus["text"].tolist(), corpus["lang"].tolist()
    print(f"\n## Language detection on the {len(texts)} hand-written corpus posts "
          "(labels from the datasheet)")
    for backend in ("py3langid", "langdetect"):
        detect_language("warm up the model please", backend)
        start = time.perf_counter()
        got = [detect_language(t, backend) for t in texts]
        secs = time.perf_counter() - start
        acc = sum(g == w for g, w in zip(got, langs, strict=True)) / len(texts)
        per = {lang: sum(g == w for g, w in zip(got, langs, strict=True) if w == lang)
               / langs.count(lang) for lang in sorted(set(langs))}
        print(f"{backend}: accuracy {acc:.3f}, {len(texts) / secs:,.0f} posts/s one at a time; "
              "per language " + ", ".join(f"{k} {v:.2f}" for k, v in per.items()))
    start = time.perf_counter()
    batched = detect_languages(texts)
    secs = time.perf_counter() - start
    print(f"py3langid, whole batch in numpy (what `batch` uses): {len(texts) / secs:,.0f} posts/s; "
          f"same answers as one at a time: {batched == [detect_language(t) for t in texts]}")


def bench_emscad() -> None:
    from bench.emscad import compare

    compare()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="all",
                        choices=["all", "throughput", "coldstart", "evasion", "adversarial",
                                 "langid", "emscad"])
    parser.add_argument("--rows", type=int, default=int(os.environ.get("BENCH_ROWS", 200_000)))
    args = parser.parse_args()
    print(f"# scamscore benchmarks ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")
    steps = {"coldstart": bench_coldstart, "langid": bench_langid, "evasion": bench_evasion,
             "adversarial": bench_adversarial, "emscad": bench_emscad,
             "throughput": lambda: bench_throughput(args.rows)}
    for name, fn in steps.items():
        if args.what in ("all", name):
            fn()


if __name__ == "__main__":
    main()
