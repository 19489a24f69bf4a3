"""Leave one writer out: how the safety screen does on a writer it was not trained on.

    .venv/bin/python tests/safety_by_writer.py [--writers a,b,...]   (about 2 minutes per writer)

The corpus files ``content/safety/corpus/writers_*.yaml`` were each written by one writer in the
blind-set form. Each is held out in turn: the backstop is trained (as ``make safety-model`` trains it)
on the other writers' files and on all but one share of the rest of the corpus, whose held-out share
gives the out-of-fold scores the thresholds come from (the quantiles of ``backstop.py``); then the
whole screen (lexicon and backstop) screens the held-out writer's texts. The spread across writers
shows how far one blind set's figures can be from another's. Nothing here touches an evaluation set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

from securebase.content import content_dir, read_yaml  # noqa: E402
from securebase.safety import backstop as B  # noqa: E402
from securebase.safety import screen as S  # noqa: E402
from securebase.safety.lexicon import load_lexicon_file  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="", help="comma-separated writer files to hold out (default: all)")
    args = parser.parse_args(argv)
    root = content_dir()
    lexicon = load_lexicon_file(root / "safety" / "lexicon.yaml")
    folder = B.corpus_dir(root)
    writer_files = sorted(folder.glob("writers_*.yaml"))
    chosen = [p for p in writer_files if not args.writers or p.stem[len("writers_"):] in args.writers.split(",")]

    def items_of(path: Path) -> list[B.CorpusItem]:
        return [B.CorpusItem(**item) for item in read_yaml(path)["items"]]

    writers = {p.stem: items_of(p) for p in writer_files}
    rest = [item for p in sorted(folder.glob("*.yaml")) if p not in writer_files for item in items_of(p)]
    norm = [lexicon.normalise(i.text)[0] for i in rest]
    labels = np.array([B.CLASSES.index(i.category) for i in rest])
    shares = StratifiedKFold(len(writer_files), shuffle=True, random_state=0).split(norm, labels)
    rows = []
    for path, (train, held) in zip(writer_files, shares):
        if path not in chosen:
            continue
        others = [i for name, items in writers.items() if name != path.stem for i in items]
        texts = [norm[k] for k in train] + [lexicon.normalise(i.text)[0] for i in others]
        y = np.concatenate([labels[train], [B.CLASSES.index(i.category) for i in others]])
        fitted = B._as_backstop(*B._fit(texts, y), np.ones(1), np.ones(1), "")
        oof = B._window_scores(fitted, [norm[k] for k in held])
        ordinary, clear = oof[labels[held] == 0], oof[labels[held] > 0]
        flag_at = np.quantile(ordinary, B.FLAG_QUANTILE, method="higher") + 1e-9
        check_at = min(np.quantile(ordinary, B.CHECK_QUANTILE, method="higher") + 1e-9, flag_at)
        veto_at = min(np.quantile(clear, B.VETO_QUANTILE, method="lower"), check_at)
        model = B.Backstop(fitted.word_vocab, fitted.char_vocab, fitted.word_idf, fitted.char_idf, fitted.coef,
                           fitted.intercept, np.array([flag_at]), np.array([check_at]), np.array([veto_at]), "")
        screen = S._Screen(lexicon, model)
        risk = [screen(i.text) for i in writers[path.stem] if i.category != "none"]
        plain = [screen(i.text) for i in writers[path.stem] if i.category == "none"]
        row = (np.mean([r.flagged or r.check_in for r in risk]), np.mean([r.flagged for r in risk]),
               np.mean([r.flagged or r.check_in for r in plain]))
        rows.append(row)
        print(f"{path.stem:<12} risk: flag or check-in {row[0]:.3f}, flag {row[1]:.3f};"
              f" not risk (ordinary and negated): alarms {row[2]:.3f}", flush=True)
    if rows:
        mean = np.mean(rows, axis=0)
        print(f"{'mean':<12} risk: flag or check-in {mean[0]:.3f}, flag {mean[1]:.3f}; not risk: alarms {mean[2]:.3f}")


if __name__ == "__main__":
    main()
