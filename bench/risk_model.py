"""Benchmark of the backorder-risk model; prints one JSON object.

- train: read the 210k-row Kaggle sample, cross-validate, fit, calibrate, store a version
  (`train_seconds`), then compile its trees to C once (`compile_seconds`, what
  `backorder risk train` also does, so that scoring finds them compiled);
- score: read a 1,000,000-row CSV (the sample's rows repeated), score every row, explain
  the riskiest ones, write the scores CSV; the same path as `backorder risk score`;
- predict: the booster alone on the million-row feature matrix, LightGBM against the
  compiled trees (`predict_seconds`), to show what compiling buys.

The sample lives outside the repository, in ../shared/data (or pass --data).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from backorder.adapters.model_store import FileModelStore, ModelArtifacts
from backorder.entrypoints.cli.risk import DEFAULT_EXPLAIN_TOP
from backorder.risk.forest import compile_forest
from backorder.risk.kaggle import file_fingerprint, read_kaggle_csv
from backorder.risk.predict import RiskModel, score, write_scores_csv
from backorder.risk.train import TrainingSettings, train_risk_model

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "../shared/data/kaggle-backorders-train-sample.csv.gz"


def _replicate(source: Path, target: Path, rows: int) -> None:
    lines = gzip.decompress(source.read_bytes()).decode().splitlines()
    header, body = lines[0], lines[1:]
    with target.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        written = 0
        while written < rows:
            chunk = body[: rows - written]
            out.write("\n".join(chunk) + "\n")
            written += len(chunk)


def _train(
    data: Path, store: FileModelStore, settings: TrainingSettings
) -> tuple[float, float, dict[str, Any]]:
    started, cpu = time.perf_counter(), time.process_time()
    trained = train_risk_model(read_kaggle_csv(data), settings)
    artifacts = ModelArtifacts(
        trained.booster_text,
        trained.calibrator.to_json(),
        trained.metadata(file_fingerprint(data), data.name),
    )
    version = store.save(artifacts)
    store.promote(version, actor="bench", reason="benchmark run")
    elapsed = time.perf_counter() - started
    return elapsed, time.process_time() - cpu, trained.report.to_json()


def _compile(store: FileModelStore) -> float:
    started = time.perf_counter()
    compile_forest(store.load().artifacts.booster_text)
    return round(time.perf_counter() - started, 3)


def _predict(store: FileModelStore, data: Path) -> dict[str, Any]:
    stored = store.load()
    parts = stored.artifacts
    model = RiskModel.from_parts(
        stored.version, parts.booster_text, parts.calibrator, parts.metadata
    )
    matrix = model.matrix(read_kaggle_csv(data))
    compiled = model.compiled()
    timings: dict[str, Any] = {"trees": model.booster.num_trees()}
    started = time.perf_counter()
    model.booster.predict(matrix, raw_score=True)
    timings["lightgbm"] = round(time.perf_counter() - started, 3)
    if compiled is not None:
        started = time.perf_counter()
        compiled.raw_score(matrix)
        timings["compiled"] = round(time.perf_counter() - started, 3)
    return timings


def _score(store: FileModelStore, data: Path, out: Path, explain_top: int) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    stored = store.load()
    parts = stored.artifacts
    model = RiskModel.from_parts(
        stored.version, parts.booster_text, parts.calibrator, parts.metadata
    )
    loaded_model = time.perf_counter()
    rows = read_kaggle_csv(data)
    read = time.perf_counter()
    scores = score(model, rows, explain_top)
    scored = time.perf_counter()
    write_scores_csv(scores, out)
    done = time.perf_counter()
    return {
        "score_rows": len(rows),
        "score_seconds": round(done - started, 3),
        "score_cpu_seconds": round(time.process_time() - cpu, 3),
        "score_rows_per_second": round(len(rows) / (done - started)),
        "explained_rows": scores.explained_rows,
        "score_breakdown_seconds": {
            "load_model": round(loaded_model - started, 3),
            "read_csv": round(read - loaded_model, 3),
            "features_predict_explain": round(scored - read, 3),
            "write_csv": round(done - scored, 3),
        },
    }


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=SAMPLE)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--explain-top", type=int, default=DEFAULT_EXPLAIN_TOP)
    parser.add_argument("--max-rounds", type=int, default=TrainingSettings.max_rounds)
    parser.add_argument("--learning-rate", type=float, default=TrainingSettings.learning_rate)
    args = parser.parse_args()
    settings = TrainingSettings(
        seed=args.seed, max_rounds=args.max_rounds, learning_rate=args.learning_rate
    )
    if not args.data.exists():
        print(json.dumps({"skipped": f"{args.data} not found"}))
        sys.exit(0)
    with tempfile.TemporaryDirectory(prefix="risk-bench-") as folder:
        root = Path(folder)
        store = FileModelStore(root / "models")
        load_before = os.getloadavg()[0]
        train_seconds, train_cpu, report = _train(args.data, store, settings)
        compile_seconds = _compile(store)
        big = root / "snapshots.csv"
        _replicate(args.data, big, args.rows)
        result: dict[str, Any] = {
            "train_rows": sum(part["rows"] for part in report["partitions"].values()),
            "train_seconds": round(train_seconds, 3),
            "train_cpu_seconds": round(train_cpu, 3),
            "compile_seconds": compile_seconds,
            "chosen": report["chosen"],
            **_score(store, big, root / "scores.csv", args.explain_top),
            "predict_seconds": _predict(store, big),
            "score_input_megabytes": round(big.stat().st_size / 1e6, 1),
            "cv_mean": report["cv_mean"],
            "cv_folds": report["folds"],
            "holdout": {
                k: report["holdout"][k]
                for k in ("rows", "positives", "roc_auc", "pr_auc", "brier", "mean_probability")
            },
            "cpus": os.cpu_count(),
            # Other work on the machine inflates wall times: CPU seconds show the cost.
            "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
