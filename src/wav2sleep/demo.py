"""The demo (``make demo``): synthetic corpus -> ingest -> split -> train -> evaluate -> stage a night -> report,
then a real night: ``--beat-record`` (``make demo`` gives the SLPDB record in ``examples/slpdb``) staged from its
beat intervals by the shipped model ``builtin:ibi-slpdb`` and compared with its expert scoring.

Everything runs on CPU in a few minutes; outputs land in ``--out``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

DATASETS = ("shhs", "mesa", "cfs", "chat", "ccshs", "wsc")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    parser.add_argument("--nights", type=int, default=5, help="nights per dataset (3 train, 1 val, 1 test per 5)")
    parser.add_argument("--hours", type=float, default=2.5)
    parser.add_argument("--max-epochs", type=int, default=25)
    parser.add_argument("--beat-record", type=Path, help="a real beat-interval record (.rr with its .an) to stage")
    args = parser.parse_args(argv)

    from wav2sleep.data.splits import write_split
    from wav2sleep.evaluation.evaluate import select_rows
    from wav2sleep.inference.report import write_outputs
    from wav2sleep.inference.stage import stage
    from wav2sleep.ingest.runner import ingest_folder
    from wav2sleep.synth import write_corpus
    from wav2sleep.training.train import compose_config, train

    out = args.out.absolute()
    t0 = time.perf_counter()

    def step(text: str) -> None:
        print(f"\n== [{time.perf_counter() - t0:6.1f} s] {text}", flush=True)

    corpus, store = out / "corpus", out / "store"
    step(f"1/7 synthetic corpus: {len(DATASETS)} datasets x {args.nights} nights x {args.hours} h -> {corpus}")
    if not (corpus / "truth.json").exists():
        write_corpus(corpus, DATASETS, args.nights, args.hours, seed=0)
    step(f"2/7 ingest -> {store}")
    for name in DATASETS:
        s = ingest_folder(corpus / name, store, progress=False)
        print(f"  {name}: {s.ok} ok, {s.flagged} flagged, {s.failed} failed, {s.skipped} already done")
    step("3/7 split (the paper's lists; synthetic session ids are drawn from them)")
    print(f"  {write_split(store, 'paper')}")
    step("4/7 train (experiment=demo) and 5/7 evaluate the best checkpoint on held-out nights")
    cfg = compose_config(["experiment=demo", f"data_root={store}", f"output_dir={out / 'run'}",
                          f"datasets.train=[{','.join(DATASETS)}]", f"datasets.test=[{','.join(DATASETS)}]",
                          f"training.max_epochs={args.max_epochs}"])  # fmt: skip
    summary = train(cfg)
    print(f"  model: {summary['model_dir']}; results: {out / 'run' / 'results' / 'results.md'}")
    step("6/7 stage a held-out night from its EDF and write the report")
    test_night = next(r for r in select_rows(store, "paper", "test") if r["dataset"] == "mesa")
    hyp = stage(test_night["source"], summary["model_dir"])
    written = write_outputs(hyp, out / "staged", Path(test_night["source"]).stem)
    stats = hyp.sleep_statistics()
    print(f"  {hyp!r}: TST {stats['TST']:.0f} min, SE {stats['SE']:.0f} %, WASO {stats['WASO']:.0f} min")
    print(f"  report: {written['html']}")
    print(f"  browse the training run: mlflow ui --backend-store-uri {summary['tracking_uri']}")
    if args.beat_record is None:
        step("7/7 a real night: skipped (no --beat-record given)")
    else:
        step(f"7/7 stage a real night from its beat intervals with builtin:ibi-slpdb: {args.beat_record}")
        real = stage(args.beat_record, "builtin:ibi-slpdb", reference="auto")
        written = write_outputs(real, out / "staged-real", args.beat_record.stem)
        agreement = real.metadata.get("agreement")
        if agreement:
            print(f"  agreement with the expert ({Path(agreement['reference']).name}): kappa {agreement['kappa']:.2f}, "
                  f"accuracy {100 * agreement['accuracy']:.0f} % (this record is one of the model's 13 training "
                  "nights: new nights agree far less; the model card gives the cross-validated figures)")  # fmt: skip
        print(f"  report: {written['html']}")
    step("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
