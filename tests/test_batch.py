"""`scamscore batch`: rows in = rows out, bad rows reported, identical across jobs and formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scamscore.cli import cli
from scamscore.tabular import ADDED_COLUMNS

GOLDEN = Path(__file__).parent / "data" / "golden"
SCAM = (GOLDEN / "alabuga_en.txt").read_text(encoding="utf-8")
LEGIT = (GOLDEN / "nurse_legit_en.txt").read_text(encoding="utf-8")


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _export(path: Path, n: int = 40) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        text = [SCAM, LEGIT, "Selling my bike, DM me", "", "Apply now: girls 18-25, free visa"][i % 5]
        rows.append({"post_id": f"p{i}", "author": f"user{i}", "text": text, "likes": str(i)})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["post_id", "author", "text", "likes"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_csv_rows_in_equal_rows_out_with_columns_kept(tmp_path: Path) -> None:
    rows = _export(tmp_path / "in.csv")
    result = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    out = _read(tmp_path / "out.csv")
    assert list(out.columns) == ["post_id", "author", "text", "likes", *ADDED_COLUMNS]
    assert out["post_id"].tolist() == [r["post_id"] for r in rows]
    assert out["text"].tolist() == [r["text"] for r in rows]
    empty = out[out["text"] == ""]
    assert (empty["error"] == "empty text").all() and (empty["risk_band"] == "").all()
    scored = out[out["text"] != ""]
    assert (scored["error"] == "").all()
    assert set(scored["risk_band"]) <= {"low", "medium", "high"}
    assert "rows read 40, rows written 40" in result.stderr
    assert "rows with errors 8" in result.stderr


def test_malformed_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(
        'id,text,extra\n'
        '1,"multi\nline post with free housing",a\n'
        '2,too,many,fields,here\n'
        '3,short\n'
        '4,"ok post",b\n'
        '5,"broken "quote" inside",c\n'
        '6,"unclosed quote, never ends,d\n'
        '7,last row,e\n', encoding="utf-8")
    result = run("batch", str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    out = _read(tmp_path / "out.csv")
    errors = out["error"].tolist()
    assert len(out) == 7
    assert errors[0] == "" and out["text"][0] == "multi\nline post with free housing"
    assert errors[1].startswith("line 4: 5 fields, header has 3")
    assert out["extra"][1] == "many,fields,here"
    assert errors[2].startswith("line 5: 2 fields")
    assert errors[3] == ""
    assert errors[4].startswith("line 7: malformed CSV")
    assert errors[5].startswith("line 8: malformed CSV")
    assert "unclosed quote" in out["text"][5]
    assert out["id"][6] == "7" and errors[6] == ""


def test_missing_text_column_lists_columns(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv")
    result = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--text-column", "body")
    assert result.exit_code == 4
    assert "no column 'body'; columns are: post_id, author, text, likes" in result.stderr


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file"),
    (b"id,text\n", None),
])
def test_empty_and_header_only_csv(tmp_path: Path, content: bytes, message: str | None) -> None:
    (tmp_path / "in.csv").write_bytes(content)
    result = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"))
    if message:
        assert result.exit_code == 4 and message in result.stderr
        assert not (tmp_path / "o.csv").exists()
    else:
        assert result.exit_code == 0
        assert (tmp_path / "o.csv").read_text().startswith("id,text," + ",".join(ADDED_COLUMNS))
        assert "rows read 0" in result.stderr


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv")
    same = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "in.csv"))
    assert same.exit_code == 4 and "overwrite the input" in same.stderr
    (tmp_path / "o.csv").write_text("precious")
    exists = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"))
    assert exists.exit_code == 4 and "--force" in exists.stderr
    assert (tmp_path / "o.csv").read_text() == "precious"
    forced = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--force")
    assert forced.exit_code == 0 and len(_read(tmp_path / "o.csv")) == 40


def test_interrupted_run_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    _export(tmp_path / "in.csv")

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("scamscore.batch.score_texts", explode)
    result = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 130
    assert list(tmp_path.iterdir()) == [tmp_path / "in.csv"]


def test_jobs_and_formats_give_identical_scores(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv", n=60)
    run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "one.csv"), "--chunk-rows", "7")
    run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "two.csv"), "--jobs", "2", "--chunk-rows", "7")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    again = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "one.csv"), "--force")
    assert again.exit_code == 0
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.jsonl"))
    run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out.parquet"))
    base = _read(tmp_path / "one.csv")
    as_jsonl = pd.read_json(tmp_path / "out.jsonl", lines=True, dtype=False)
    as_parquet = pd.read_parquet(tmp_path / "out.parquet")
    for other in (as_jsonl, as_parquet):
        assert other["risk_band"].fillna("").tolist() == base["risk_band"].tolist()
        got = [f"{x:.6f}" if x not in ("", None) and x == x else "" for x in other["scam_probability"]]
        want = [f"{float(x):.6f}" if x else "" for x in base["scam_probability"]]
        assert got == want


def test_jsonl_bad_line_is_reported_not_dropped(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": SCAM}) + "\n{not json\n"
                   + json.dumps({"id": 3, "text": 42}) + "\n" + json.dumps({"id": 4, "text": LEGIT}) + "\n")
    result = run("batch", str(src), "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(out) == 4
    assert out[0]["risk_band"] == "high" and out[0]["error"] == ""
    assert out[1]["error"].startswith("line 2: invalid JSON") and out[1]["raw_line"] == "{not json"
    assert "not a string" in out[2]["error"]
    assert out[3]["error"] == ""


def test_encodings(tmp_path: Path) -> None:
    text = "id,text\n1,Logement garanti et salaire élevé pour jeunes filles\n"
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "u16.csv").write_bytes(text.encode("utf-16"))
    (tmp_path / "cp.csv").write_bytes(text.encode("cp1252"))
    outs = {}
    for name in ("bom", "u16"):
        result = run("batch", str(tmp_path / f"{name}.csv"), "-o", str(tmp_path / f"{name}.out.csv"))
        assert result.exit_code == 0, result.stderr
        outs[name] = _read(tmp_path / f"{name}.out.csv")
        assert list(outs[name].columns)[:2] == ["id", "text"]
        assert outs[name]["text"][0].startswith("Logement garanti et salaire élevé")
    refused = run("batch", str(tmp_path / "cp.csv"), "-o", str(tmp_path / "cp.out.csv"))
    assert refused.exit_code == 4 and "--encoding cp1252" in refused.stderr
    ok = run("batch", str(tmp_path / "cp.csv"), "-o", str(tmp_path / "cp.out.csv"), "--encoding", "cp1252")
    assert ok.exit_code == 0
    assert _read(tmp_path / "cp.out.csv")["scam_probability"].tolist() == outs["bom"]["scam_probability"].tolist()


def test_binary_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    result = run("batch", str(tmp_path / "x.csv"), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 4 and "binary" in result.stderr


def test_only_flagged_keeps_errors(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv")
    run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"), "--only-flagged")
    out = _read(tmp_path / "o.csv")
    assert set(out["risk_band"]) <= {"high", ""}
    assert (out["error"] == "empty text").sum() == 8


def test_stdout_output_and_check_agree(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv", n=5)
    result = run("batch", str(tmp_path / "in.csv"), "-o", "-")
    first = next(iter(csv.DictReader(result.stdout.splitlines())))
    check = json.loads(run("check", "--json", str(GOLDEN / "alabuga_en.txt")).stdout)
    assert float(first["scam_probability"]) == pytest.approx(check["probability"], abs=1e-6)
    assert first["risk_band"] == check["band"]


def test_nul_bytes_in_one_row(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_bytes(b"id,text\n1,good post about a bike\n2,bad\x00post\n3,another fine post\n")
    result = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.stderr
    out = _read(tmp_path / "o.csv")
    assert len(out) == 3
    assert out["error"].tolist()[0] == "" and out["error"].tolist()[2] == ""
    assert "line 3" in out["error"][1] or "NUL" in out["error"][1]


def test_huge_post_in_a_row_is_scored_truncated(tmp_path: Path) -> None:
    big = SCAM.replace("\n", " ") + " lorem ipsum" * 1_000_000
    (tmp_path / "in.csv").write_text(f'id,text\n1,"{big}"\n2,small post about lunch\n', encoding="utf-8")
    result = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 0, result.stderr
    out = _read(tmp_path / "o.csv")
    assert out["risk_band"].tolist()[0] == "high" and out["error"].tolist() == ["", ""]


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: None, "no such file"),
])
def test_missing_or_directory_input(tmp_path: Path, make, message: str) -> None:
    target = tmp_path / "in.csv"
    make(target)
    result = run("batch", str(target), "-o", str(tmp_path / "o.csv"))
    assert result.exit_code == 4 and message in result.stderr and "Traceback" not in result.output


def test_eval_on_a_users_csv(tmp_path: Path) -> None:
    rows = [{"body": SCAM, "verdict": "scam"}, {"body": LEGIT, "verdict": "legit"}] * 6
    pd.DataFrame(rows).to_csv(tmp_path / "mine.csv", index=False)
    result = run("eval", str(tmp_path / "mine.csv"), "--text-column", "body", "--label-column", "verdict",
                 "--out", str(tmp_path / "report"))
    assert result.exit_code == 0, result.stderr
    assert "ROC-AUC" in result.stdout and "| overall | 12 | 6 | 1.000" in result.stdout
    assert (tmp_path / "report" / "metrics.json").exists()
    bad = run("eval", str(tmp_path / "mine.csv"), "--text-column", "nope")
    assert bad.exit_code == 4 and "no column 'nope'" in bad.stderr


def test_jsonl_bad_line_kept_in_csv_output(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": SCAM}) + "\n{broken\n")
    result = run("batch", str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.stderr
    out = _read(tmp_path / "out.csv")
    assert len(out) == 2 and out["raw_line"][1] == "{broken"
    assert out["error"][1].startswith("line 2: invalid JSON")


def test_signals_column_lists_fired_signals_highest_first(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv", n=1)
    run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"))
    names = _read(tmp_path / "o.csv")["signals"][0].split(";")
    check = json.loads(run("check", "--json", str(GOLDEN / "alabuga_en.txt")).stdout)
    assert names == [s["name"] for s in check["signals"]]


def test_batch_says_when_it_runs_without_the_compiled_loops(tmp_path: Path, monkeypatch) -> None:
    from scamscore import compiled

    _export(tmp_path / "in.csv", 5)
    monkeypatch.delenv("SCAMSCORE_NO_EXTENSION", raising=False)
    monkeypatch.setattr(compiled, "FAST", None)
    slow = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "slow.csv"))
    assert slow.exit_code == 0 and "without scamscore's compiled loops" in slow.stderr
    monkeypatch.setenv("SCAMSCORE_NO_EXTENSION", "1")  # asked for: no note
    asked = run("batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "asked.csv"))
    assert asked.exit_code == 0 and "compiled loops" not in asked.stderr
    assert (tmp_path / "slow.csv").read_bytes() == (tmp_path / "asked.csv").read_bytes()
