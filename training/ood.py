"""Out-of-domain checks on third-party public data in ../shared/data (skipped when absent).

None of these sets is social-media recruitment posts; every number is reported as such.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
_CYRILLIC = re.compile("[\u0400-\u04ff]")

Predict = Callable[[list[str]], np.ndarray]


def _emscad(predict: Predict, root: Path) -> dict[str, Any] | None:
    path = root / "emscad" / "emscad_descriptions.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts = [str(r["text"]) for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    p = predict(texts)
    return {"set": "EMSCAD job-board ads, description text (en, 2012-14)", "n": len(y),
            "positives": int(y.sum()), "roc_auc": float(roc_auc_score(y, p)),
            "pr_auc": float(average_precision_score(y, p)), "base_rate": float(y.mean())}


def _tg_spam_ru(predict: Predict, root: Path, thresholds: dict[str, float]) -> list[dict[str, Any]]:
    path = root / "tg_spam_ru" / "tg_spam_samples.csv"
    if not path.is_file():
        return []
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["label"] = df["label"].astype(int)
    cyr = df["text"].map(lambda t: len(_CYRILLIC.findall(t)) > 0.5 * max(1, sum(c.isalpha() for c in t)))
    out = []
    spam = df[(df["label"] == 1) & cyr]
    if len(spam):
        p = predict(spam["text"].tolist())
        out.append({"set": "Russian Telegram group spam (generic spam, not only job lures)",
                    "n": len(spam), "metric": "share flagged (recall)",
                    **{band: float((p >= t).mean()) for band, t in thresholds.items()}})
    ham = df[df["label"] == 0]
    if len(ham):
        p = predict(ham["text"].tolist())
        out.append({"set": "Telegram group chat, legitimate messages (mostly Russian)",
                    "n": len(ham), "metric": "false-positive rate",
                    **{band: float((p >= t).mean()) for band, t in thresholds.items()}})
    return out


def _jadarat(predict: Predict, root: Path, thresholds: dict[str, float]) -> dict[str, Any] | None:
    path = root / "jadarat_arabic_jobs" / "Jadarat_data.csv"
    if not path.is_file():
        return None
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    texts = [" ".join(filter(None, [r.get("job_title", ""), r.get("job_desc", ""),
                                    r.get("job_tasks", ""), r.get("benefits", "")])) for r in rows]
    p = predict(texts)
    return {"set": "Jadarat Saudi job-portal postings (ar, all legitimate)", "n": len(texts),
            "metric": "false-positive rate", **{b: float((p >= t).mean()) for b, t in thresholds.items()}}


def run_ood(predict: Predict, thresholds: dict[str, float], root: Path = SHARED_DATA) -> dict[str, Any]:
    """All available checks; {} when the shared data is not there."""
    if not root.is_dir():
        return {}
    results: dict[str, Any] = {"ranking": [], "rates": []}
    emscad = _emscad(predict, root)
    if emscad:
        results["ranking"].append(emscad)
    results["rates"] += _tg_spam_ru(predict, root, thresholds)
    jadarat = _jadarat(predict, root, thresholds)
    if jadarat:
        results["rates"].append(jadarat)
    return results


def ood_markdown(results: dict[str, Any], bands: list[str]) -> str:
    if not results:
        return "Out-of-domain checks skipped: ../shared/data is not present."
    lines = ["Third-party public data, NOT social-media recruitment posts; read from "
             "../shared/data at run time, never used for training.", ""]
    if results["ranking"]:
        lines += ["| set | n | positives | ROC-AUC | PR-AUC (base rate) |", "|---|---|---|---|---|"]
        lines += [f"| {r['set']} | {r['n']} | {r['positives']} | {r['roc_auc']:.3f} | "
                  f"{r['pr_auc']:.3f} ({r['base_rate']:.3f}) |" for r in results["ranking"]]
        lines.append("")
    if results["rates"]:
        lines += ["| set | n | metric | " + " | ".join(f"≥ {b}" for b in bands) + " |",
                  "|---|---|---|" + "---|" * len(bands)]
        lines += [f"| {r['set']} | {r['n']} | {r['metric']} | "
                  + " | ".join(f"{r[b]:.3f}" for b in bands) + " |" for r in results["rates"]]
    return "\n".join(lines)
