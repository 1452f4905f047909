"""Honest metrics: ranking quality, band-threshold rates with bootstrap intervals, plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

BOOTSTRAP_ROUNDS = 1000


def thresholds_for_budget(legit_probabilities: np.ndarray, budgets: dict[str, float]) -> dict[str, float]:
    """Lowest threshold per band whose false-positive rate on legitimate posts is within budget.

    Measured on out-of-fold predictions, never on the posts the thresholds are reported on.
    """
    p = np.sort(np.asarray(legit_probabilities))[::-1]
    out = {}
    for band, budget in budgets.items():
        allowed = int(np.floor(budget * len(p)))
        # a post is flagged when p >= t: put t just above the (allowed+1)-th highest legit score
        t = float(p[allowed]) + 1e-6 if allowed < len(p) else 0.0
        out[band] = round(min(max(t, 0.05), 0.99), 6)
    return out


def _rates(y: np.ndarray, p: np.ndarray, t: float) -> dict[str, float | None]:
    flagged = p >= t
    tp = int((flagged & (y == 1)).sum())
    fp = int((flagged & (y == 0)).sum())
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    return {
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / pos if pos else None,
        "fpr": fp / neg if neg else None,
    }


def _point(y: np.ndarray, p: np.ndarray, thresholds: dict[str, float]) -> dict[str, Any]:
    both = len(set(y.tolist())) == 2
    out: dict[str, Any] = {
        "n": len(y), "positives": int(y.sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
    }
    for band, t in thresholds.items():
        for key, value in _rates(y, p, t).items():
            out[f"{band}_{key}"] = value
    return out


def evaluate(y: Sequence[int], p: Sequence[float], thresholds: dict[str, float],
             groups: Sequence[str] | None = None, seed: int = 0,
             rounds: int = BOOTSTRAP_ROUNDS) -> dict[str, Any]:
    """Point metrics plus bootstrap 95% intervals (resampling groups when given)."""
    y, p = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    point = _point(y, p, thresholds)
    rng = np.random.default_rng(seed)
    keys = np.asarray(groups) if groups is not None else np.arange(len(y))
    uniq, inverse = np.unique(keys, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(len(uniq))]
    samples: dict[str, list[float]] = {k: [] for k, v in point.items() if isinstance(v, float)}
    for _ in range(rounds):
        pick = np.concatenate([members[k] for k in rng.integers(0, len(uniq), len(uniq))])
        stats = _point(y[pick], p[pick], thresholds)
        for key in samples:
            if stats.get(key) is not None:
                samples[key].append(stats[key])
    ci = {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
          for k, v in samples.items() if v}
    return {**point, "ci95": ci}


def evaluate_by(y, p, thresholds, by: Sequence[str], groups=None, min_n: int = 10) -> dict[str, Any]:
    """`evaluate` overall and for each value of `by` (e.g. language) with at least min_n rows."""
    y, p, by = np.asarray(y), np.asarray(p), np.asarray(by)
    g = np.asarray(groups) if groups is not None else None
    out = {"overall": evaluate(y, p, thresholds, g)}
    for value in sorted(set(by.tolist())):
        mask = by == value
        if mask.sum() >= min_n:
            out[str(value)] = evaluate(y[mask], p[mask], thresholds,
                                       g[mask] if g is not None else None)
    return out


def _fmt(value: float | None, ci: list[float] | None = None) -> str:
    if value is None:
        return "n/a"
    text = f"{value:.3f}"
    return f"{text} [{ci[0]:.3f}–{ci[1]:.3f}]" if ci else text


def metrics_table(results: dict[str, Any], bands: Sequence[str]) -> str:
    """Markdown table: one row per slice (overall, each language)."""
    cols = ["n", "pos", "ROC-AUC", "PR-AUC"]
    for band in bands:
        cols += [f"{band} precision", f"{band} recall", f"{band} FPR"]
    lines = ["| slice | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    for name, r in results.items():
        ci = r.get("ci95", {})
        cells = [str(r["n"]), str(r["positives"]),
                 _fmt(r["roc_auc"], ci.get("roc_auc")), _fmt(r["pr_auc"], ci.get("pr_auc"))]
        for band in bands:
            for key in ("precision", "recall", "fpr"):
                k = f"{band}_{key}"
                cells.append(_fmt(r.get(k), ci.get(k)))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_curves(y, p, by: Sequence[str], out_dir: Path, title: str) -> list[Path]:
    """precision_recall.png and reliability.png, one line per slice; skipped without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.calibration import calibration_curve
        from sklearn.metrics import precision_recall_curve
    except ImportError:
        return []
    y, p, by = np.asarray(y), np.asarray(p), np.asarray(by)
    slices = [("all", np.ones(len(y), dtype=bool))] + [
        (v, by == v) for v in sorted(set(by.tolist())) if (by == v).sum() >= 20
        and len(set(y[by == v].tolist())) == 2
    ]
    paths = []
    fig, ax = plt.subplots(figsize=(6, 5))
    for name, mask in slices:
        prec, rec, _ = precision_recall_curve(y[mask], p[mask])
        ax.plot(rec, prec, label=f"{name} (n={mask.sum()})", lw=2 if name == "all" else 1)
    ax.set(xlabel="recall", ylabel="precision", title=f"Precision–recall: {title}", ylim=(0, 1.02))
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(out_dir / "precision_recall.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.plot([0, 1], [0, 1], "k:", lw=1)
    for name, mask in slices:
        frac, mean = calibration_curve(y[mask], p[mask], n_bins=8, strategy="quantile")
        ax.plot(mean, frac, marker="o", ms=3, label=name, lw=2 if name == "all" else 1)
    ax.set(xlabel="predicted p(scam)", ylabel="observed scam rate",
           title=f"Reliability: {title}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(out_dir / "reliability.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


def write_report(out_dir: Path, title: str, description: str, results: dict[str, Any],
                 thresholds: dict[str, float], extra: dict[str, Any] | None = None,
                 y=None, p=None, by=None) -> Path:
    """metrics.json, metrics.md and the plots in out_dir; returns the markdown path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"title": title, "data": description, "thresholds": thresholds,
               "results": results, **(extra or {})}
    (out_dir / "metrics.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    md = [f"# {title}", "", description, "",
          "Thresholds: " + ", ".join(f"{b} ≥ {t:.3f}" for b, t in thresholds.items()), "",
          "Values are point estimates with bootstrap 95% intervals (groups resampled).", "",
          metrics_table(results, list(thresholds))]
    if y is not None and p is not None:
        plots = plot_curves(y, p, by if by is not None else ["all"] * len(y), out_dir, title)
        md += [""] + [f"![{path.stem}]({path.name})" for path in plots]
    path = out_dir / "metrics.md"
    path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return path
