from datetime import date

from securebase.notebook.answers import import_answers, read_answers_file
from securebase.journal.summaries import summarise_phase, top_choices


def _summary(store, sie, today=None):
    store.ensure_client("C-3001")
    import_answers(store, "C-3001", sie, read_answers_file("tests/fixtures/sie_awareness_answers.yaml"))
    entries = store.current_entries("C-3001")
    return summarise_phase(sie, sie.phase("awareness"), entries, today=today)


def test_counts_and_rating_series(store, sie):
    s = _summary(store, sie)
    journal = s["exercises"]["insecurity_pattern_journal"]
    assert s["total_entries"] == 5 and journal["count"] == 2
    assert journal["ratings"]["intensity"]["by_day"] == {"2026-03-02": 8.0, "2026-03-03": 6.0}
    assert journal["ratings"]["intensity"]["mean"] == 7.0
    assert s["days_with_entries"] == 3 and (s["first_day"], s["last_day"]) == ("2026-03-02", "2026-03-04")
    scan = s["exercises"]["signal_scan"]
    assert scan["ratings"]["felt_safety"]["by_day"] == {"2026-03-03": 4.5, "2026-03-04": 7.0}


def test_most_frequent_triggers(store, sie):
    s = _summary(store, sie)
    assert top_choices(s, "insecurity_pattern_journal", "trigger_type") == [
        {"value": "slow_reply", "label": "A reply was slow or missing", "count": 2}
    ]
    emotions = top_choices(s, "insecurity_pattern_journal", "emotions", n=5)
    assert emotions[0] == {"value": "anxiety", "label": "Worry or anxiety", "count": 2}
    body = top_choices(s, "signal_scan", "body_signals", n=10)
    assert {"value": "chest:threat", "label": "Chest and heart: Threat signal", "count": 1} in body


def test_twice_daily_adherence(store, sie):
    s = _summary(store, sie, today=date(2026, 3, 5))
    sched = s["exercises"]["signal_scan"]["schedule"]
    # scans on 3 and 4 March, counted up to 5 March: 3 days x 2 expected, 3 done
    assert sched == {"expected_per_day": 2.0, "days": 3, "completed": 3, "expected": 6, "adherence": 0.5,
                     "by_slot": {"midday": 2, "evening": 1}}
    assert "schedule" not in s["exercises"]["insecurity_pattern_journal"]


def test_empty_summary(sie):
    s = summarise_phase(sie, sie.phase("awareness"), [])
    assert s["total_entries"] == 0 and s["first_day"] is None
    assert s["exercises"]["signal_scan"]["schedule"]["adherence"] is None


def test_derived_values_are_summarised(store, sie):
    from securebase.journal.entries import save_entry

    store.ensure_client("C-3002")
    base = {"planned_action": "Say how I feel", "value_served": "honesty", "feared_prediction": "They will laugh",
            "prediction_probability": 70}
    for day, predicted, actual in (("2026-03-01", 8, 3), ("2026-03-01", 6, 6), ("2026-03-02", 7, 2)):
        save_entry(store, "C-3002", sie, "behavioural_experiment",
                   {**base, "predicted_intensity": predicted, "actual_intensity": actual}, occurred_at=day)
    save_entry(store, "C-3002", sie, "behavioural_experiment", {**base, "predicted_intensity": 9}, occurred_at="2026-03-03")
    s = summarise_phase(sie, sie.phase("values_action"), store.current_entries("C-3002"))
    pe = s["exercises"]["behavioural_experiment"]["derived"]["prediction_error"]
    assert pe["n"] == 3 and pe["mean"] == round((5 + 0 + 5) / 3, 2)
    assert pe["by_day"] == {"2026-03-01": 2.5, "2026-03-02": 5.0}
