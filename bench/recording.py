"""What every benchmark result records besides its figures: when, which commit, which machine."""

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_facts(benchmark: str) -> dict:
    # The commit of the code measured: a checkout of another commit may be put first on
    # PYTHONPATH to measure it with this harness.
    import dealercare

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=Path(dealercare.__file__).parent,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "benchmark": benchmark,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": commit,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            # Other work on the machine slows every figure: the load says how much there was.
            "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
    }


def result_write(result: dict) -> Path:
    """bench/results/<utc time>-<benchmark>.json"""
    out = (
        ROOT
        / "bench"
        / "results"
        / f"{result['at'].replace(':', '')[:17]}-{result['benchmark']}.json"
    )
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return out
