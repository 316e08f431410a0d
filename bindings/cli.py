"""The ``fastmetrics`` command.

``fastmetrics demo`` generates the built-in example (a baseline and a fine-tuned
classifier, 10^6 predictions, deterministic), writes it to Parquet and prints
the evaluation report. ``fastmetrics evaluate FILE --y-true COL --model NAME=COL``
evaluates a user's own Parquet / Arrow / CSV file or dataset directory.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..evaluation.job import evaluate
from ..exceptions import FastMetricsError, NullValueError


def _parse_model(spec: str) -> tuple[str, str]:
    name, sep, column = spec.partition("=")
    return (name, column) if sep else (spec, spec)


def _parse_label(text):
    """A label from the command line: an integer if it reads as one, else the string."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def _demo(args) -> int:
    from ..datasets import write_demo_parquet
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "demo_predictions.parquet"
    t0 = time.perf_counter()
    write_demo_parquet(path, n_rows=args.rows, seed=args.seed)
    t1 = time.perf_counter()
    print(f"Wrote {args.rows:,} demo predictions (seed {args.seed}) to {path} "
          f"in {t1 - t0:.2f} s\n")
    models = ("baseline", "finetuned")
    report = evaluate(str(path), "label", {m: f"{m}_pred" for m in models},
                      groups="group", source=str(path),
                      probabilities={m: f"{m}_proba" for m in models},
                      scores={m: f"{m}_score" for m in models}, positive_class="fraud",
                      n_resamples=args.resamples or None, row_resamples=args.row_resamples,
                      seed=args.seed, compare=("finetuned", "baseline") if args.resamples
                      else None)
    t2 = time.perf_counter()
    _emit(report, args)
    print(f"\nEvaluated {len(report.models)} models x {args.rows:,} rows in {t2 - t1:.2f} s.")
    return 0


def _evaluate(args) -> int:
    models = dict(_parse_model(m) for m in args.model)
    probabilities = dict(_parse_model(m) for m in args.proba or ())
    scores = dict(_parse_model(m) for m in args.score or ())
    t0 = time.perf_counter()
    report = evaluate(args.path, args.y_true, models, groups=args.groups,
                      sample_weight=args.sample_weight, drop_nulls=args.drop_nulls,
                      source=args.path, probabilities=probabilities, scores=scores,
                      positive_class=_parse_label(args.positive_class), labels=args.labels,
                      n_resamples=args.resamples or None, row_resamples=args.row_resamples,
                      compare=tuple(args.compare) if args.compare else None)
    elapsed = time.perf_counter() - t0
    _emit(report, args)
    if not args.json:
        print(f"\nEvaluated in {elapsed:.2f} s.")
    return 0


def _emit(report, args) -> None:
    print(report.to_json() if args.json else report.to_text(), end="")


def _uncertainty_arguments(parser, default=10_000, rows=1000) -> None:
    parser.add_argument("--resamples", type=int, default=default,
                        help="bootstrap resamples of the confusion metrics' intervals and "
                             f"tests (0: no intervals; default {default:,})")
    parser.add_argument("--row-resamples", type=int, default=rows,
                        help="resamples of metrics bootstrapped by resampling rows "
                             f"(probabilities, calibration; default {rows:,})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fastmetrics", description="Fast, exact evaluation of classifiers.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="evaluate the built-in example (baseline vs "
                                       "fine-tuned ticket router)")
    demo.add_argument("--rows", type=int, default=1_000_000, help="rows to generate")
    demo.add_argument("--seed", type=int, default=0, help="generator seed")
    demo.add_argument("--output", default="fastmetrics-demo",
                      help="folder for demo_predictions.parquet")
    demo.add_argument("--json", action="store_true", help="print JSON instead of text")
    _uncertainty_arguments(demo)
    demo.set_defaults(func=_demo)

    ev = sub.add_parser("evaluate", help="evaluate a Parquet/Arrow/CSV file or directory")
    ev.add_argument("path", help="file or dataset directory")
    ev.add_argument("--y-true", required=True, help="column of true labels")
    ev.add_argument("--model", action="append", required=True, metavar="NAME=COLUMN",
                    help="a model's prediction column (repeat for several models)")
    ev.add_argument("--proba", action="append", metavar="NAME=COLUMN",
                    help="a model's class-probability column (a fixed-size list, one entry "
                         "per class in sorted label order): ROC AUC, calibration, losses")
    ev.add_argument("--score", action="append", metavar="NAME=COLUMN",
                    help="a model's score column for --positive-class: its ROC AUC, average "
                         "precision, calibration and chosen thresholds")
    ev.add_argument("--positive-class", help="the class --score columns are for")
    ev.add_argument("--labels", nargs="+", type=_parse_label, metavar="LABEL",
                    help="the class of each --proba column (default: sorted labels)")
    ev.add_argument("--groups", help="column to break metrics down by")
    ev.add_argument("--sample-weight", help="column of row weights")
    ev.add_argument("--drop-nulls", action="store_true",
                    help="drop rows with nulls (reported) instead of failing")
    ev.add_argument("--json", action="store_true", help="print JSON instead of text")
    ev.add_argument("--compare", nargs=2, metavar=("CANDIDATE", "BASELINE"),
                    help="test whether CANDIDATE beats BASELINE on every metric")
    _uncertainty_arguments(ev, default=0)
    ev.set_defaults(func=_evaluate)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FastMetricsError as exc:
        print(f"fastmetrics: error: {exc}", file=sys.stderr)
        if isinstance(exc, NullValueError):
            print("fastmetrics: on the command line, drop_nulls=True is --drop-nulls",
                  file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
