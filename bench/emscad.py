"""scamscore's pipeline vs a plain TF-IDF baseline on EMSCAD, same grouped folds.

EMSCAD is English job-board fraud (2012-14), not social-media recruitment posts. Read from
../shared/data/emscad at run time; skipped when absent. Only the description text is used
from every file, with the dataset's #URL_/#EMAIL_/#PHONE_ placeholders and HTML entities
removed so that no file-format cue separates the classes.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from scamscore.model import C_GRID, build_pipeline
from training.ood import SHARED_DATA

_PLACEHOLDER = re.compile(r"#(?:URL|EMAIL|PHONE)_[0-9a-f]+#")


def _clean(text: str) -> str:
    return " ".join(_PLACEHOLDER.sub(" ", html.unescape(str(text))).split())


def load_emscad() -> pd.DataFrame | None:
    root = SHARED_DATA / "emscad"
    if not root.is_dir():
        return None
    rows = [json.loads(x) for x in (root / "emscad_descriptions.jsonl").read_text().splitlines() if x]
    frames = [pd.DataFrame({"text": [r["text"] for r in rows], "label": [int(r["label"]) for r in rows]})]
    for name in ("emscad_fraud_rows.csv", "emscad_sample_rows.csv"):
        df = pd.read_csv(root / name, dtype=str, keep_default_na=False)
        frames.append(pd.DataFrame({"text": df["description"], "label": df["fraudulent"].astype(int)}))
    data = pd.concat(frames, ignore_index=True)
    data["text"] = data["text"].map(_clean)
    data = data[data["text"].str.len() > 20]
    data["group"] = data["text"].str.lower().str[:120]
    # one label per near-duplicate group (the fraud label wins), one row per exact text
    data = data.sort_values("label", ascending=False).drop_duplicates("text")
    return data.reset_index(drop=True)


def _baseline():
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
    return word, char


def compare(folds: int = 5, seed: int = 0) -> None:
    data = load_emscad()
    if data is None:
        print("\n## EMSCAD comparison skipped: ../shared/data/emscad is not present")
        return
    y, texts, groups = data["label"].to_numpy(), data["text"].tolist(), data["group"].to_numpy()
    print(f"\n## EMSCAD (job-board ads, en, 2012-14; not social-media posts): {len(y)} descriptions, "
          f"{y.sum()} fraudulent, {folds}-fold CV grouped by the first 120 characters")
    p_ours, p_base = np.zeros(len(y)), np.zeros(len(y))
    chosen = []
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for tr, te in splitter.split(texts, y, groups):
        tr_texts, te_texts = [texts[i] for i in tr], [texts[i] for i in te]
        # C chosen inside each training fold, as `make train` does (grouped inner CV, C_GRID)
        ours = build_pipeline(random_state=seed, Cs=C_GRID)
        ours.fit(tr_texts, y[tr], classifier__groups=groups[tr])
        chosen.append(ours.named_steps["classifier"].C_)
        p_ours[te] = ours.predict_proba(te_texts)[:, 1]
        word, char = _baseline()
        X_tr = sparse.hstack([word.fit_transform(tr_texts), char.fit_transform(tr_texts)]).tocsr()
        X_te = sparse.hstack([word.transform(te_texts), char.transform(te_texts)]).tocsr()
        clf = LogisticRegression(C=10, class_weight="balanced", max_iter=5000, solver="liblinear")
        p_base[te] = clf.fit(X_tr, y[tr]).predict_proba(X_te)[:, 1]
    print("| model | ROC-AUC | PR-AUC |\n|---|---|---|")
    for name, p in (("scamscore pipeline (signals + hashed char n-grams)", p_ours),
                    ("baseline: TF-IDF word 1-2 + char 2-5, logistic regression", p_base)):
        print(f"| {name} | {roc_auc_score(y, p):.3f} | {average_precision_score(y, p):.3f} |")
    print(f"(PR-AUC of a random ranking = base rate {y.mean():.3f}; scamscore's C chosen per training "
          f"fold by grouped inner CV over {C_GRID}: {chosen})")
    for name, metric in (("ROC-AUC", roc_auc_score), ("PR-AUC", average_precision_score)):
        diff, low, high = paired_difference(y, p_ours, p_base, groups, metric, seed)
        verdict = "scamscore ahead" if low > 0 else "baseline ahead" if high < 0 else "a tie"
        print(f"{name} difference (scamscore - baseline): {diff:+.3f}, group-bootstrap 95% interval "
              f"[{low:+.3f}, {high:+.3f}]: {verdict}")


def paired_difference(y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray, groups: np.ndarray,
                      metric, seed: int = 0, rounds: int = 1000) -> tuple[float, float, float]:
    """metric(a) - metric(b) on the same posts, with a 95% interval from resampling groups."""
    rng = np.random.default_rng(seed)
    _, inverse = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inverse == k) for k in range(inverse.max() + 1)]
    diffs = []
    for _ in range(rounds):
        pick = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
        if 0 < y[pick].sum() < len(pick):
            diffs.append(metric(y[pick], p_a[pick]) - metric(y[pick], p_b[pick]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(metric(y, p_a) - metric(y, p_b)), float(low), float(high)


if __name__ == "__main__":
    compare()
