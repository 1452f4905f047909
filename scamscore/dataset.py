"""Read labeled data: the bundled corpus, a user's CSV/JSONL, or an EMSCAD export."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where data is read: `check` never loads it
    import pandas as pd

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "corpus"
CORPUS_COLUMNS = ["id", "text", "label", "lang", "kind", "group", "derived"]
# files named <lang>_calib.csv hold the calibration slice: posts written unseen by the lexicon
# writers, always in the training split, on whose out-of-fold scores thresholds are chosen
CALIBRATION_SUFFIX = "_calib"
# data/holdout/<lang>_holdout.csv: the blind holdout, written unseen like the calibration
# slice but never trained on, tuned on or read to write rules; only scored for the report
HOLDOUT_DIR = CORPUS_DIR.parent / "holdout"
POSITIVE_KINDS = {
    "work_study_abroad", "trafficking_job_abroad", "scam_compound", "advance_fee",
    "task_scam", "fake_casting",
}
HARD_NEGATIVE_KINDS = {
    "relocation_package", "sponsored_care_recruitment", "working_holiday",
    "seasonal_worker_scheme", "scholarship_exchange", "language_school", "graduate_scheme",
    "military_recruitment", "rental_housing", "legit_question", "scam_warning",
}
NEGATIVE_KINDS = HARD_NEGATIVE_KINDS | {"ordinary_job", "ordinary_post"}
EMSCAD_TEXT_COLUMNS = ["title", "company_profile", "description", "requirements", "benefits"]
LABEL_WORDS = {"1": 1, "0": 0, "true": 1, "false": 0, "scam": 1, "fraud": 1, "spam": 1,
               "yes": 1, "no": 0, "ham": 0, "legit": 0, "legitimate": 0, "not_scam": 0}


class DataError(ValueError):
    """Labeled data cannot be used; the message says which file and why."""


def load_corpus(directory: Path = CORPUS_DIR) -> pd.DataFrame:
    """All data/corpus/*.csv files, validated (columns, unique ids, labels, kinds), with a
    `calibration` column marking the calibration slice's posts."""
    import pandas as pd

    paths = sorted(Path(directory).glob("*.csv"))
    if not paths:
        raise DataError(f"no corpus files in {directory}")
    frames = []
    for path in paths:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        missing = [c for c in CORPUS_COLUMNS if c not in df.columns]
        if missing:
            raise DataError(f"{path.name}: missing columns {missing}")
        frames.append(df[CORPUS_COLUMNS].assign(calibration=path.stem.endswith(CALIBRATION_SUFFIX)))
    corpus = pd.concat(frames, ignore_index=True)
    corpus["label"] = corpus["label"].astype(int)
    corpus["derived"] = corpus["derived"].astype(int)
    if corpus["id"].duplicated().any():
        raise DataError(f"duplicate ids: {corpus.loc[corpus['id'].duplicated(), 'id'].tolist()[:5]}")
    bad = corpus[~corpus["kind"].isin(POSITIVE_KINDS | NEGATIVE_KINDS)]
    if len(bad):
        raise DataError(f"unknown kinds: {sorted(set(bad['kind']))[:5]}")
    wrong = corpus[(corpus["label"] == 1) != corpus["kind"].isin(POSITIVE_KINDS)]
    if len(wrong):
        raise DataError(f"label does not match kind for ids {wrong['id'].tolist()[:5]}")
    return corpus


def load_holdout(directory: Path = HOLDOUT_DIR) -> pd.DataFrame | None:
    """The blind holdout's posts, validated like the corpus; None when there are none."""
    if not any(Path(directory).glob("*.csv")):
        return None
    return load_corpus(directory).drop(columns="calibration")


def split_of(group: str, test_percent: int = 20) -> str:
    """'test' or 'train' for a group, by a stable hash: adding posts never moves old ones."""
    bucket = int(hashlib.sha256(group.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "test" if bucket < test_percent else "train"


def splits(df: pd.DataFrame) -> pd.Series:
    """Each row's split: its group's `split_of`, except that a group holding a calibration
    post (and so its derived variants) is always 'train'."""
    split = df["group"].map(split_of)
    if "calibration" in df.columns:
        calibration = df["calibration"].fillna(False).astype(bool)
        split = split.mask(df["group"].isin(set(df.loc[calibration, "group"])), "train")
    return split


def data_fingerprint(df: pd.DataFrame) -> str:
    """sha256 of the text and labels, in order: what the model was trained on."""
    digest = hashlib.sha256()
    for text, label in zip(df["text"], df["label"], strict=True):
        digest.update(f"{label}\t{text}\x00".encode())
    return digest.hexdigest()


def _parse_label(value: object) -> int | None:
    key = str(value).strip().lower()
    if key.endswith(".0"):
        key = key[:-2]
    return LABEL_WORDS.get(key)


def read_labeled(path: str | Path, text_column: str = "text", label_column: str = "label",
                 group_column: str | None = None) -> pd.DataFrame:
    """A user's labeled CSV or JSONL -> DataFrame(text, label, group, lang).

    Recognises the EMSCAD `fake_job_postings.csv` layout (title ... benefits, fraudulent) and
    joins its text fields. Rows whose label cannot be read are an error, not dropped.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    try:
        if path.suffix.lower() in {".jsonl", ".json", ".ndjson"}:
            df = pd.read_json(path, lines=True, dtype=False)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise DataError(f"cannot read {path}: {str(exc).splitlines()[0]}") from exc
    if text_column not in df.columns and set(EMSCAD_TEXT_COLUMNS) <= set(df.columns) \
            and "fraudulent" in df.columns:
        df = df.fillna("")
        df["text"] = df[EMSCAD_TEXT_COLUMNS].astype(str).agg("\n".join, axis=1)
        text_column = "text"
        label_column = "fraudulent" if label_column == "label" else label_column
    for column in (text_column, label_column):
        if column not in df.columns:
            raise DataError(f"{path.name}: no column {column!r}; columns are: "
                            f"{', '.join(map(str, df.columns))}")
    labels = df[label_column].map(_parse_label)
    if labels.isna().any():
        first = int(labels.isna().to_numpy().argmax())
        raise DataError(f"{path.name}: row {first + 1} has label {df[label_column].iloc[first]!r}; "
                        "use 1/0 (or scam/legit, true/false)")
    out = pd.DataFrame({
        "text": df[text_column].fillna("").astype(str),
        "label": labels.astype(int),
    })
    if group_column:
        if group_column not in df.columns:
            raise DataError(f"{path.name}: no column {group_column!r}")
        out["group"] = df[group_column].astype(str)
    else:
        # near-duplicates (shared boilerplate) land in one group, as EMSCAD needs
        out["group"] = out["text"].map(lambda t: " ".join(t.lower().split())[:120])
    out["lang"] = df["lang"].astype(str) if "lang" in df.columns else ""
    return out.reset_index(drop=True)
