"""The statistical backstop of the safety screen: a text classifier (scikit-learn) that catches the
wordings the lexicon does not list.

* **The corpus** is data: ``content/safety/corpus/*.yaml``, thousands of short texts in the
  project's own words, each labelled with a category (``none`` or one of :data:`CATEGORIES`) and,
  for risk, a tier (``flag``: a clear disclosure; ``check_in``: close to risk). It is validated when
  loaded (:func:`load_corpus`).
* **The model** is built from the corpus by ``make safety-model`` (:func:`build`), reproducibly
  (fixed folds and solver, no randomness left), and saved as plain arrays in
  ``content/safety/backstop.npz`` (read with ``allow_pickle=False``: no code is ever loaded from
  it). Nothing is downloaded, at build time or at run time. The file records the digest of the
  corpus it was built from; ``securebase check-content`` refuses a model that is out of date.
* **Features**: TF-IDF of words (1-2 grams) and of characters within words (2-5 grams, which
  tolerate misspellings), over the screen's normalised text. **Two logistic regressions**, both
  with balanced class weights: one for risk against ordinary text (its probability is the alarm
  score), and one, trained on the risk texts, for which category a risk text is.
* **Trained as it is used** (:func:`instances`): the screen scores each window of a text (see
  :func:`window_spans`), so every window of an ordinary text is an ordinary example, and a risk text
  is an example both whole and by its most telling window, which a first round of training finds.
* **Thresholds** are chosen on the corpus, never on an evaluation set: five-fold out-of-fold
  scores, taken the way the screen takes them (the highest over a text's sentences and pairs of
  sentences). A flag needs a score that the ``none`` texts of the corpus reach only rarely
  (:data:`FLAG_QUANTILE`), a check-in one they reach seldom (:data:`CHECK_QUANTILE`); below the score
  of all but a few of the corpus's clear disclosures (:data:`VETO_QUANTILE`), the model is sure a text
  is ordinary, and the screen sets a lexicon hit aside.

The probabilities stay inside this module and :mod:`securebase.safety.screen`: nothing shows a number.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
import zipfile
from typing import Annotated, Any, Literal, Sequence

import numpy as np
from pydantic import Field, StringConstraints, model_validator

from securebase.content import Model, read_yaml, validate
from securebase.core.errors import ContentError
from securebase.safety.categories import CATEGORIES

CLASSES = ("none", *CATEGORIES)
FLAG_QUANTILE = 0.94    # a flag needs a risk score that at most 6 % of the corpus's ordinary texts reach
CHECK_QUANTILE = 0.885  # a check-in, one that at most 11.5 % reach (the hardest of them: near-risk wording)
VETO_QUANTILE = 0.005   # below the score of all but 0.5 % of the corpus's clear disclosures, a lexicon hit is set aside
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
MIN_DF = 2
C = 8.0
FOLDS = 5
MAX_TEXT = 4000
FORMAT = 3              # of backstop.npz: a risk-vs-ordinary row, then one per category; flag, check and veto scores

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\s*\n+\s*|\s*;\s+|\s+(?:-{1,2}|\u2013|\u2014)\s+")


class CorpusItem(Model):
    text: Annotated[str, StringConstraints(min_length=2, max_length=MAX_TEXT)]
    category: Literal["none", "self_harm", "abuse_danger", "harm_to_others"]
    tier: Literal["flag", "check_in"] | None = None

    @model_validator(mode="after")
    def _tier(self) -> "CorpusItem":
        if self.category == "none" and self.tier is not None:
            raise ValueError("an item of category none has no tier; remove `tier`")
        if self.category != "none" and self.tier is None:
            raise ValueError(f"a {self.category} item needs `tier: flag` or `tier: check_in`")
        return self


class CorpusFile(Model):
    items: tuple[CorpusItem, ...] = Field(min_length=1)


def corpus_dir(root: Path) -> Path:
    return root / "safety" / "corpus"


def model_path(root: Path) -> Path:
    return root / "safety" / "backstop.npz"


def load_corpus(root: Path) -> list[CorpusItem]:
    """Every corpus file, validated, in file-name order. The same text twice with two labels is refused."""
    folder = corpus_dir(root)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError(folder, "(folder)", "the safety corpus is missing: no .yaml files")
    items: list[CorpusItem] = []
    seen: dict[str, tuple[str, str | None, str]] = {}
    for path in files:
        data: CorpusFile = validate(CorpusFile, path, read_yaml(path))
        for i, item in enumerate(data.items):
            key = " ".join(item.text.lower().split())
            label = (item.category, item.tier)
            if key in seen:
                if seen[key][:2] != label:
                    raise ContentError(path, f"items[{i}]", f"{item.text!r} is also in {seen[key][2]} with another label")
                continue
            seen[key] = (*label, path.name)
            items.append(item)
    return items


def corpus_digest(items: Sequence[CorpusItem]) -> str:
    canonical = json.dumps([[i.text, i.category, i.tier] for i in items], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def window_spans(norm: str) -> list[tuple[int, int]]:
    """The pieces of a normalised text that are scored, as spans: each sentence, each pair of
    neighbouring sentences, and the whole text. A disclosure inside a long paragraph is then scored
    on its own sentence, not diluted by the rest."""
    spans, last = [], 0
    for m in _SENTENCE_END.finditer(norm):
        spans.append((last, m.start()))
        last = m.end()
    spans.append((last, len(norm)))
    spans = [(a, b) for a, b in spans if len(norm[a:b].strip()) > 1]
    if len(spans) <= 1:
        return [(0, len(norm))] if norm.strip() else []
    out = list(spans)
    out += [(a[0], b[1]) for a, b in zip(spans, spans[1:])]
    if len(spans) > 2:
        out.append((spans[0][0], spans[-1][1]))
    return out


def windows(norm: str) -> list[str]:
    return [norm[a:b] for a, b in window_spans(norm)]


# --------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class Backstop:
    """The saved model, applied with plain scikit-learn counting and NumPy arithmetic."""

    word_vocab: dict[str, int]
    char_vocab: dict[str, int]
    word_idf: np.ndarray
    char_idf: np.ndarray
    coef: np.ndarray            # (1 + categories, word + char features): row 0 risk vs none, then categories
    intercept: np.ndarray
    flag_at: np.ndarray         # (1,): the risk score that flags
    check_at: np.ndarray        # (1,): the risk score that asks a check-in
    veto_at: np.ndarray         # (1,): below it the model is sure the text is ordinary
    digest: str

    @functools.cached_property
    def _counters(self) -> tuple[Any, Any]:
        from sklearn.feature_extraction.text import CountVectorizer

        words = CountVectorizer(vocabulary=self.word_vocab, ngram_range=WORD_NGRAMS, lowercase=False)
        chars = CountVectorizer(vocabulary=self.char_vocab, analyzer="char_wb", ngram_range=CHAR_NGRAMS, lowercase=False)
        return words, chars

    @functools.cached_property
    def _split_coef(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.word_vocab)
        return np.ascontiguousarray(self.coef[:, :n].T), np.ascontiguousarray(self.coef[:, n:].T)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text: the probability of risk, then the probability of each risk category."""
        words, chars = self._counters
        coef_words, coef_chars = self._split_coef
        tw = _tfidf(words.transform(texts), self.word_idf)
        tc = _tfidf(chars.transform(texts), self.char_idf)
        # each block is l2-normalised on its own, as the two vectorisers are when the model is fitted
        logits = tw @ coef_words + tc @ coef_chars + self.intercept
        risk = 1.0 / (1.0 + np.exp(-logits[:, :1]))
        cats = logits[:, 1:] - logits[:, 1:].max(axis=1, keepdims=True)
        cats = np.exp(cats)
        return np.hstack([risk, cats / cats.sum(axis=1, keepdims=True)])

    def assess(self, norm: str) -> tuple[dict[str, tuple[str, tuple[int, int]]], bool]:
        """Per risk category that reaches a threshold, ``("flag" or "check_in", span)`` (span: the
        window of the normalised text that scored highest); and whether the model is sure the text is
        ordinary (every window's risk score below ``veto_at``), when the screen sets a figure of
        speech aside ("I'll kill him if he's late again lol")."""
        spans = window_spans(norm)
        if not spans:
            return {}, True
        p = self.scores([norm[a:b] for a, b in spans])
        return _levels(p, self.flag_at, self.check_at, spans), bool(p[:, 0].max() < self.veto_at[0])


def _levels(p: np.ndarray, flag_at: np.ndarray, check_at: np.ndarray, spans: list) -> dict:
    """The decision rule on the windows' scores ``p`` (see :meth:`Backstop.scores`). The alarm score is
    the highest risk probability over the windows; the category is that window's likeliest one.
    Thresholds: ``flag_at[0]`` and ``check_at[0]``."""
    risk = p[:, 0]
    best = int(risk.argmax())
    if risk[best] < check_at[0]:
        return {}
    category = CATEGORIES[int(p[best, 1:].argmax())]
    return {category: ("flag" if risk[best] >= flag_at[0] else "check_in", spans[best])}


def _tfidf(counts: Any, idf: np.ndarray) -> Any:
    """What TfidfVectorizer(sublinear_tf=True, norm='l2') does with a fitted idf, on a CSR matrix of counts."""
    counts = counts.astype(np.float64)
    data = (np.log(counts.data) + 1.0) * idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    counts.data = data / norms[rows]
    return counts


def _hstack(a: Any, b: Any) -> Any:
    from scipy.sparse import hstack

    return hstack([a, b], format="csr")


def load(root: Path) -> Backstop:
    path = model_path(root)
    if not path.exists():
        raise ContentError(path, "(file)", "the safety model is missing: run `make safety-model`")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(str(arrays["meta"].reshape(-1)[0]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')}, this version reads format {FORMAT}")
        model = Backstop(
            word_vocab={t: i for i, t in enumerate(arrays["word_vocab"].tolist())},
            char_vocab={t: i for i, t in enumerate(arrays["char_vocab"].tolist())},
            word_idf=arrays["word_idf"], char_idf=arrays["char_idf"], coef=arrays["coef"],
            intercept=arrays["intercept"], flag_at=arrays["flag_at"], check_at=arrays["check_at"],
            veto_at=arrays["veto_at"],
            digest=meta["corpus_sha256"],
        )
    except (KeyError, ValueError, OSError) as exc:
        raise ContentError(path, "(file)", f"the safety model cannot be read ({exc}): run `make safety-model`") from None
    if model.coef.shape != (1 + len(CATEGORIES), len(model.word_vocab) + len(model.char_vocab)):
        raise ContentError(path, "coef", "the safety model's arrays do not fit together: run `make safety-model`")
    return model


def check_up_to_date(root: Path, model: Backstop) -> None:
    """Refuse a model built from another corpus than the one in ``content/``."""
    digest = corpus_digest(load_corpus(root))
    if digest != model.digest:
        raise ContentError(model_path(root), "meta.corpus_sha256",
                           "the safety model was built from another version of the corpus: run `make safety-model`")


# --------------------------------------------------------------------------- building


def _fit(texts: Sequence[str], labels: np.ndarray) -> tuple[Any, Any, Any]:
    """Train as the screen scores: on windows (see :func:`instances`), in two rounds, the second with
    each risk text's most telling window found by the first."""
    first = _as_backstop(*_fit_once(*instances(texts, labels)), np.ones(1), np.ones(1), "")
    return _fit_once(*instances(texts, labels, first))


def instances(texts: Sequence[str], labels: np.ndarray, first: "Backstop | None" = None) -> tuple[list[str], np.ndarray]:
    """The examples the classifiers learn from. The screen scores every window of a text and takes the
    highest, so every window of an ordinary text is an ordinary example ("He went quiet and went to his
    room" must score low on its own). A risk text is an example as a whole, and, once a first model
    exists, also by the one window of it that model scores highest: in a paragraph about the day with
    the disclosure in one sentence, the other sentences are not what makes it risk."""
    pieces: list[str] = []
    kinds: list[int] = []
    for text, label in zip(texts, labels):
        parts = windows(text) or [text]
        if label == 0:
            pieces += parts
            kinds += [0] * len(parts)
            continue
        pieces.append(text)
        kinds.append(int(label))
        if first is not None:   # (a one-sentence text is then an example twice, as every risk text is)
            pieces.append(parts[int(first.scores(parts)[:, 0].argmax())] if len(parts) > 1 else parts[0])
            kinds.append(int(label))
    return pieces, np.array(kinds)


def _fit_once(texts: Sequence[str], labels: np.ndarray) -> tuple[Any, Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(ngram_range=WORD_NGRAMS, min_df=MIN_DF, sublinear_tf=True, lowercase=False)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, min_df=MIN_DF, sublinear_tf=True, lowercase=False)
    x = _hstack(words.fit_transform(texts), chars.fit_transform(texts))
    risk = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(x, labels > 0)
    kind = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(x[labels > 0], labels[labels > 0])
    return words, chars, (risk, kind)


def _as_backstop(words: Any, chars: Any, clfs: Any, flag_at: np.ndarray, check_at: np.ndarray, digest: str,
                 veto_at: np.ndarray = np.zeros(1)) -> Backstop:
    risk, kind = clfs
    order = [list(kind.classes_).index(c) for c in range(1, len(CLASSES))]
    return Backstop(
        word_vocab=dict(words.vocabulary_), char_vocab=dict(chars.vocabulary_),
        word_idf=words.idf_, char_idf=chars.idf_,
        coef=np.vstack([risk.coef_, kind.coef_[order]]), intercept=np.concatenate([risk.intercept_, kind.intercept_[order]]),
        flag_at=flag_at, check_at=check_at, veto_at=veto_at, digest=digest,
    )


def _window_scores(model: Backstop, norms: Sequence[str]) -> np.ndarray:
    """Per text, the highest score per risk category over its windows (as the screen scores it)."""
    pieces, owner = [], []
    for i, norm in enumerate(norms):
        for piece in windows(norm):
            pieces.append(piece)
            owner.append(i)
    out = np.zeros(len(norms))
    if pieces:
        risk = model.scores(pieces)[:, 0]
        np.maximum.at(out, np.array(owner), risk)
    return out


def build(root: Path, normalise: Any) -> dict[str, Any]:
    """Train on the corpus, choose the thresholds by cross-validation, save the model; returns a summary."""
    import sklearn
    from sklearn.model_selection import StratifiedKFold

    items = load_corpus(root)
    digest = corpus_digest(items)
    norms = [normalise(i.text)[0] for i in items]
    labels = np.array([CLASSES.index(i.category) for i in items])
    oof = np.zeros(len(items))
    no_thresholds = np.ones(1)
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(norms, labels):
        fold = _as_backstop(*_fit([norms[k] for k in train], labels[train]), no_thresholds, no_thresholds, digest)
        oof[test] = _window_scores(fold, [norms[k] for k in test])
    ordinary = oof[labels == 0]
    flag_at = np.array([np.quantile(ordinary, FLAG_QUANTILE, method="higher") + 1e-9])
    check_at = np.minimum(np.array([np.quantile(ordinary, CHECK_QUANTILE, method="higher") + 1e-9]), flag_at)
    clear = oof[np.array([i.tier == "flag" for i in items])]
    veto_at = np.array([min(np.quantile(clear, VETO_QUANTILE, method="lower"), check_at[0])])
    model = _as_backstop(*_fit(norms, labels), flag_at, check_at, digest, veto_at)
    meta = {"format": FORMAT, "corpus_sha256": digest, "items": len(items), "scikit_learn": sklearn.__version__,
            "word_ngrams": WORD_NGRAMS, "char_ngrams": CHAR_NGRAMS, "min_df": MIN_DF, "C": C, "folds": FOLDS,
            "flag_quantile": FLAG_QUANTILE, "check_quantile": CHECK_QUANTILE, "veto_quantile": VETO_QUANTILE}
    path = model_path(root)
    word_vocab = sorted(model.word_vocab, key=model.word_vocab.__getitem__)
    char_vocab = sorted(model.char_vocab, key=model.char_vocab.__getitem__)
    _save(path, word_vocab=np.array(word_vocab), char_vocab=np.array(char_vocab), word_idf=model.word_idf,
          char_idf=model.char_idf, coef=model.coef, intercept=model.intercept, flag_at=flag_at, check_at=check_at,
          veto_at=veto_at,
          meta=np.array(json.dumps(meta, sort_keys=True)))
    caught = oof[labels > 0] >= check_at[0]
    alarms = ordinary >= check_at[0]
    return {**meta, "path": str(path), "features": int(model.coef.shape[1]),
            "cv_risk_caught_by_backstop": round(float(np.mean(caught)), 3) if caught.size else None,
            "cv_ordinary_alarm_rate": round(float(np.mean(alarms)), 3)}


def _save(path: Path, **arrays: np.ndarray) -> None:
    """An ``.npz`` file that :func:`numpy.load` reads, byte for byte the same for the same arrays
    (``numpy.savez`` stamps each member with the time it was written)."""
    import io

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
    tmp.replace(path)
