"""The `scamscore` command line: check, batch, eval, signals. Thin: logic lives elsewhere.

Exit status: 0 everything was scored; 1 some input could not be scored (each one named on
stderr, the others still scored); 2 usage error; 3 the model could not be loaded or
verified; 4 an export could not be read or written as a whole; 70 internal error.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click

EXIT_INPUT, EXIT_MODEL, EXIT_TABLE, EXIT_INTERNAL = 1, 3, 4, 70
DETECTORS = ("py3langid", "langdetect")


def _friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into one-line messages with documented exit codes."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from scamscore.artifact import ModelError
        from scamscore.dataset import DataError
        from scamscore.tabular import TableError

        try:
            return fn(*args, **kwargs)
        except ModelError as exc:
            _fail(f"model: {exc}", EXIT_MODEL)
        except (TableError, DataError) as exc:
            _fail(str(exc), EXIT_TABLE)
        except KeyboardInterrupt:
            _fail("interrupted; no partial output was left behind", 130)
        except OSError as exc:
            _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), EXIT_TABLE)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # never a traceback; never the post text
            _fail(f"internal error ({type(exc).__name__}); please report it with the command "
                  "you ran (set SCAMSCORE_DEBUG=1 for details)", EXIT_INTERNAL, exc)

    return wrapper


def _fail(message: str, code: int, exc: BaseException | None = None) -> None:
    import os

    if exc is not None and os.environ.get("SCAMSCORE_DEBUG"):
        raise exc
    click.echo(f"scamscore: {message}", err=True)
    sys.exit(code)


def model_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every scoring command shares."""
    fn = click.option("--model", "model", type=click.Path(), default=None,
                      help="Model directory or model.joblib built by scamscore training "
                           "(its manifest.json must sit beside it). Default: the bundled model.")(fn)
    fn = click.option("--lang-detector", type=click.Choice(DETECTORS), default="py3langid",
                      show_default=True, help="Language detection backend (both deterministic).")(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="scamscore")
def cli() -> None:
    """Score social-media posts for recruitment-scam risk, and say why.

    A triage aid for human reviewers, not a verdict.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per input.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Probability from which a post is banded high (default: the model's).")
@click.option("--lang", default=None, help="Language code of the posts; skips detection.")
@click.option("--encoding", default="auto", show_default=True,
              help="auto (UTF-8, or by BOM), utf-8, utf-16, cp1252 or latin-1.")
@model_options
@_friendly
def check(files: tuple[str, ...], as_json: bool, threshold: float | None, lang: str | None,
          encoding: str, model: str | None, lang_detector: str) -> None:
    """Score post files (FILE... or - for stdin) and explain each score."""
    from scamscore.explain import render_text
    from scamscore.inputs import InputError, read_post
    from scamscore.scorer import Scorer

    scorer = Scorer(model, lang_detector, threshold)
    failed = 0
    for n, source in enumerate(files):
        try:
            text = read_post(source, encoding)
        except InputError as exc:
            click.echo(f"scamscore: {exc}", err=True)
            failed += 1
            continue
        result = scorer.score(text, "<stdin>" if source == "-" else source, lang)
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        else:
            if n:
                click.echo("\n" + "=" * 72 + "\n")
            click.echo(render_text(result, text[: scorer.signals.max_chars]))
    if failed:
        sys.exit(EXIT_INPUT)


@cli.command()
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", "output_path", required=True, help="Output file, or - for stdout.")
@click.option("--text-column", default="text", show_default=True)
@click.option("--id-column", default=None, help="Column identifying rows (checked to exist).")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet"]), default=None,
              help="Input format (default: from the extension).")
@click.option("--output-format", type=click.Choice(["csv", "jsonl", "parquet"]), default=None,
              help="Output format (default: from the extension, else the input's).")
@click.option("--jobs", "-j", default=1, show_default=True, help="Parallel workers (0: all cores).")
@click.option("--only-flagged", is_flag=True, help="Write only rows banded high (and rows with errors).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Probability from which a post is banded high (default: the model's).")
@click.option("--encoding", default="auto", show_default=True,
              help="auto (UTF-8, or by BOM), utf-8, utf-16, cp1252 or latin-1.")
@click.option("--chunk-rows", default=500, show_default=True,
              help="Rows per chunk (scored together; memory grows with it).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address (default: a local cluster).")
@model_options
@_friendly
def batch(input_path: str, output_path: str, text_column: str, id_column: str | None,
          fmt: str | None, output_format: str | None, jobs: int, only_flagged: bool, force: bool,
          threshold: float | None, encoding: str, chunk_rows: int, engine: str,
          scheduler: str | None, model: str | None, lang_detector: str) -> None:
    """Score every row of a CSV, JSON Lines or Parquet export."""
    from scamscore.batch import run_batch

    summary = run_batch(input_path, output_path, text_column=text_column, id_column=id_column,
                        fmt=fmt, output_format=output_format, jobs=jobs,
                        only_flagged=only_flagged, force=force, model=model,
                        lang_detector=lang_detector, high_threshold=threshold,
                        encoding=encoding, chunk_rows=max(1, chunk_rows), engine=engine,
                        scheduler=scheduler)
    click.echo(summary.render(), err=True)
    from scamscore import compiled

    if compiled.FAST is None and not os.environ.get("SCAMSCORE_NO_EXTENSION"):
        click.echo("note: scored without scamscore's compiled loops (installed without a C "
                   "compiler): the same results, about 1.4x slower; reinstall with gcc or clang "
                   "for speed", err=True)


@cli.command("eval")
@click.argument("path", metavar="FILE")
@click.option("--text-column", default="text", show_default=True)
@click.option("--label-column", default="label", show_default=True)
@click.option("--lang-column", default=None,
              help="Slice metrics by this column (default: lang if present, else detected language).")
@click.option("--out", "out_dir", type=click.Path(), default=None,
              help="Write metrics.md, metrics.json and plots here.")
@model_options
@_friendly
def evaluate(path: str, text_column: str, label_column: str, lang_column: str | None,
             out_dir: str | None, model: str | None, lang_detector: str) -> None:
    """Measure the model on your own labeled CSV/JSONL (e.g. past moderator decisions)."""
    from pathlib import Path

    from scamscore.dataset import read_labeled
    from scamscore.evaluation import evaluate_by, metrics_table, write_report
    from scamscore.scorer import Scorer

    df = read_labeled(path, text_column, label_column)
    scorer = Scorer(model, lang_detector)
    results = []
    for start in range(0, len(df), 1000):
        results += scorer.score_many(df["text"].iloc[start:start + 1000].tolist())
    p = [r.probability for r in results]
    langs = df[lang_column].astype(str).tolist() if lang_column else \
        (df["lang"].tolist() if df["lang"].str.len().gt(0).all() else [r.language for r in results])
    metrics = evaluate_by(df["label"].tolist(), p, scorer.thresholds, langs, df["group"].tolist())
    title = f"scamscore on {Path(path).name}"
    description = (f"All {len(df)} rows of {path} scored by model {scorer.model_info['version']} "
                   "(no training on this file). Groups: identical first 120 normalised characters.")
    if out_dir:
        report = write_report(Path(out_dir), title, description, metrics, scorer.thresholds,
                              None, df["label"].tolist(), p, langs)
        click.echo(f"report written to {report}", err=True)
    click.echo(f"# {title}\n\n{description}\n\n" + metrics_table(metrics, list(scorer.thresholds)))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="JSON Lines, one signal per line.")
@_friendly
def signals(as_json: bool) -> None:
    """List the signal catalogue: name, description, authority, languages covered."""
    from scamscore.lexicon import default_lexicons, load_catalogue

    lexicons = default_lexicons()
    for spec in load_catalogue().values():
        langs = sorted(lang for lang, entries in lexicons.items() if spec.name in entries)
        covered = "all (computed)" if spec.kind == "computed" else ", ".join(langs) or "none"
        if as_json:
            click.echo(json.dumps({"name": spec.name, "kind": spec.kind,
                                   "description": spec.describe, "authority": spec.authority,
                                   "languages": langs if spec.kind == "lexicon" else "all",
                                   "enabled": spec.enabled}, ensure_ascii=False))
        else:
            click.echo(f"{spec.name}\n  {spec.describe}\n  authority: {spec.authority}\n"
                       f"  languages: {covered}\n")


def main() -> None:
    cli()
