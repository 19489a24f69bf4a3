"""The intake check's results: the shareable card, the action report's content and plain lines.

Everything here is content text and numbers; nothing the person typed is on the card."""

from __future__ import annotations

import io
from typing import Any

from securebase import content
from securebase.content import scales
from securebase.intake.assessments import Assessment

INSTRUMENT = "relationship_check"
FILES = ("result_card.png", "action_report.html", "result.json")
DISCLAIMER = "A reflective tool, not a diagnosis."


# ---------------------------------------------------------------- the card


def result_card_png(instrument: scales.Instrument, result: dict[str, Any]) -> bytes:
    """The shareable card: the two axes, the person's point, the pattern's name. No identifying data."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = instrument.plot
    scores = {k: v["score"] for k, v in result["subscales"].items()}
    lo, hi = instrument.response_scale.min, instrument.response_scale.max
    fig, ax = plt.subplots(figsize=(6, 6.6), dpi=100, layout="constrained")
    if axes is not None:
        cut = axes.cut if axes.cut is not None else (lo + hi) / 2
        ax.axvline(cut, color="#c9d3df", lw=1)
        ax.axhline(cut, color="#c9d3df", lw=1)
        pattern = result["classifications"].get("security_pattern", {})
        names = {r.id: r.label for cl in instrument.classifications if cl.id == "security_pattern" for r in cl.rules}
        corners = {"secure": (lo, lo, "left", "bottom"), "anxious": (lo, hi, "left", "top"),
                   "avoidant": (hi, lo, "right", "bottom"), "fearful": (hi, hi, "right", "top")}
        for rule_id, (x, y, ha, va) in corners.items():
            if rule_id in names:
                mine = pattern.get("rule") == rule_id
                ax.text(x + (0.15 if ha == "left" else -0.15), y + (0.15 if va == "bottom" else -0.15), names[rule_id],
                        ha=ha, va=va, fontsize=9, color="#1d2430" if mine else "#7a8699",
                        weight="bold" if mine else "normal")
        x, y = scores.get(axes.x), scores.get(axes.y)
        if x is not None and y is not None:
            ax.scatter([x], [y], s=160, color="#2f6db5", zorder=3, edgecolor="white", linewidth=2)
        ax.set_xlim(lo - 0.2, hi + 0.2)
        ax.set_ylim(lo - 0.2, hi + 0.2)
        ax.set_xlabel(f"{instrument.subscale(axes.x).label} \u2192")
        ax.set_ylabel(f"{instrument.subscale(axes.y).label} \u2192")
        title = pattern.get("name", "No pattern: too many statements were skipped")
    else:
        title = instrument.title
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title, fontsize=15, weight="bold", pad=12)
    fig.supxlabel(f"Secure Base \u00b7 {instrument.title} \u00b7 {DISCLAIMER}", fontsize=8, color="#5a6372")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


# ---------------------------------------------------------------- the report


def report_context(instrument: scales.Instrument, assessment: Assessment, language: str = "en") -> dict[str, Any]:
    """Everything the action report shows: content text and numbers only."""
    result = scales.ScaleResult(
        assessment.instrument_id, assessment.instrument_version, assessment.scoring_version,
        {k: scales.SubscaleScore(**v) for k, v in assessment.result["subscales"].items()},
        assessment.result["classifications"],
    )
    recs = []
    for rec in scales.recommendations(instrument, result):
        program = content.program(rec.program)
        phase = program.phase(rec.phase)
        because = [f"{instrument.subscale(c.subscale).label}: {result.scores[c.subscale]:g}" for c in rec.when]
        recs.append({
            "program": program.title, "phase": phase.title, "why": rec.why, "because": because,
            "exercises": [phase.exercise(e).title for e in rec.exercises],
            "notebook": f"notebooks/{program.id}/{phase.number:02d}_{phase.id}.ipynb",
        })
    return {
        "instrument": instrument, "result": result, "recommendations": recs,
        "administered_on": assessment.administered_at[:10], "disclaimer": DISCLAIMER,
        "privacy_note": content.locale(language).text("privacy_note"),
    }


def result_lines(instrument: scales.Instrument, assessment: Assessment) -> list[str]:
    lines = [f"{instrument.title} ({DISCLAIMER})"]
    for sub in assessment.result["subscales"].values():
        value = f"{sub['score']:g}" if sub["score"] is not None else f"not scored ({sub['note']})"
        lines.append(f"  {sub['label']}: {value}" + (f" - {sub['band']}" if sub.get("band") else ""))
    for cl in assessment.result["classifications"].values():
        lines.append(f"{cl['label']}: {cl['name']}. {cl['text']}")
    return lines
