"""Adherence to the couple's protocol, from both partners' daily check-ins, against hand-computed figures."""

import pytest

from securebase.couples.adherence import adherence, adherence_lines, rating_agreement, yes_no_agreement
from securebase.journal.entries import save_entry


def checkin(connected=True, signal=False, timeout=False, back=None, felt=6):
    answers = {"connected": connected, "signal_used": signal, "timeout_called": timeout, "felt_connected": felt}
    if back:
        answers["returned_on_time"] = back
    return answers


def test_kappa_matches_a_hand_computation():
    # 15 days: both yes 5, A yes/B no 1, A no/B yes 2, both no 7 -> po = 0.8, pe = (6*7 + 9*8)/225
    pairs = [(True, True)] * 5 + [(True, False)] + [(False, True)] * 2 + [(False, False)] * 7
    result = yes_no_agreement(pairs)
    pe = (6 * 7 + 9 * 8) / 225
    assert result["agree"] == 12 and result["percent"] == 0.8
    assert result["kappa"] == pytest.approx((0.8 - pe) / (1 - pe), abs=1e-3)


def test_kappa_is_undefined_when_both_always_say_the_same_single_thing():
    assert yes_no_agreement([(False, False)] * 4) == {"days": 4, "agree": 4, "percent": 1.0, "kappa": None}
    assert yes_no_agreement([]) == {"days": 0, "agree": 0, "percent": None, "kappa": None}


def test_rating_agreement():
    # deviations from the means 17/3 and 20/3: (1/3, 7/3, -8/3) and (1/3, 4/3, -5/3)
    # r = (1 + 28 + 40)/9 / sqrt((1 + 49 + 64)/9 * (1 + 16 + 25)/9) = 69 / sqrt(114 * 42)
    assert rating_agreement([(6, 7), (8, 8), (3, 5)]) == {
        "days": 3, "mean_abs_difference": 1.0, "correlation": pytest.approx(69 / (114 * 42) ** 0.5, abs=1e-3)}
    assert rating_agreement([(5, 5), (5, 6)])["correlation"] is None   # too few days


def test_couple_figures(store, asb, couple):
    dyad, a, b = couple
    day = lambda d: f"2026-04-{d:02d} 21:00"  # noqa: E731
    # A: day 1 timeout back on time, day 2 timeout late + signal, day 3 nothing, day 4 only A
    save_entry(store, a, asb, "daily_checkin", checkin(timeout=True, back="yes", felt=4), occurred_at=day(1))
    save_entry(store, a, asb, "daily_checkin", checkin(signal=True, timeout=True, back="no", felt=5), occurred_at=day(2))
    save_entry(store, a, asb, "daily_checkin", checkin(felt=8), occurred_at=day(3))
    save_entry(store, a, asb, "daily_checkin", checkin(connected=False, felt=3), occurred_at=day(4))
    # B: day 1 agrees on the timeout, day 2 misses the signal, day 3 reports twice (the later counts)
    save_entry(store, b, asb, "daily_checkin", checkin(timeout=True, back="yes", felt=5), occurred_at=day(1))
    save_entry(store, b, asb, "daily_checkin", checkin(timeout=True, back="no", felt=5), occurred_at=day(2))
    save_entry(store, b, asb, "daily_checkin", checkin(signal=True, felt=2), occurred_at="2026-04-03 08:00")
    save_entry(store, b, asb, "daily_checkin", checkin(felt=7), occurred_at=day(3))
    save_entry(store, b, asb, "daily_checkin", checkin(signal=True), occurred_at=day(9))   # after 'until'

    f = adherence(store, dyad, until="2026-04-08")
    assert f["days_with_reports"] == 4 and f["days_both_reported"] == 3
    assert f["partners"]["A"] == {
        "days_reported": 4, "timeouts_called": 2, "returned_on_time": 1, "returned_late": 1, "on_time_rate": 0.5,
        "signal_days": 1, "connected_days": 3}
    assert f["partners"]["B"]["days_reported"] == 3 and f["partners"]["B"]["signal_days"] == 0
    assert f["couple"] == {"timeout_days": 2, "signal_days": 1}
    assert f["agreement"]["timeout_called"]["agree"] == 3
    assert f["agreement"]["signal_used"] == {"days": 3, "agree": 2, "percent": 0.667, "kappa": 0.0}
    assert f["agreement"]["felt_connected"]["mean_abs_difference"] == pytest.approx((1 + 0 + 1) / 3, abs=1e-3)
    text = "\n".join(adherence_lines(f))
    assert "Partner A: 4 check-ins; 2 timeouts, 1 returned on time, 1 late (50% on time)" in text
    assert "'The signal was used': 2 of 3 days (67%), kappa 0.00" in text


def test_notes_never_reach_the_figures(store, asb, couple):
    dyad, a, b = couple
    save_entry(store, a, asb, "daily_checkin", {**checkin(), "note": "PRIVATE NOTE"}, occurred_at="2026-04-01 20:00")
    assert "PRIVATE" not in repr(adherence(store, dyad))
