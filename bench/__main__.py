"""Run every benchmark, each in its own process (each sets up its own database).

``python -m bench`` runs them all; ``python -m bench postings rollup`` runs some.
Extra arguments after ``--`` are passed to each benchmark.
"""

import importlib.util
import subprocess
import sys

BENCHMARKS = [
    "postings",
    "rollup",
    "lifecycle",
    "adjust",
    "vendor_api",
    "concurrency",
    "costacct",
    "lean",
]


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    names = argv or BENCHMARKS
    failed = 0
    for name in names:
        if importlib.util.find_spec(f"bench.{name}") is None:
            print(f"== bench.{name}: not present, skipped")
            continue
        print(f"== bench.{name}", flush=True)
        result = subprocess.run([sys.executable, "-m", f"bench.{name}", *extra])
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
