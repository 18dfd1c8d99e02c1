"""Command-line options the benchmarks share."""
from __future__ import annotations

import argparse


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """A parser described by the first line of the benchmark's docstring, with `--postgresql`."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--postgresql", metavar="URL",
                        help="also measure on this PostgreSQL database (its tables are replaced)")
    return parser
