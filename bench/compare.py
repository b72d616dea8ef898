"""Two group-scale results side by side, as Markdown tables (for bench/README.md).

.venv/bin/python bench/compare.py results/<before>-group-L.json results/<after>-group-L.json
"""

import json
import sys
from pathlib import Path


def main(before_path: str, after_path: str) -> None:
    before, after = (json.loads(Path(path).read_text()) for path in (before_path, after_path))
    print(f"before: {before['git_commit']} ({before['at']})")
    print(f"after: {after['git_commit']} ({after['at']})\n")
    print(
        "| endpoint | queries | Python calls | c=1 p50 ms | c=8 req/s | c=8 p95 ms "
        "| c=8 share of ceiling |"
    )
    print("|---|---|---|---|---|---|---|")
    rows = [("ceiling /healthz/", before["web"]["ceiling"], after["web"]["ceiling"])]
    rows += [
        (name, before["web"]["endpoints"].get(name), row)
        for name, row in after["web"]["endpoints"].items()
    ]
    for name, old, new in rows:
        ceiling = name.startswith("ceiling")

        def cell(key, pick, old=old, new=new):
            now = pick(new[key])
            was = pick(old[key]) if old else None
            return f"{was:g} → **{now:g}**" if was is not None else f"**{now:g}**"

        share = (
            "100%"
            if ceiling
            else (
                f"{old['ratio_of_ceiling_c8']:.1%} → **{new['ratio_of_ceiling_c8']:.1%}**"
                if old
                else f"**{new['ratio_of_ceiling_c8']:.1%}**"
            )
        )

        def work(key, old=old, new=new):
            # Results before this figure existed have none.
            now = new.get("work", {}).get(key)
            was = (old or {}).get("work", {}).get(key)
            if now is None:
                return ""
            return f"{was:,} → **{now:,}**" if was is not None else f"**{now:,}**"

        print(
            f"| {name} | {work('queries')} | {work('python_calls')} "
            f"| {cell('c1', lambda f: f['latency_ms']['p50'])} "
            f"| {cell('c8', lambda f: round(f['requests_per_s']))} "
            f"| {cell('c8', lambda f: f['latency_ms']['p95'])} | {share} |"
        )
    print("\n| job | product ms (median) | SQL ms (median) | ratio | target |")
    print("|---|---|---|---|---|")
    for name, new in after["jobs"]["jobs"].items():
        old = before["jobs"]["jobs"].get(name)
        product = new["product_ms"]["median"]
        was = f"{old['product_ms']['median']:g} → " if old else ""
        ratio = f"{old['ratio']:g}× → " if old else ""
        verdict = "" if "report only" in new["target"] else " (met)" if new["met"] else " (missed)"
        print(
            f"| {name} | {was}**{product:g}** | {new['sql_ms']['median']:g} "
            f"| {ratio}**{new['ratio']:g}×** | {new['target']}{verdict} |"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
