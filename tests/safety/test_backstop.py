"""The statistical backstop: its corpus is validated, its model rebuilt reproducibly, read without
pickle, applied exactly as scikit-learn would, and refused when it is stale or damaged."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from securebase.core.errors import ContentError
from securebase.safety import backstop, screen
from securebase.safety.lexicon import load_lexicon_file

REAL = Path(__file__).resolve().parents[2] / "content" / "safety"

TOY = {
    "self_harm": ["I want to end my life {n}", "thinking about dying tonight {n}", "I hurt my arms again {n}",
                  "nobody would miss me {n}", "saved my pills up {n}"],
    "abuse_danger": ["he hit me again {n}", "she takes my phone {n}", "I am scared to go home {n}",
                     "he choked me last night {n}", "he checks my location {n}"],
    "harm_to_others": ["I want to stab him {n}", "I will make her pay {n}", "bought a knife for him {n}",
                       "I put a tracker on her car {n}", "going to burn his car {n}"],
    "none": ["we had pasta for dinner {n}", "work was long today {n}", "the dog needs a walk {n}",
             "we argued about the dishes {n}", "grateful for my sister {n}", "body scan felt calm {n}"],
}


def _toy_items() -> list[dict]:
    items = []
    for category, templates in TOY.items():
        for n in range(8):
            for t in templates:
                item = {"text": t.format(n=f"day {n}"), "category": category}
                if category != "none":
                    item["tier"] = "flag"
                items.append(item)
    return items


@pytest.fixture
def toy_root(tmp_path, monkeypatch):
    root = tmp_path / "content"
    (root / "safety" / "corpus").mkdir(parents=True)
    shutil.copy(REAL / "lexicon.yaml", root / "safety" / "lexicon.yaml")
    shutil.copytree(REAL / "resources", root / "safety" / "resources")
    (root / "safety" / "corpus" / "toy.yaml").write_text(yaml.safe_dump({"items": _toy_items()}), encoding="utf-8")
    monkeypatch.setenv("SECUREBASE_CONTENT", str(root))
    screen.clear_cache()
    yield root
    screen.clear_cache()


def _normaliser(root: Path):
    return load_lexicon_file(root / "safety" / "lexicon.yaml").normalise


def test_the_model_is_rebuilt_byte_for_byte(toy_root):
    first = backstop.build(toy_root, _normaliser(toy_root))
    one = backstop.model_path(toy_root).read_bytes()
    second = backstop.build(toy_root, _normaliser(toy_root))
    assert backstop.model_path(toy_root).read_bytes() == one
    assert first["corpus_sha256"] == second["corpus_sha256"] and first["items"] == len(_toy_items())


def test_the_saved_model_scores_as_scikit_learn_does(toy_root):
    from scipy.sparse import hstack

    backstop.build(toy_root, _normaliser(toy_root))
    model = backstop.load(toy_root)
    items = backstop.load_corpus(toy_root)
    norm = _normaliser(toy_root)
    texts = [norm(i.text)[0] for i in items]
    labels = np.array([backstop.CLASSES.index(i.category) for i in items])
    words, chars, (risk, kind) = backstop._fit(texts, labels)   # the fitted scikit-learn objects
    probe = ["he hit me and I want to end my life", "we had pasta", "a sentence with no known words zzz"]
    probe_x = hstack([words.transform(probe), chars.transform(probe)], format="csr")
    np.testing.assert_allclose(model.scores(probe)[:, 0], risk.predict_proba(probe_x)[:, 1], rtol=1e-6, atol=1e-9)
    order = [list(kind.classes_).index(c) for c in range(1, len(backstop.CLASSES))]
    np.testing.assert_allclose(model.scores(probe)[:, 1:], kind.predict_proba(probe_x)[:, order], rtol=1e-6, atol=1e-9)


def test_training_takes_ordinary_texts_by_window_and_risk_texts_whole_and_by_their_telling_window(toy_root):
    norm = _normaliser(toy_root)
    texts = ["We had pasta. Then a walk.", "Long day at work. He choked me in the hallway."]
    labels = np.array([0, backstop.CLASSES.index("abuse_danger")])
    first_round, kinds = backstop.instances(texts, labels)
    assert first_round == ["We had pasta.", "Then a walk.", "We had pasta. Then a walk.", texts[1]]
    backstop.build(toy_root, norm)
    pieces, kinds = backstop.instances(texts, labels, backstop.load(toy_root))
    assert pieces[:4] == first_round and pieces[4] in backstop.windows(texts[1]) and "choked" in pieces[4]
    assert kinds.tolist() == [0, 0, 0, labels[1], labels[1]]


def test_a_model_from_another_corpus_is_refused(toy_root):
    backstop.build(toy_root, _normaliser(toy_root))
    screen.check_safety_content(toy_root)
    corpus = toy_root / "safety" / "corpus" / "toy.yaml"
    data = yaml.safe_load(corpus.read_text(encoding="utf-8"))
    data["items"].append({"text": "a new ordinary line about tea", "category": "none"})
    corpus.write_text(yaml.safe_dump(data), encoding="utf-8")
    screen.clear_cache()
    with pytest.raises(ContentError, match="another version of the corpus: run `make safety-model`"):
        screen.check_safety_content(toy_root)


def test_a_missing_or_damaged_model_is_refused_with_the_fix(toy_root):
    with pytest.raises(ContentError, match="run `make safety-model`"):
        backstop.load(toy_root)
    path = backstop.model_path(toy_root)
    path.write_bytes(b"not a zip file")
    with pytest.raises(ContentError, match="cannot be read"):
        backstop.load(toy_root)
    np.savez(path, word_vocab=np.array([{"x": 1}], dtype=object))   # would need pickle to read
    with pytest.raises(ContentError, match="cannot be read"):
        backstop.load(toy_root)


def test_a_broken_model_never_blocks_a_save(toy_root):
    from securebase.safety.flags import screen_answers
    from securebase import content

    shutil.copytree(REAL.parent / "programs", toy_root / "programs")
    content.clear_cache()
    exercise = content.program("sie").find_exercise("insecurity_pattern_journal")[1]
    assert screen_answers(exercise, {"trigger": "hello"}).flag == ("unscreened",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda items: items[0].update(tier=None) or items[0].pop("tier"), "needs `tier: flag` or `tier: check_in`"),
        (lambda items: items[-1].update(tier="flag"), "has no tier"),
        (lambda items: items.append({**items[0], "category": "none", "tier": None}), "with another label"),
    ],
)
def test_the_corpus_is_validated(toy_root, change, message):
    corpus = toy_root / "safety" / "corpus" / "toy.yaml"
    items = _toy_items()
    change(items)
    items = [{k: v for k, v in i.items() if v is not None} for i in items]
    corpus.write_text(yaml.safe_dump({"items": items}), encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        backstop.load_corpus(toy_root)


def test_windows_are_sentences_pairs_and_the_whole():
    text = "we went out. it rained! then i said something; he laughed"
    pieces = backstop.windows(text)
    assert pieces[:4] == ["we went out.", "it rained!", "then i said something", "he laughed"]
    assert "we went out. it rained!" in pieces and pieces[-1] == text
    assert backstop.windows("one line only") == ["one line only"]
    assert backstop.windows("   ") == []


def test_the_real_corpus_is_large_varied_and_the_model_current():
    root = REAL.parent
    items = backstop.load_corpus(root)
    assert len(items) >= 3000
    for category in backstop.CLASSES:
        assert sum(i.category == category for i in items) >= 300, category
    assert sum(i.tier == "check_in" for i in items) >= 300
    screen.clear_cache()
    screen.check_safety_content(root)


def test_no_number_reaches_the_result():
    result = screen.screen_text("I want to end it all tonight. We had pasta for dinner.")
    assert result.flagged
    for value in vars(result).values():
        assert not isinstance(value, float)
    for match in result.matches:
        assert not any(isinstance(v, float) for v in vars(match).values())
