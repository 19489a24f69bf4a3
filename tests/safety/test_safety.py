"""Safety screening: the labelled set (recall and false-positive rate), behaviour, and content validation.

The labelled set is the one the 2025 lexicon was written against: not blind, so its figures are
regression floors. Recall here counts a text as caught when it is flagged or asked about (the
check-in) in its category; a false alarm is either on an ordinary text. The blind figures are in
``test_safety_blind.py``.

Run ``pytest -s tests/test_safety.py`` to see the measured numbers. Speed is not asserted here.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from securebase import content
from securebase.safety import resources as crisis
from securebase.safety import screen as safety
from securebase.core.errors import ContentError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "safety_labelled.yaml"
REAL_SAFETY = Path(content.__file__).resolve().parents[3] / "content" / "safety"

# Floors (measured 2026-12-01 on the screen of issue 14, rounded down; the ceiling rounded up). The
# 2025 lexicon flagged every negation, so its false-positive rate here was lower (0.05) and its
# recall of indirect wording far lower; an alarm now includes a check-in.
MIN_RECALL = 0.95
MIN_RECALL_BY_CATEGORY = {"self_harm": 0.95, "abuse_danger": 0.95, "harm_to_others": 0.93}
MAX_FPR = 0.10


# --------------------------------------------------------------------------- the labelled set


def _items() -> list[dict]:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    return data["items"]


def _metrics() -> dict:
    items = _items()
    per_cat = {c: [0, 0] for c in safety.CATEGORIES}     # recalled, total
    recalled_items = 0
    positives = [it for it in items if it["categories"]]
    negatives = [it for it in items if not it["categories"]]
    missed: list[str] = []
    false_pos: list[str] = []
    for it in positives:
        result = safety.screen_text(it["text"])
        found = set(result.categories) | set(result.check_in_categories)   # flagged, or asked about
        all_found = True
        for c in it["categories"]:
            per_cat[c][1] += 1
            if c in found:
                per_cat[c][0] += 1
            else:
                all_found = False
        if all_found:
            recalled_items += 1
        else:
            missed.append(f"{it['text']!r} expected {it['categories']}, found {sorted(found)}")
    for it in negatives:
        result = safety.screen_text(it["text"])
        if result.flagged or result.check_in:
            false_pos.append(f"{it['text']!r} flagged by {[(m.entry, m.text) for m in result.matches]}")
    labels = sum(v[1] for v in per_cat.values())
    return {
        "items": len(items),
        "positives": len(positives),
        "negatives": len(negatives),
        "recall": {c: (v[0] / v[1] if v[1] else 1.0) for c, v in per_cat.items()},
        "counts": per_cat,
        "recall_overall": sum(v[0] for v in per_cat.values()) / labels,
        "items_fully_recalled": recalled_items / len(positives),
        "fpr": len(false_pos) / len(negatives),
        "missed": missed,
        "false_positives": false_pos,
    }


@pytest.fixture(scope="module")
def metrics():
    safety.clear_cache()
    return _metrics()


def test_fixture_is_well_formed():
    items = _items()
    assert len(items) >= 150
    texts = [it["text"] for it in items]
    assert len(texts) == len(set(texts)), "duplicate texts in the labelled set"
    for it in items:
        assert set(it) == {"text", "categories"}
        assert isinstance(it["text"], str) and it["text"].strip()
        assert set(it["categories"]) <= set(safety.CATEGORIES)
    negatives = [it for it in items if not it["categories"]]
    assert len(negatives) >= 70
    for c in safety.CATEGORIES:
        assert sum(c in it["categories"] for it in items) >= 15, c


def test_report(metrics):
    """Prints the numbers (see them with ``pytest -s``)."""
    m = metrics
    print()
    print(f"safety screen on {m['items']} labelled items ({m['positives']} must flag, {m['negatives']} must not):")
    for c in safety.CATEGORIES:
        got, total = m["counts"][c]
        print(f"  recall {c:<15} {m['recall'][c]:.3f}  ({got}/{total})")
    print(f"  recall overall         {m['recall_overall']:.3f}  (per label)")
    print(f"  items fully recalled   {m['items_fully_recalled']:.3f}")
    print(f"  false-positive rate    {m['fpr']:.3f}  ({len(m['false_positives'])}/{m['negatives']})")
    for line in m["missed"]:
        print(f"  missed: {line}")
    for line in m["false_positives"]:
        print(f"  false positive: {line}")


def test_recall_overall_and_per_category(metrics):
    assert metrics["recall_overall"] >= MIN_RECALL, metrics["missed"]
    for c in safety.CATEGORIES:
        assert metrics["recall"][c] >= MIN_RECALL_BY_CATEGORY[c], (c, metrics["missed"])


def test_false_positive_rate(metrics):
    assert metrics["fpr"] <= MAX_FPR, metrics["false_positives"]


# --------------------------------------------------------------------------- behaviour


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", "self_harm"),
        ("everyone would be better off without me", "self_harm"),
        ("I just want to sleep and not wake up", "self_harm"),
        ("he said he'd hurt me if I leave", "abuse_danger"),
        ("I'm scared to go home", "abuse_danger"),
        ("she took my phone and won't let me see my friends", "abuse_danger"),
        ("I feel like hurting him", "harm_to_others"),
    ],
)
def test_direct_and_indirect_phrasing(text, category):
    result = safety.screen_text(text)
    assert result.flagged
    assert category in result.categories


@pytest.mark.parametrize("text", ["I don't see the point of going on", "there's no reason to carry on"])
def test_hopelessness_is_at_least_asked_about(text):
    """Hopelessness without a stated act is the lexicon's check-in tier: the person is asked directly
    (the backstop may flag it as well)."""
    result = safety.screen_text(text)
    assert "self_harm" in result.categories + result.check_in_categories


@pytest.mark.parametrize(
    "text",
    ["thinking about sucide", "suicde", "I want to kil myself", "I could hurt my self", "k1ll myself",
     "s u i c i d e", "$uicidal", "ki11 myself", "I wnat to kill myslef"],
)
def test_misspellings_spacing_and_leet(text):
    assert safety.screen_text(text).categories == ("self_harm",)


@pytest.mark.parametrize(
    "text",
    ["I'm not suicidal, just sad", "I would never kill myself", "no thoughts of hurting myself",
     "I would never hurt my kids"],
)
def test_a_plain_denial_never_flags(text):
    """A denial on its own asks at most a check-in (and nothing, when the model is sure it is ordinary)."""
    result = safety.screen_text(text)
    assert not result.flagged, result.matches
    assert all(m.tier == "check_in" for m in result.matches)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I'm not going to kill myself but I think about it every day", "self_harm"),
        ("he has never hit me but he throws things at me", "abuse_danger"),
        ("I would never hurt my kids, but today I shook the baby", "harm_to_others"),
    ],
)
def test_a_denial_with_more_to_it_is_caught(text, category):
    result = safety.screen_text(text)
    assert category in result.categories + result.check_in_categories, result


def test_a_direct_disclosure_is_never_set_aside():
    """Figures of speech may be set aside when the model is sure; plain disclosures never are."""
    for text in ("My girlfriend choked me during the argument until I nearly passed out.", "he raped me",
                 "I took an overdose last night", "she threatened to kill me"):
        assert safety.screen_text(text).flagged, text


def test_the_docstring_documents_the_denial_rule():
    doc = safety.screen_text.__doc__ or ""
    assert "a denial" in doc.lower() and "check-in" in doc


@pytest.mark.parametrize(
    "text",
    [
        "this argument is killing me", "I could die of embarrassment", "I was dying to tell her",
        "my feet are killing me", "we fight all the time", "I feel hurt that he forgot",
        "she hurt my feelings", "I'm dead tired", "killing time", "I'd kill for a holiday",
        "a cutting remark", "he's driving me crazy", "I felt crushed", "I want to scream",
        "I'm so done with this week", "It hit me today how much I miss her",
        "I don't feel emotionally safe with him yet", "the killer whale documentary",
        "he is a skilled cook", "I'm doing it myself",
    ],
)
def test_ordinary_distress_and_idioms_do_not_flag(text):
    result = safety.screen_text(text)
    assert not result.flagged, result.matches


def test_a_bare_denial_of_harm_is_at_least_asked_about():
    """A denial is not taken at its word. The backstop, trained window by window since lexicon 2026.3,
    reads "I don't want to hurt him" as risk and flags it (it asked a check-in before): over-cautious,
    and listed among the screen's known false alarms in issue 14's closing note."""
    result = safety.screen_text("I don't want to hurt him")
    assert "harm_to_others" in result.categories + result.check_in_categories


def test_unicode_case_and_curly_apostrophes():
    assert safety.screen_text("I’M SCARED TO GO HOME").categories == ("abuse_danger",)
    assert safety.screen_text("He’d hurt me if I left").flagged
    assert safety.screen_text("Ｉ ＷＡＮＴ ＴＯ ＤＩＥ").categories == ("self_harm",)     # fullwidth (NFKC)
    assert safety.screen_text("my fiancé hit me").categories == ("abuse_danger",)     # accents
    assert safety.screen_text("I want to ｋｉｌｌ myself").categories == ("self_harm",)
    assert safety.screen_text("sui\u200bcide").categories == ("self_harm",)       # zero-width space
    assert safety.screen_text("I want to kill\n\n   myself").categories == ("self_harm",)


def test_matches_point_at_the_original_text():
    text = "Tuesday.\n\nHe’d hurt me,   he said, and I  want to k1ll   myself. Ｓｕｉｃｉｄｅ."
    result = safety.screen_text(text)
    assert result.categories == ("self_harm", "abuse_danger")
    for m in result.matches:
        assert text[m.start:m.end] == m.text
        assert m.category in safety.CATEGORIES and m.entry
    spans = [m.text for m in result.matches]
    assert "He’d hurt me" in spans
    assert "k1ll   myself" in spans
    assert "Ｓｕｉｃｉｄｅ" in spans


def test_result_shape_and_order():
    result = safety.screen_text("I could kill him, and some days I want to die. He hit me.")
    assert result.categories == safety.CATEGORIES            # fixed order, whatever the text order
    assert [m.start for m in result.matches] == sorted(m.start for m in result.matches)
    assert result.lexicon_version
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.flagged = False  # type: ignore[misc]
    assert not hasattr(result, "score")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(text):
    result = safety.screen_text(text)
    assert result == safety.ScreenResult(False, (), (), result.lexicon_version)


def test_long_entry_screens():
    text = ("We argued again about the dishes and he didn't reply to my texts. " * 80)[:5000]
    assert not safety.screen_text(text).flagged
    assert safety.screen_text(text + " I want to kill myself.").categories == ("self_harm",)


# --------------------------------------------------------------------------- lexicon validation


@pytest.fixture
def safety_root(tmp_path, monkeypatch):
    """A private copy of content/safety that a test can break."""
    root = tmp_path / "content"
    shutil.copytree(REAL_SAFETY, root / "safety")
    monkeypatch.setenv("SECUREBASE_CONTENT", str(root))
    safety.clear_cache()
    yield root / "safety"
    safety.clear_cache()


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_shipped_lexicon_loads_with_every_category():
    safety.clear_cache()
    assert safety.screen_text("hello").flagged is False
    lex = yaml.safe_load((REAL_SAFETY / "lexicon.yaml").read_text(encoding="utf-8"))
    assert {e["category"] for e in lex["entries"]} == set(safety.CATEGORIES)


def test_broken_yaml_names_the_file(safety_root):
    path = safety_root / "lexicon.yaml"
    path.write_text("entries: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ContentError) as err:
        safety.screen_text("anything")
    assert err.value.path == path
    assert "lexicon.yaml" in str(err.value)
    assert "not valid YAML" in str(err.value)


def test_unknown_category_names_file_and_path(safety_root):
    path = safety_root / "lexicon.yaml"
    _edit(path, lambda d: d["entries"][0].update(category="sadness"))
    with pytest.raises(ContentError) as err:
        safety.screen_text("anything")
    assert err.value.path == path
    assert err.value.where.startswith("entries[0]")
    assert "category" in err.value.where


def test_bad_pattern_names_the_entry(safety_root):
    path = safety_root / "lexicon.yaml"
    _edit(path, lambda d: d["entries"][1]["patterns"].append("(unclosed"))
    with pytest.raises(ContentError, match="not a valid pattern") as err:
        safety.screen_text("anything")
    assert err.value.path == path
    assert "entries[1]" in err.value.where and "patterns" in err.value.where


def test_unknown_macro_is_refused(safety_root):
    _edit(safety_root / "lexicon.yaml", lambda d: d["entries"][0]["patterns"].append("{nosuchmacro} x"))
    with pytest.raises(ContentError, match="unknown macro"):
        safety.screen_text("anything")


def test_examples_are_checked_on_load(safety_root):
    _edit(safety_root / "lexicon.yaml", lambda d: d["entries"][0]["examples"].append("a sunny walk in the park"))
    with pytest.raises(ContentError, match="does not match this entry") as err:
        safety.screen_text("anything")
    assert "examples" in err.value.where


def test_not_examples_are_checked_on_load(safety_root):
    _edit(safety_root / "lexicon.yaml", lambda d: d["entries"][0].setdefault("not_examples", []).append("I'm not suicidal"))
    with pytest.raises(ContentError, match="matches this entry"):
        safety.screen_text("anything")


def test_duplicate_entry_ids_are_refused(safety_root):
    def dup(d):
        d["entries"].append(dict(d["entries"][0]))
    _edit(safety_root / "lexicon.yaml", dup)
    with pytest.raises(ContentError, match="duplicate entry id"):
        safety.screen_text("anything")


def test_missing_lexicon(safety_root):
    (safety_root / "lexicon.yaml").unlink()
    with pytest.raises(ContentError, match="missing"):
        safety.screen_text("anything")


def test_lexicon_edits_change_behaviour_without_code(safety_root):
    def add(d):
        d["entries"].append({
            "id": "test_phrase", "category": "self_harm", "description": "A test phrase.",
            "patterns": ["purple elephant"], "examples": ["a purple elephant"],
        })
    _edit(safety_root / "lexicon.yaml", add)
    result = safety.screen_text("I saw a Purple  Elephant")
    assert result.categories == ("self_harm",)
    assert result.matches[0].entry == "test_phrase"
    assert result.matches[0].text == "Purple  Elephant"


# --------------------------------------------------------------------------- resources


def test_english_resources():
    safety.clear_cache()
    res = crisis.resources("en")
    assert "999" in res.emergency.text and "112" in res.emergency.text and "911" in res.emergency.text
    assert "000" in res.emergency.text
    numbers = {line.name: line.number for line in res.lines}
    assert numbers["Samaritans"] == "116 123"
    assert numbers["988 Suicide & Crisis Lifeline"] == "988"
    assert numbers["National Domestic Abuse Helpline"] == "0808 2000 247"
    assert numbers["National Domestic Violence Hotline"] == "1-800-799-7233"
    assert any(line.url == "findahelpline.com" for line in res.lines)
    for line in res.lines:
        assert line.for_whom and line.region


def test_resources_text_starts_with_saved_and_not_watched():
    lines = crisis.resources_text(crisis.resources())
    assert "saved" in lines[0].lower()
    assert "not watched in real time" in lines[0]
    assert any("116 123" in line for line in lines)
    assert any("999" in line for line in lines)


def test_resources_text_puts_relevant_lines_first_but_keeps_all():
    res = crisis.resources()
    plain = crisis.resources_text(res)
    abuse = crisis.resources_text(res, ["abuse_danger"])
    assert sorted(plain) == sorted(abuse)
    first_line = next(line for line in abuse if line.startswith("- "))
    assert "Domestic" in first_line


def test_resources_html_starts_with_saved_and_has_no_links():
    page = crisis.resources_html(crisis.resources())
    first_p = page.split("<p>", 1)[1].split("</p>", 1)[0]
    assert "saved" in first_p and "not watched in real time" in first_p
    assert "<a " not in page and "href" not in page
    assert "988 Suicide &amp; Crisis Lifeline" in page


def test_resources_html_escapes_everything(safety_root):
    path = safety_root / "resources" / "en.yaml"

    def inject(d):
        d["saved_notice"] = "Saved <b>now</b> & not watched in real time."
        d["lines"][0]["name"] = "<script>alert('x')</script>"
        d["lines"][0]["for_whom"] = 'People "in" <danger>'
        d["lines"][0]["url"] = "example.org/?a=1&b=2"
    _edit(path, inject)
    page = crisis.resources_html(crisis.resources())
    assert "<script>" not in page and "<b>" not in page and "<danger>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Saved &lt;b&gt;now&lt;/b&gt; &amp; not watched" in page
    assert "&quot;in&quot; &lt;danger&gt;" in page
    assert "example.org/?a=1&amp;b=2" in page


def test_missing_emergency_is_refused(safety_root):
    path = safety_root / "resources" / "en.yaml"
    _edit(path, lambda d: d.pop("emergency"))
    with pytest.raises(ContentError) as err:
        crisis.resources("en")
    assert err.value.path == path
    assert err.value.where == "emergency"


def test_emergency_without_a_number_is_refused(safety_root):
    _edit(safety_root / "resources" / "en.yaml", lambda d: d["emergency"].update(number="ask someone"))
    with pytest.raises(ContentError, match="must contain a number"):
        crisis.resources("en")


def test_crisis_line_needs_number_or_url(safety_root):
    def strip(d):
        d["lines"][0]["number"] = ""
        d["lines"][0]["url"] = ""
    _edit(safety_root / "resources" / "en.yaml", strip)
    with pytest.raises(ContentError, match="needs a 'number' or a 'url'") as err:
        crisis.resources("en")
    assert err.value.where.startswith("lines[0]")


def test_unknown_resources_language(safety_root):
    with pytest.raises(ContentError, match="available: en"):
        crisis.resources("xx")


def test_resources_language_must_match_file_name(safety_root):
    shutil.copy(safety_root / "resources" / "en.yaml", safety_root / "resources" / "fr.yaml")
    with pytest.raises(ContentError, match="file is named 'fr'"):
        crisis.resources("fr")
