"""The scale engine: scoring against hand-computed examples, reverse keys, the missing-item rule,
band edges, classifications, reliable change, and instruments that drop in as files."""

import math
from pathlib import Path

import pytest
import yaml

from securebase import content
from securebase.content import scales
from securebase.core.errors import ContentError
from securebase.content.scales import ScaleError, reliable_change, score


def tiny(**overrides):
    """A hand-made instrument: 1-5 scale, subscale a (mean, 3 items, one reversed, 1 may be
    missing) and b (sum, 2 items, none missing), with bands on a."""
    data = {
        "id": "tiny", "title": "Tiny", "version": "2", "scoring_version": "7", "purpose": "Testing.",
        "instructions": "Answer.",
        "response_scale": {"min": 1, "max": 5},
        "items": [
            {"id": "a1", "text": "A one", "subscale": "a"},
            {"id": "a2", "text": "A two", "subscale": "a", "reverse": True},
            {"id": "a3", "text": "A three", "subscale": "a"},
            {"id": "b1", "text": "B one", "subscale": "b"},
            {"id": "b2", "text": "B two", "subscale": "b"},
        ],
        "subscales": [
            {"id": "a", "label": "A", "method": "mean", "max_missing": 1, "decimals": 2,
             "bands": [{"from": 1, "label": "low"}, {"from": 3, "label": "mid"}, {"from": 4.5, "label": "high"}],
             "reliable_change": {"sd": 1.0, "reliability": 0.8, "source": "test"}},
            {"id": "b", "label": "B", "method": "sum"},
        ],
        "classifications": [{"id": "c", "label": "C", "rules": [
            {"id": "up", "when": [{"subscale": "a", "op": ">=", "value": 3}], "label": "Up"},
            {"id": "down", "label": "Down"}]}],
    }
    data.update(overrides)
    return scales.Instrument.model_validate(data)


def test_mean_with_a_reverse_keyed_item():
    # a2 = 2 reversed on 1-5 -> 1 + 5 - 2 = 4; mean(5, 4, 3) = 4.0; b = 2 + 3 = 5
    result = score(tiny(), {"a1": 5, "a2": 2, "a3": 3, "b1": 2, "b2": 3})
    assert result.scores == {"a": 4.0, "b": 5.0}
    assert result.subscales["a"].band == "mid"
    assert (result.instrument_id, result.instrument_version, result.scoring_version) == ("tiny", "2", "7")
    assert result.classifications["c"]["rule"] == "up"


def test_missing_item_rule_and_prorated_sum():
    # one missing in a is allowed: mean(5, 1 + 5 - 1) = mean(5, 5) = 5.0
    result = score(tiny(), {"a1": 5, "a2": 1, "b1": 4, "b2": 4})
    assert result.subscales["a"].score == 5.0 and result.subscales["a"].answered == 2
    # two missing is not: no score, and a reason
    result = score(tiny(), {"a1": 5, "a2": None, "b1": 4, "b2": 4})
    assert result.subscales["a"].score is None and "2 of 3 items unanswered" in result.subscales["a"].note
    assert "c" not in result.classifications              # a classification needs its subscales
    # b allows none missing
    assert score(tiny(), {"a1": 1, "a2": 1, "a3": 1, "b1": 4}).subscales["b"].score is None
    # a sum with one allowed missing item is prorated: mean 4 of 2 answered x 3 items = 12
    prorated = tiny(subscales=[
        {"id": "a", "label": "A", "method": "sum", "max_missing": 1},
        {"id": "b", "label": "B"}], classifications=[])
    assert score(prorated, {"a1": 4, "a2": 2, "b1": 1, "b2": 1}).subscales["a"].score == 12.0


@pytest.mark.parametrize("answers, expected_score, band", [
    ({"a1": 1, "a2": 5, "a3": 1}, 1.0, "low"),            # the lowest possible
    ({"a1": 3, "a2": 3, "a3": 3}, 3.0, "mid"),            # exactly on the 'mid' edge
    ({"a1": 3, "a2": 4, "a3": 3}, 2.67, "low"),           # (3 + 2 + 3) / 3 = 2.666.. -> 2.67, below 3
    ({"a1": 5, "a2": 2, "a3": 5}, 4.67, "high"),          # (5 + 4 + 5) / 3 = 4.666.. -> 4.67
    ({"a1": 4, "a2": 1, "a3": 5}, 4.67, "high"),
    ({"a1": 5, "a2": 2, "a3": 4}, 4.33, "mid"),           # just below 4.5
    ({"a1": 5, "a2": 1}, 5.0, "high"),                    # one item missing, allowed
])
def test_band_edges(answers, expected_score, band):
    result = score(tiny(), {**answers, "b1": 1, "b2": 1}).subscales["a"]
    assert (result.score, result.band) == (expected_score, band)


def test_rounding_happens_before_the_band_is_chosen():
    edge = tiny(subscales=[
        {"id": "a", "label": "A", "decimals": 1, "bands": [{"from": 1, "label": "low"}, {"from": 2.7, "label": "up"}]},
        {"id": "b", "label": "B"}], classifications=[])
    # mean(3, 2, 3) = 2.666.. -> 2.7 on one decimal: shown as 2.7, so the band must be "up"
    result = score(edge, {"a1": 3, "a2": 4, "a3": 3, "b1": 1, "b2": 1}).subscales["a"]
    assert (result.score, result.band) == (2.7, "up")


@pytest.mark.parametrize("responses, message", [
    ({"zz": 3}, "unknown item(s) zz"),
    ({"a1": 6}, "6 is off the scale; answers run from 1 to 5"),
    ({"a1": 2.5}, "2.5 is not a whole number"),
    ({"a1": "4"}, "'4' is not a whole number"),
    ({"a1": True}, "True is not a whole number"),
])
def test_bad_responses_are_explained(responses, message):
    with pytest.raises(ScaleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        score(tiny(), responses)


def test_reliable_change_by_hand():
    sub = tiny().subscale("a")
    # s_diff = sqrt(2) * 1.0 * sqrt(1 - 0.8) = 0.6325; change -1.5 -> RCI = -2.372
    rc = reliable_change(sub, 4.5, 3.0)
    assert rc["s_diff"] == pytest.approx(math.sqrt(2) * math.sqrt(0.2), abs=1e-4)
    assert rc["rci"] == pytest.approx(-1.5 / (math.sqrt(2) * math.sqrt(0.2)), abs=1e-3) and rc["reliable"]
    assert not reliable_change(sub, 4.5, 3.8)["reliable"]       # -0.7 / 0.632 = -1.11
    assert reliable_change(tiny().subscale("b"), 1, 2) is None   # no parameters, no index


@pytest.mark.parametrize("change, message", [
    ({"items": [{"id": "a1", "text": "x", "subscale": "nope"}]}, "names subscale 'nope'"),
    ({"response_scale": {"min": 5, "max": 1}}, "'min' (5) must be below 'max' (1)"),
    ({"subscales": [{"id": "a", "label": "A", "max_missing": 3}, {"id": "b", "label": "B"}]}, "max_missing (3) must be below"),
    ({"subscales": [{"id": "a", "label": "A", "bands": [{"from": 3, "label": "x"}, {"from": 1, "label": "y"}]},
                    {"id": "b", "label": "B"}]}, "increasing order"),
])
def test_broken_instruments_are_refused_with_a_clear_message(change, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tiny(**change)


def test_a_new_instrument_drops_in_as_a_file(tmp_path, monkeypatch):
    root = tmp_path / "content"
    (root / "scales").mkdir(parents=True)
    source = Path(content.content_dir())
    for sub in ("programs", "locales"):
        (root / sub).symlink_to(source / sub)
    data = tiny().model_dump(by_alias=True, exclude_defaults=True)
    data["id"] = "clinic_own"
    (root / "scales" / "clinic_own.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("SECUREBASE_CONTENT", str(root))
    scales.clear_cache()
    try:
        assert list(scales.instruments()) == ["clinic_own"]
        assert score(scales.instrument("clinic_own"), {"a1": 5, "a2": 2, "a3": 3, "b1": 2, "b2": 3}).scores["a"] == 4.0
        (root / "scales" / "broken.yaml").write_text("id: broken\ntitle: x\n")
        scales.clear_cache()
        with pytest.raises(ContentError, match="broken.yaml"):
            scales.instruments()
    finally:
        scales.clear_cache()


def test_the_relationship_check_and_its_references():
    check = scales.instrument("relationship_check")
    assert len(check.items) == 22 and {s.id for s in check.subscales} == {"anxiety", "avoidance", "pursue", "withdraw", "balance"}
    assert "not a diagnosis" in check.purpose
    for rec in check.recommendations:                          # every recommendation points at real content
        phase = content.program(rec.program).phase(rec.phase)
        assert all(phase.exercise(e) for e in rec.exercises)
    # a person high on worry, low on discomfort, who presses in arguments
    answers = {i.id: (7 if i.subscale in ("anxiety", "pursue") else 2) for i in check.items}
    for i in check.items:
        if i.reverse:
            answers[i.id] = 8 - answers[i.id]               # answer reversed items in the same direction
    result = score(check, answers)
    assert result.scores["anxiety"] == 7.0 and result.scores["avoidance"] == 2.0
    assert result.classifications["security_pattern"]["rule"] == "anxious"
    assert result.classifications["conflict_pattern"]["rule"] == "pursuer"
    programs = [(r.program, r.phase) for r in scales.recommendations(check, result)]
    assert programs[:2] == [("sie", "awareness"), ("sie", "acceptance")]


def test_a_recommendation_to_missing_content_is_refused():
    check = scales.instrument("relationship_check")
    rec = check.recommendations[0].model_copy(update={"exercises": ("no_such_exercise",)})
    broken = check.model_copy(update={"recommendations": (rec,)})
    with pytest.raises(ContentError, match=r"recommendations\[0\].*no exercise 'no_such_exercise'"):
        scales.check_references(broken)
