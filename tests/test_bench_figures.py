"""The README's end-to-end table is generated from the result files, targets marked per run."""

import importlib.util
from pathlib import Path

# bench/ is run as `python -m bench.…` from the root, not installed: load the module by its path
_spec = importlib.util.spec_from_file_location(
    "bench_figures", Path(__file__).resolve().parent.parent / "bench" / "figures.py"
)
assert _spec and _spec.loader
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)


def _run(items: int, total_s: float, ratio: float) -> dict:
    return {
        "note": "n",
        "git_commit": "abc",
        "machine": {"cores": 2, "loadavg_at_start": [1.0], "loadavg_at_end": [1.5]},
        "cases": {
            "e2e": {
                "items": items,
                "counties": 5,
                "push_s": 1.0,
                "routed_s": total_s - 1,
                "on_topic_s": total_s,
                "total_s": total_s,
                "items_per_s": items / total_s,
                "ratio_to_limit": ratio,
                "cpu_s": {"warning": 3.0, "warning-2": 4.0, "postgres": 5.0},
            }
        },
    }


def test_each_e2e_run_is_a_row_marked_against_its_target():
    rows = figures.e2e_table(
        [
            ("a-e2e.json", _run(100_000, 7.0, 0.31)),
            ("b-e2e.json", _run(100_000, 12.0, 0.18)),
            ("c-e2e-2000000items.json", _run(2_000_000, 290.0, 0.14)),
            ("d-e2e-2000000items.json", _run(2_000_000, 331.0, 0.13)),
            ("e-declarations.json", {"cases": {"declarations": {}}}),
        ]
    )[2:]
    assert [row.split("|")[1].strip() for row in rows] == [
        "`a-e2e.json`",
        "`b-e2e.json`",
        "`c-e2e-2000000items.json`",
        "`d-e2e-2000000items.json`",
    ]
    assert ["✓" in row for row in rows] == [True, False, True, False]
    assert "7.0, 5.0" in rows[0]  # both warning processes' CPU, then Postgres'
