"""The fixed cost of each live command: ``govern score``, ``outcomes``, ``experiment`` and
``monitor`` end to end on 1,000 rows (the rows take well under a second), and the time
from launch to the first and the last open of the command's input under strace (which
sees the opens of pyarrow and DuckDB).  Run by ``bench_scale.py --fixed-cost``."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import results

REPO = Path(__file__).resolve().parents[1]


def _govern(home: Path, *argv: str, reads: str = "") -> tuple[float, list[float]]:
    """Seconds of the whole command, and from launch to its first and last opens of a path
    containing ``reads`` (its input; strace sees the opens of pyarrow and DuckDB, which
    Python's audit hooks do not); none without strace."""
    import shutil
    import tempfile

    env = {**os.environ, "GOVERN_HOME": str(home), "GOVERN_PREDICTION_LOG": "parquet"}
    trace = Path(tempfile.mkstemp(suffix=".strace")[1])
    traced = ["strace", "-f", "-ttt", "-e", "trace=openat", "-o", str(trace)] if reads and shutil.which("strace") else []
    start, launched = time.perf_counter(), time.time()
    out = subprocess.run([*traced, str(REPO / ".venv" / "bin" / "govern"), *argv], env=env, cwd=home, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if out.returncode not in (0, 5):
        raise SystemExit(f"govern {' '.join(argv)} failed: {out.stderr[-2000:]}")
    opens = [float(line.split()[1]) for line in trace.read_text().splitlines() if traced and reads in line and "ENOENT" not in line]
    trace.unlink()
    return seconds, [min(opens) - launched, max(opens) - launched] if opens else []


def fixed_cost(home: Path, setup, rounds: int = results.MIN_ROUNDS) -> None:
    """Each live command end to end on 1,000 rows (the rows themselves take well under a
    second), so the figure is the command's fixed cost: imports, Prefect, MLflow, the log."""
    import mlflow
    import pandas as pd

    from govern.demo.customers import generate_customers
    from govern.stores import registry

    setup(home)
    small = home / "data" / "small.parquet"
    labels = home / "data" / "small_labels.parquet"
    current = home / "data" / "small_current.parquet"
    small.parent.mkdir(parents=True, exist_ok=True)
    frame = generate_customers(1000, seed=4, id_offset=90_000_000)
    frame.drop(columns=["churned", "clv_12m"]).to_parquet(small, index=False)
    frame.to_parquet(current, index=False)
    pd.DataFrame({"customer_id": frame["customer_id"], "churned": frame["churned"],
                  "outcome_date": pd.Timestamp("2026-09-15")}).to_parquet(labels, index=False)
    version = registry.alias_version("retention", registry.CHAMPION)
    reference = home / "data" / "reference.parquet"
    generate_customers(5000, seed=0).to_parquet(reference, index=False)
    mlflow.MlflowClient().log_artifact(registry.get_version("retention", version).run_id, str(reference), registry.EVIDENCE_DIR)
    log = str(home / "mlruns" / "predictions" / "predictions")
    rows, data = [], {}
    for argv, reads in ((("score", "retention", "--data", str(small), "--as-of", "2026-08-01"), str(small)),
                        (("outcomes", "retention", "--labels", str(labels)), str(labels)),
                        (("experiment", "retention", "--today", "2026-09-20"), log),
                        (("monitor", "retention", "--current", str(current)), str(current))):
        whole = [_govern(home, *argv)[0] for _ in range(rounds)]
        opens = [_govern(home, *argv, reads=reads)[1] for _ in range(rounds)]
        print(f"  govern {argv[0]:10s} whole {', '.join(f'{w:.1f}' for w in whole)} s; first and last read {opens}", flush=True)
        data[argv[0]] = {"whole": whole, "reads": opens}
        if rounds >= results.MIN_ROUNDS and all(opens):
            rows.append([f"`govern {argv[0]}`", results.cell(results.summarize(whole)), results.cell(results.summarize([o[0] for o in opens])),
                         results.cell(results.summarize([o[1] for o in opens]))])
    if rows:
        results.write("scale_fixed_cost", title="Live commands' fixed cost: 1,000 rows end to end, no Prefect server running",
                      columns=["command", "whole command s, min / median", "launch to first read of the input s", "launch to last read s"],
                      rows=rows, command="benchmarks/bench_scale.py --fixed-cost", data=data, notes=[
                          "Reads are opens of the input file (the prediction log's Parquet files for experiment) seen by strace, in runs of their own.",
                          "Without PREFECT_API_URL the flow's body runs in-process (flows/steps.py); a team's server makes each a Prefect flow run."])
