"""Train, evaluate and write the model: `make train` or `python -m training.train`.

1. Split the labeled posts by `group` into train (80%) and test (20%), by a stable hash.
2. Choose C by grouped cross-validation on train; fit the pipeline on train.
3. Choose band thresholds from a false-positive budget on legitimate posts, using
   out-of-fold predictions on train (never the test posts): on the posts no lexicon writer
   read (the calibration slice, and a user's own data) when there are enough legitimate
   ones, else on the whole training split.
4. Report on the held-out test split: overall and per language, with bootstrap intervals.
5. Report on the blind holdout (data/holdout) when present: posts written unseen, never
   trained or tuned on.
6. Out-of-domain checks on ../shared/data when present.
7. Write model.joblib + manifest.json (sha256, data hash, versions, metrics, thresholds).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold

from scamscore.artifact import PACKAGE_MODEL_DIR, save_model
from scamscore.dataset import (
    DataError,
    data_fingerprint,
    load_corpus,
    load_holdout,
    read_labeled,
    splits,
)
from scamscore.evaluation import (
    evaluate_by,
    metrics_table,
    plot_curves,
    thresholds_for_budget,
    write_report,
)
from scamscore.features import SignalExtractor
from scamscore.model import C_GRID, CalibratedLinearClassifier, build_pipeline
from training.ood import Predict, ood_markdown, run_ood

REPORTS_DIR = Path(__file__).resolve().parent / "reports"
FP_BUDGETS = {"medium": 0.10, "high": 0.01}
# fewer legitimate posts unseen by the lexicon writers than this and a 1% budget is decided
# by one or two posts: thresholds then come from the whole training split's predictions
MIN_UNSEEN_LEGIT = 200


def _versions() -> dict[str, str]:
    import joblib
    import sklearn

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "joblib": joblib.__version__}


def code_fingerprint(package: Path = PACKAGE_MODEL_DIR.parent) -> str:
    """sha256 of the package's code and data files (not the model it ships): with the data
    and the lexicons it decides what a retrain produces, so it is part of the version."""
    digest, model_dir = hashlib.sha256(), package / PACKAGE_MODEL_DIR.name
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".yaml")
                       and model_dir not in p.parents):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _oof_probabilities(X, y, groups, C: float, signs, seed: int, folds: int = 5) -> np.ndarray:
    """Out-of-fold calibrated probabilities over the training split (grouped folds), at a
    fixed C, for choosing thresholds."""
    p = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=folds).split(X, y, groups):
        clf = CalibratedLinearClassifier(C=C, signs=signs, random_state=seed)
        p[te] = clf.fit(X[tr], y[tr], groups[tr]).predict_proba(X[te])[:, 1]
    return p


def _choose_thresholds(oof: np.ndarray, y: np.ndarray, unseen: np.ndarray,
                       calibration: np.ndarray | None = None) -> tuple[dict[str, float], str]:
    """Band thresholds for FP_BUDGETS and what they were chosen on: the legitimate training
    posts no lexicon writer read (`unseen`) when there are MIN_UNSEEN_LEGIT of them, else all
    legitimate training posts. Prints both, with each one's false-positive rates on the other."""
    legit = y == 0
    held, tuned = legit & unseen, legit & ~unseen
    if held.sum() < MIN_UNSEEN_LEGIT or not tuned.any():
        described = f"out-of-fold predictions of the training split's {int(legit.sum())} legitimate posts"
        if held.any() and tuned.any():
            described += (f" (too few unseen by the lexicon writers: {int(held.sum())} < "
                          f"{MIN_UNSEEN_LEGIT})")
        return thresholds_for_budget(oof[legit], FP_BUDGETS), described
    on_held = thresholds_for_budget(oof[held], FP_BUDGETS)
    on_tuned = thresholds_for_budget(oof[tuned], FP_BUDGETS)

    def rates(t: dict[str, float], mask: np.ndarray) -> str:
        return ", ".join(f"{band} {(oof[mask] >= v).mean():.3f}" for band, v in t.items())

    click.echo(f"thresholds on the legitimate posts the lexicon writers read: {on_tuned} "
               f"(false-positive rate on the unseen ones: {rates(on_tuned, held)})", err=True)
    click.echo(f"thresholds on the unseen legitimate posts: {on_held} (false-positive rate on "
               f"the others: {rates(on_held, tuned)})", err=True)
    sources = [] if calibration is None else [
        name for name, part in (("the calibration slice", calibration), ("your own data", ~calibration))
        if (held & part).any()]
    return on_held, (f"out-of-fold predictions of the {int(held.sum())} legitimate training posts "
                     f"no lexicon writer read" + (f" ({' and '.join(sources)})" if sources else ""))


def load_training_data(data: tuple[str, ...], text_column: str, label_column: str,
                       with_bundled: bool) -> tuple[pd.DataFrame, str]:
    """The bundled corpus, the user's files, or both; and a description of what was used."""
    frames, names = [], []
    if not data or with_bundled:
        corpus = load_corpus()
        frames.append(corpus[["text", "label", "group", "lang", "kind", "id", "derived", "calibration"]]
                      .assign(lexicon_unseen=corpus["calibration"]))
        names.append(f"bundled corpus data/corpus ({len(corpus)} posts)")
    for path in data:
        df = read_labeled(path, text_column, label_column)
        df["group"] = Path(path).name + ":" + df["group"]
        df["kind"] = ""
        df["lexicon_unseen"] = True  # no lexicon writer read the user's data
        df["id"] = [f"{Path(path).name}:{i}" for i in range(len(df))]
        frames.append(df)
        names.append(f"{path} ({len(df)} rows)")
    return pd.concat(frames, ignore_index=True), "; ".join(names)


def _mark_unseen(df: pd.DataFrame) -> None:
    """Boolean `calibration` and `lexicon_unseen` columns, in place: rows without a mark are
    not calibration posts, and are unseen by the lexicon writers (a user's own data) unless
    the frame holds a calibration slice, whose posts are then the unseen ones."""
    calibration = (df["calibration"] if "calibration" in df.columns else pd.Series(False, index=df.index))
    df["calibration"] = calibration.fillna(False).astype(bool)
    if "lexicon_unseen" not in df.columns:
        df["lexicon_unseen"] = df["calibration"] if df["calibration"].any() else True
    df["lexicon_unseen"] = df["lexicon_unseen"].fillna(True).astype(bool)


def _high_rate_by_kind(p: np.ndarray, posts: pd.DataFrame, high: float) -> dict[str, float]:
    """Each kind's share of posts scored at or above `high` (posts without a kind aside)."""
    kinds = posts["kind"].to_numpy()
    return {kind: float((p[kinds == kind] >= high).mean()) for kind in sorted(set(kinds)) if kind}


def _without_intervals(results: dict[str, Any]) -> dict[str, Any]:
    """`evaluate_by` results less their bootstrap intervals (what the manifest keeps)."""
    return {k: {m: v for m, v in r.items() if m != "ci95"} for k, r in results.items()}


def _kind_rows(by_kind: dict[str, float], posts: pd.DataFrame) -> list[str]:
    """Markdown table rows: each kind, its label and the share of its posts flagged high."""
    return [f"| {kind} | {int(posts.loc[posts['kind'] == kind, 'label'].iloc[0])} | {rate:.2f} |"
            for kind, rate in by_kind.items()]


# post lengths (characters) by which the holdout's flag rates are reported
LENGTH_BINS = ((0, 150), (150, 350), (350, 700), (700, None))


def _length_rows(texts: pd.Series, y: np.ndarray, p: np.ndarray,
                 thresholds: dict[str, float]) -> list[str]:
    """Markdown table: per length bin, legitimate posts flagged and scams caught at each band."""
    bands = list(thresholds)
    lines = ["| characters | legitimate | " + " | ".join(f"flagged ≥ {b}" for b in bands)
             + " | scams | " + " | ".join(f"caught ≥ {b}" for b in bands) + " |",
             "|---|---|" + "---|" * len(bands) + "---|" + "---|" * len(bands)]
    lengths = texts.str.len().to_numpy()
    for low, high in LENGTH_BINS:
        inside = (lengths >= low) & (lengths < high if high else True)
        cells = []
        for label in (0, 1):
            mask = inside & (y == label)
            cells.append(str(int(mask.sum())))
            cells += [str(int((mask & (p >= thresholds[b])).sum())) for b in bands]
        name = f"{low}–{high}" if high else f"{low}+"
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def _holdout_report(predict: Predict, holdout: pd.DataFrame, labeled: pd.Series,
                    thresholds: dict[str, float], plots: Path | None = None
                    ) -> tuple[dict[str, Any], str]:
    """Metrics on the blind holdout (less any post whose text is also among the `labeled`
    texts, train or test) and a markdown section for metrics.md; with `plots`, its
    precision-recall curve and reliability diagram are drawn in that directory."""
    def key(text: str) -> str:
        return " ".join(text.lower().split())

    seen = set(labeled.map(key))
    overlap = holdout["text"].map(key).isin(seen)
    kept = holdout[~overlap]
    if kept["label"].nunique() < 2:
        return {}, ""
    p = predict(kept["text"].tolist())
    y = kept["label"].to_numpy()
    results = evaluate_by(y, p, thresholds, kept["lang"].tolist(), kept["group"].tolist())
    by_kind = _high_rate_by_kind(p, kept, thresholds["high"])
    described = (f"{len(kept)} hand-written posts in data/holdout, written by people who saw "
                 "neither the corpus nor the lexicons; never trained on, never used to choose C "
                 "or thresholds, never read to write lexicon rules. Scored once per training run.")
    if overlap.any():
        described += f" {int(overlap.sum())} holdout posts also in the labeled data were left out."
    lines = ["", "## Blind holdout", "", described, "", metrics_table(results, list(thresholds)),
             "", "| kind | label | flagged high |", "|---|---|---|", *_kind_rows(by_kind, kept),
             "", "By post length:", "", *_length_rows(kept["text"], y, p, thresholds)]
    if plots is not None:
        plots.mkdir(parents=True, exist_ok=True)
        drawn = plot_curves(y, p, kept["lang"].tolist(), plots, "blind holdout")
        lines += [""] + [f"![holdout {path.stem}]({plots.name}/{path.name})" for path in drawn]
    return {"data": described, "results": _without_intervals(results),
            "high_flag_rate_by_kind": by_kind}, "\n".join(lines) + "\n"


def train(df: pd.DataFrame, description: str, out: Path, reports: Path, seed: int = 0,
          out_of_domain: bool = True, holdout: pd.DataFrame | None = None) -> dict[str, Any]:
    """Fit, evaluate and save; returns the manifest. `holdout` (the blind holdout's posts)
    is only scored, for a section of its own in the report."""
    df = df.copy()
    _mark_unseen(df)
    df["split"] = splits(df)
    df["lang"] = df["lang"].replace("", "unknown")
    if "derived" not in df.columns:
        df["derived"] = 0
    df["derived"] = df["derived"].fillna(0).astype(int)
    # derived (obfuscated) variants train; the test split is hand-written posts only
    train_df = df[df["split"] == "train"]
    test_df = df[(df["split"] == "test") & (df["derived"] == 0)]
    for name, part in (("train", train_df), ("test", test_df)):
        if part["label"].nunique() < 2:
            raise DataError(f"the {name} split needs both labels; add more labeled groups")
    y_tr, y_te = train_df["label"].to_numpy(), test_df["label"].to_numpy()
    g_tr = train_df["group"].to_numpy()
    click.echo(f"data: {description}", err=True)
    click.echo(f"split by group: train {len(train_df)} posts ({int(train_df['derived'].sum())} "
               f"derived), test {len(test_df)} hand-written posts", err=True)

    extractor = SignalExtractor().fit()
    analyses_tr = [extractor.analyse(t) for t in train_df["text"]]
    analyses_te = [extractor.analyse(t) for t in test_df["text"]]
    pipeline = build_pipeline(random_state=seed)
    features = pipeline.named_steps["features"].fit(analyses_tr)
    X_tr = features.transform(analyses_tr).tocsr()
    X_te = features.transform(analyses_te).tocsr()

    signs = tuple(extractor.directions_)
    # the classifier chooses C by grouped 5-fold out-of-fold ROC-AUC on train, then fits
    classifier = pipeline.named_steps["classifier"].set_params(Cs=C_GRID)
    classifier.fit(X_tr, y_tr, g_tr)
    best_c = classifier.C_
    click.echo("grouped 5-fold ROC-AUC on train by C: "
               + ", ".join(f"C={c}: {s:.4f}" for c, s in classifier.cv_scores_.items())
               + f" -> C={best_c}", err=True)
    oof = _oof_probabilities(X_tr, y_tr, g_tr, best_c, signs, seed)
    thresholds, chosen_on = _choose_thresholds(oof, y_tr, train_df["lexicon_unseen"].to_numpy(),
                                               train_df["calibration"].to_numpy())
    p_te = classifier.predict_proba(X_te)[:, 1]

    results = evaluate_by(y_te, p_te, thresholds, test_df["lang"].tolist(), test_df["group"].tolist())
    by_kind = _high_rate_by_kind(p_te, test_df, thresholds["high"])
    split_text = (f"Held-out test split of {description}: {len(test_df)} hand-written posts in "
                  f"{test_df['group'].nunique()} groups (20% of groups by a stable hash of the "
                  f"group id; no group is in both splits; the calibration slice is always in "
                  f"train). Thresholds were chosen for false-positive budgets {FP_BUDGETS} on "
                  f"{chosen_on}.")

    def predict(texts: list[str]) -> np.ndarray:
        return pipeline.predict_proba(texts)[:, 1]

    ood = run_ood(predict, thresholds) if out_of_domain else {}
    blind, blind_md = ({}, "") if holdout is None else _holdout_report(
        predict, holdout, df["text"], thresholds, reports / "holdout")
    # a retrain after a data, lexicon or code change gets a new version the same day
    code_sha256 = code_fingerprint()
    inputs = "\n".join((data_fingerprint(df), extractor.lexicon_sha256_, code_sha256, str(seed)))
    version = dt.date.today().isoformat() + "-" + hashlib.sha256(inputs.encode()).hexdigest()[:8]
    manifest = {
        "version": version,
        "created": dt.date.today().isoformat(),
        "data_sha256": data_fingerprint(df),
        "data": description,
        "lexicon_sha256": extractor.lexicon_sha256_,
        "code_sha256": code_sha256,
        "seed": seed,
        "C": best_c,
        "fp_budgets": FP_BUDGETS,
        "thresholds": thresholds,
        "thresholds_chosen_on": chosen_on,
        "libraries": _versions(),
        "metrics": {"split": split_text, "test": _without_intervals(results),
                    "test_high_flag_rate_by_kind": by_kind, "holdout": blind,
                    "out_of_domain": ood},
        "signal_weights": dict(zip(extractor.signal_names_,
                                   [round(float(w), 4) for w in classifier.coef_.ravel()[
                                       : len(extractor.signal_names_)]], strict=True)),
        "intercept": round(float(classifier.intercept_[0]), 4),
    }
    save_model(pipeline, out, manifest)
    bands = list(thresholds)
    write_report(reports, "scamscore test-split evaluation", split_text, results, thresholds,
                 {"by_kind_high_flag_rate": by_kind, "out_of_domain": ood, "version": version},
                 y_te, p_te, test_df["lang"].tolist())
    with open(reports / "metrics.md", "a", encoding="utf-8") as fh:
        fh.write("\n## Share of test posts flagged high, by kind\n\n| kind | label | flagged high |\n"
                 "|---|---|---|\n")
        fh.write("".join(row + "\n" for row in _kind_rows(by_kind, test_df)))
        fh.write(blind_md)
        fh.write("\n## Out-of-domain checks\n\n" + ood_markdown(ood, bands) + "\n")
    _signal_report(extractor, df, classifier, reports)
    _model_card(manifest, results, ood, reports)
    overall = results["overall"]
    click.echo((reports / "metrics.md").read_text(encoding="utf-8"))
    click.echo(f"model written to {out} (version {version}); test ROC-AUC "
               f"{overall['roc_auc']:.3f}, high FPR {overall['high_fpr']:.3f}", err=True)
    return manifest


def _model_card(manifest: dict[str, Any], results: dict[str, Any], ood: dict[str, Any],
                reports: Path) -> None:
    """A short model card next to the metrics."""
    weights = sorted(manifest["signal_weights"].items(), key=lambda kv: -abs(kv[1]))
    lines = [
        f"# Model card: scamscore {manifest['version']}", "",
        "## Model",
        "Sign-constrained L2 logistic regression over 30 named signals and 2^18 hashed, "
        "TF-IDF-weighted character 2-4-grams of the normalised text; Platt calibration folded "
        f"into the weights (exact additive explanations). C = {manifest['C']} chosen by grouped "
        f"5-fold cross-validation on the training split; seed {manifest['seed']}. Libraries: "
        + ", ".join(f"{k} {v}" for k, v in manifest["libraries"].items()) + ".", "",
        "## Intended use",
        "Triage of social-media posts for human review by trust-and-safety moderators and NGO "
        "analysts: rank and explain, never decide alone. Not for automated removal, not for "
        "judging people, not validated on private messages.", "",
        "## Training data",
        f"{manifest['data']}."
        + (" The bundled corpus is synthetic: posts written by this project (data/README.md)."
           if "bundled corpus" in manifest["data"] else "")
        + f" Data sha256 {manifest['data_sha256'][:16]}…, lexicons {manifest['lexicon_sha256'][:16]}….", "",
        "## Evaluation", manifest["metrics"]["split"], "",
        "Bands: " + ", ".join(f"{b} ≥ {t:.3f}" for b, t in manifest["thresholds"].items())
        + f" (false-positive budgets {manifest['fp_budgets']}).", "",
        metrics_table({"overall": results["overall"]}, list(manifest["thresholds"])), "",
        *(["Blind holdout: " + manifest["metrics"]["holdout"]["data"], "",
           metrics_table({"overall": manifest["metrics"]["holdout"]["results"]["overall"]},
                         list(manifest["thresholds"])), ""] if manifest["metrics"].get("holdout") else []),
        "Per language and per kind: metrics.md. Out of domain (not social-media posts): "
        + ("see metrics.md." if ood else "not run (../shared/data absent)."), "",
        "## Signal weights (log-odds per unit, after calibration)", "",
        "| signal | weight |", "|---|---|",
        *[f"| {name} | {w:+.3f} |" for name, w in weights], "",
        "## Limitations and risks",
        "- Trained on synthetic, single-annotated posts; field performance is unknown until "
        "measured with `scamscore eval` on real moderation decisions.",
        "- Lexicons cannot read negation; the reader's country is unknown (JOB_ABROAD); pay "
        "amounts ignore currency.",
        "- Swahili, Arabic and Hindi have few test posts: wide intervals.",
        "- A false positive can hurt a legitimate employer or a person seeking work; keep a "
        "human in the loop and let people contest decisions.",
    ]
    (reports / "model_card.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _signal_report(extractor: SignalExtractor, df: pd.DataFrame, classifier, reports: Path) -> None:
    """Per-signal hit rates in scam and legitimate posts next to the learned weight."""
    X = extractor.transform(df["text"].tolist()) > 0
    y = df["label"].to_numpy()
    weights = classifier.coef_.ravel()[: len(extractor.signal_names_)]
    lines = ["# Signal report", "", f"All {len(df)} labeled posts (train and test). "
             "SCAM% / LEGIT%: share of posts of that label where the signal fires. A signal whose "
             "weight sign disagrees with its S/O ratio, or that never fires, needs a look.", "",
             "| signal | SCAM% | LEGIT% | S/O | weight |", "|---|---|---|---|---|"]
    for j, name in enumerate(extractor.signal_names_):
        s, h = X[y == 1, j].mean(), X[y == 0, j].mean()
        so = s / (s + h) if s + h else float("nan")
        lines.append(f"| {name} | {100 * s:.1f} | {100 * h:.1f} | {so:.2f} | {weights[j]:+.3f} |")
    (reports / "signal_report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


@click.command()
@click.option("--data", "data", multiple=True, type=click.Path(),
              help="Labeled CSV/JSONL (or EMSCAD fake_job_postings.csv). Default: the bundled corpus.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--with-bundled", is_flag=True, help="Train on --data plus the bundled corpus.")
@click.option("--out", type=click.Path(), default=None,
              help="Model directory. Default: the packaged model (bundled data) or ./model-<name>.")
@click.option("--reports", type=click.Path(), default=None, help="Report directory.")
@click.option("--overwrite-bundled", is_flag=True,
              help="Allow --data training to replace the packaged default model.")
@click.option("--seed", default=0, show_default=True)
def main(data, text_column, label_column, with_bundled, out, reports, overwrite_bundled, seed):
    """Train the scamscore model and print an honest evaluation."""
    try:
        df, description = load_training_data(data, text_column, label_column, with_bundled)
    except DataError as exc:
        raise click.ClickException(str(exc)) from None
    if out is None:
        out = PACKAGE_MODEL_DIR if not data else Path(f"model-{Path(data[0]).stem}")
    out = Path(out)
    if data and out.resolve() == PACKAGE_MODEL_DIR.resolve() and not overwrite_bundled:
        raise click.ClickException("refusing to replace the bundled model with a model trained "
                                   "on your data; pass --overwrite-bundled to do so")
    reports_dir = Path(reports) if reports else (REPORTS_DIR if not data else out / "reports")
    try:
        manifest = train(df, description, out, reports_dir, seed, holdout=load_holdout())
    except DataError as exc:
        raise click.ClickException(str(exc)) from None
    json.dumps(manifest)
    sys.exit(0)


if __name__ == "__main__":
    main()
