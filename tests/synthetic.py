"""A deterministic synthetic client for the "Security through Interpersonal Effectiveness" program.

``synthetic_client(seed, start)`` returns, for each phase of ``sie``, a list of answers-file
entries (``{"exercise", "occurred_at", "answers"}``) dated inside that phase's day window,
counted from ``start`` (day 1). ``write_answers`` writes them as one answers file per phase,
ready for a batch run of that phase's notebook.

Everything is invented: the texts are generic, plain-English examples, and no entry names
or describes a real person. The same seed always gives the same client.

The client improves over the program, with day-to-day noise: insecurity intensities drift
down from about 7 to about 3, felt safety and calm drift up, and in the values experiments
the fear overestimates less and less (predicted minus felt intensity falls towards 0).
Every entry passes the workbook's validation; exercises with a schedule are sometimes
missed, as real clients do.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from securebase import content


class NoAliasDumper(yaml.SafeDumper):
    """Answers files are read without YAML aliases (securebase.core.inputfiles): write shared values out."""

    def ignore_aliases(self, data):
        return True


PROGRAM_ID = "sie"

Entry = dict[str, Any]

# ---------------------------------------------------------------- text pools

_JOURNAL_MOMENTS = [
    ("A message went unanswered for most of the afternoon.", "slow_reply"),
    ("They read my message and did not reply until the evening.", "slow_reply"),
    ("They were away on a work trip and called later than they said.", "partner_away"),
    ("They spent the evening with friends and I stayed at home.", "partner_away"),
    ("They were on their phone for most of dinner.", "attention_elsewhere"),
    ("They talked to someone else at the party for a long time.", "attention_elsewhere"),
    ("They said I had forgotten to pay a bill.", "criticism_conflict"),
    ("We disagreed about where to spend the holidays.", "criticism_conflict"),
    ("Plans for the weekend were cancelled at short notice.", "change_of_plans"),
    ("They moved our dinner to another day.", "change_of_plans"),
    ("They seemed quiet and distant when they came home.", "distance_coolness"),
    ("The goodbye this morning felt short and cool.", "distance_coolness"),
    ("A song reminded me of how my last relationship ended.", "reminder_of_past"),
    ("A friend talked about being left, and it brought back old memories.", "reminder_of_past"),
    ("I could not find the birthday card I had kept from them.", "other"),
]
_THOUGHTS = [
    "They are losing interest in me.",
    "I am too much for them.",
    "Something is wrong between us.",
    "They would rather be somewhere else.",
    "This is going to end, like last time.",
    "I am not a priority for them.",
    "They are angry with me and will not say so.",
]
_BEHAVIOURS = [
    "Sent several more messages.",
    "Checked when they were last online, again and again.",
    "Went quiet and waited for them to notice.",
    "Asked if everything was all right between us.",
    "Scrolled through old messages looking for signs.",
    "Kept busy and tried not to think about it.",
]
_OUTCOMES = [
    "Some relief when they answered.",
    "A short break from the worry.",
    "I felt calmer for a little while.",
    "Nothing much; the worry stayed.",
]
_COSTS = [
    "They may feel watched or pressured.",
    "I trust myself a bit less each time.",
    "We spend our evenings on my worries instead of on us.",
    "I lose time and sleep to checking.",
]
_SCAN_NOTES = [
    "A tight band across the shoulders.",
    "Warmth in the chest after a slow breath.",
    "A knot in the stomach that eased a little.",
    "Loose hands and a slow breath.",
    "A fluttering feeling under the ribs.",
]
_MILD_MOMENTS = [
    "A short wait for a reply about dinner plans.",
    "They said they were too tired to talk tonight.",
    "A goodbye text without the usual heart.",
    "They went to bed before me without saying much.",
    "They laughed at a message from someone else.",
    "They forgot to ask how my day had been.",
]
_BODY_DESCRIPTIONS = ["A tight band.", "A heavy stone.", "A flutter.", "Some heat.", "A lump in the throat."]
_PERMISSIONS = [
    "It's all right that you're here.",
    "I'll make some room for you.",
    "You can stay for a while.",
    "I can feel this and still be all right.",
]
_CHANGES = [
    "The feeling eased a little once I stopped pushing it away.",
    "It grew for a moment and then settled.",
    "Not much changed, but it felt more bearable.",
    "It moved from my chest to my stomach and then faded.",
    "It softened after a few breaths.",
]
_SEEN = ["blue mug", "window frame", "pile of books", "my phone", "the lamp", "a plant", "the door",
         "a picture frame", "my shoes", "the clock", "a red cushion", "the curtains"]
_TOUCHED = ["wool blanket", "cold table", "my sleeve", "sofa arm", "my keys", "a smooth stone",
            "the rough wall", "a paper bag"]
_HEARD = ["traffic outside", "the fridge humming", "my own breathing", "birds", "rain on the window",
          "a neighbour's radio", "footsteps upstairs"]
_SMELLED = ["coffee", "hand soap", "fresh bread", "my jumper", "cut grass"]
_TASTED = ["toothpaste", "a sip of water", "tea", "mint"]
_RECORD_SITUATIONS = [
    "They went out with colleagues and did not message during the evening.",
    "They asked for a quiet evening on their own.",
    "We argued about the holidays and went to bed without making up.",
    "They did not comment on the photo I sent.",
    "They talked about moving for work one day.",
]
_EVIDENCE_FOR = [
    "They did not text for several hours.",
    "They were quieter than usual this week.",
    "We argued yesterday.",
    "I could not find any facts; it is mostly a feeling.",
]
_EVIDENCE_AGAINST = [
    "They invited me along and said they missed me when they came home.",
    "They planned a walk with me for Sunday.",
    "We sorted out the argument by the evening.",
    "They told me last week how much they enjoy our time together.",
    "The same fear has not come true the last few times.",
]
_FRIEND_ADVICE = [
    "One quiet evening does not say much about the whole relationship.",
    "You are allowed to need reassurance, and you can also wait and see.",
    "Ask them, kindly, rather than guessing.",
]
_BALANCED = [
    "They are busy, and they still care; both things can be true.",
    "Needing rest is about their week, not about me being too much.",
    "Couples disagree and repair, and we did both.",
    "I do not know what they think until I ask, and so far the signs are good.",
]
_COPING = [
    "I would lean on my friends and my family, and I would get through it.",
    "I have got through hard endings before, and I would again.",
    "I would talk it through with my clinician and take it one day at a time.",
]
_EMOTION_WORDS = ["fear", "sadness", "anxiety", "shame", "anger"]
_SAFETY_STATEMENTS = [
    ("What I'm feeling is an alarm, not a report on the facts.", "A thought record"),
    ("I can wait for an answer and still be all right.", "A session with my clinician"),
    ("Old hurts are history, not a forecast.", "Something a friend once said"),
    ("Feeling shaky doesn't stop me doing what I care about.", "A thought record"),
    ("A slow reply is about their day, not about my worth.", "A thought record"),
]
_RETIRED_STATEMENTS = [
    ("If they are quiet, I should check that we are all right.", "An old habit"),
    ("I must keep my worries to myself so I am not too much.", "An old note to myself"),
]
_DEFUSION_THOUGHTS = [
    "they're getting bored of me",
    "I always ruin things",
    "they will leave sooner or later",
    "I am not interesting enough",
    "something bad is about to happen",
]
_SECURE_SELF = [
    "I would stop checking when they were last online and plan my own evenings.",
    "I would say what I need without testing them first.",
    "I would share worries calmly instead of hinting at them.",
]
_WHAT_I_VALUE = [
    "Being honest with each other and still having lives of our own.",
    "Warmth, fun and standing by each other.",
    "Kindness in small things, and trust that we both mean well.",
]
_SMALL_STEPS = [
    "Tell my partner one thing I appreciated about today.",
    "Let a slow reply be, and get on with my evening.",
    "Suggest a film night instead of waiting to be asked.",
]
_EXPERIMENTS = {
    "trust": ("Wait until the morning before sending a second message.",
              "They will think I do not care, and I will lie awake all night."),
    "honesty": ("Tell my partner I felt left out, without blaming them.",
                "They will get defensive and we will argue."),
    "independence": ("Spend Saturday morning at my class without checking my phone.",
                     "I will miss something important and feel guilty all day."),
    "courage": ("Ask for what I want for my birthday instead of hinting.",
                "They will think I am demanding."),
    "warmth": ("Give a compliment out of the blue.",
               "They will think it is odd and brush it off."),
    "playfulness": ("Suggest something silly to do together on a weekday.",
                    "They will be too tired and I will feel rejected."),
    "loyalty": ("Stand up for their idea in front of my family.",
                "My family will be annoyed and it will be awkward."),
    "respect": ("Let them make the weekend plans without stepping in.",
                "The plans will go badly and I will be anxious the whole time."),
    "growth": ("Encourage them to take the course they mentioned, even though it means evenings apart.",
               "They will get used to being without me."),
    "closeness": ("Share a worry from my childhood.", "They will see me as needy."),
    "fairness": ("Say that I would like us to share the cooking more evenly.",
                 "They will feel criticised and go quiet."),
    "kindness": ("Bring them tea while they work, and leave without asking for attention.",
                 "They will not notice and I will feel invisible."),
    "curiosity": ("Ask about their day and just listen.", "They will have nothing to say to me."),
    "commitment": ("Talk about plans for next summer.", "They will avoid the topic and I will panic."),
}
_WHAT_HAPPENED = [
    "It went better than I expected; they were glad I said something.",
    "They replied in the morning as if nothing was wrong.",
    "It was a little awkward at first and then fine.",
    "They thanked me and we talked for a while.",
    "They were busy, so it was a short exchange, but friendly.",
]
_LEARNED = [
    "The worry peaks early and then fades.",
    "My fear guessed worse than what happened.",
    "I can feel anxious and still do what matters to me.",
    "Asking plainly works better than testing.",
]
_GRATITUDE = [
    "They made me tea without asking", "A long hug at the door", "They laughed at my bad joke",
    "They remembered my meeting", "We cooked together", "A kind message at lunch", "They fixed the bike light",
    "A quiet walk after dinner", "They asked about my sister", "They saved me the last biscuit",
    "We shared a playlist", "They listened when I was tired", "A warm goodnight", "They planned a day out",
    "They thanked me for dinner", "We laughed about the cat", "They held my hand on the bus",
    "They sent a photo from their day", "A long talk on the sofa", "They covered me with a blanket",
]
_SAVOURING = [
    ("Laughing together over a burnt pizza.", "The crinkles around their eyes and warmth in my chest."),
    ("Sitting quietly with coffee on the balcony.", "The steam from the cups and the sound of birds."),
    ("A slow dance in the kitchen.", "Their hand on my back and a loose feeling in my shoulders."),
    ("Reading side by side on a rainy afternoon.", "The rain and how still my breathing was."),
    ("They brought me flowers from the market.", "The colour of the tulips and their shy smile."),
]
_SETBACKS = [
    ("They were out late and their phone was off.", "Sent message after message and checked their location."),
    ("A short reply after I shared some good news.", "Went silent for the rest of the evening."),
    ("They forgot our plans for the evening.", "Asked again and again if they still loved me."),
    ("They seemed distracted all weekend.", "Looked through old messages for signs."),
]
_SELF_COMPASSION = [
    "This is hard, and it makes sense that old habits show up when I'm worn out.",
    "One bad evening does not undo weeks of practice.",
    "Anyone with my history would feel this; I can be kind to myself.",
]
_NEEDS_ATTENTION = [
    "I have been sleeping badly all week.",
    "Work has been stressful and I have skipped my practice.",
    "I have a need I have not said out loud yet.",
]
_WHAT_HELPED = [
    "Grounding, then going to bed and talking in the morning.",
    "Reading my safety statements.",
    "A walk, and then telling them calmly how I felt.",
]
_NOURISHED = [
    "Did the morning meditation.", "Let a slow reply be.", "Wrote three good things before bed.",
    "Went to my class and enjoyed it without checking my phone.", "Read my safety statements on the bus.",
    "Told my partner something I appreciated.", "Took a walk on my own and liked it.",
]
_TRIGGERED = [
    "When plans for Friday changed.", "When a message went unanswered over lunch.",
    "When they seemed tired and quiet.", "When a friend mentioned a break-up.",
]
_RESPONDED = [
    "I asked what had happened instead of going quiet.", "Noticed the urge to check and let it pass.",
    "I used the grounding exercise and then got on with my evening.", "I waited and the worry faded.",
]
_PHRASES = ["Right now, I am all right.", "I can let myself rest.", "I am safe enough in this moment."]
_MEDITATION_NOTES = [
    "My mind wandered twice and I came back to my breath.",
    "My shoulders dropped halfway through.",
    "Hard to settle today, but I stayed with it.",
]
_VALUES = [c.value for c in content.program(PROGRAM_ID).phase("values_action").exercise("values_clarification")
           .field("values").choices]

# ---------------------------------------------------------------- helpers


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, int(round(value))))


def _level(day: int) -> float:
    """The client's underlying insecurity on a program day: about 7 on day 1, about 3 by day 60."""
    return 7.2 - 4.2 * min(1.0, max(0.0, (day - 1) / 59))


def _intensity(rng: random.Random, day: int, shift: float = 0.0, sd: float = 1.1) -> int:
    return _clamp(_level(day) + shift + rng.gauss(0, sd), 0, 10)


def _stamp(start: date, day: int, minute: int) -> str:
    """``YYYY-MM-DD HH:MM`` of a minute of the day on a program day (day 1 is ``start``)."""
    when = start + timedelta(days=day - 1)
    return f"{when.isoformat()} {minute // 60:02d}:{minute % 60:02d}"


def _minutes(rng: random.Random, n: int, low: int, high: int) -> list[int]:
    """``n`` distinct minutes of the day between ``low`` and ``high`` (in minutes after midnight)."""
    return sorted(rng.sample(range(low, high + 1), n))


def _entry(exercise: str, occurred_at: str, answers: dict[str, Any]) -> Entry:
    return {"exercise": exercise, "occurred_at": occurred_at, "answers": answers}


def _maybe(rng: random.Random, p: float, answers: dict[str, Any], key: str, value: Any) -> None:
    if rng.random() < p:
        answers[key] = value


# ---------------------------------------------------------------- phases
# Each generator gets the program days [first, last] of its phase and returns its entries.


def _awareness(rng: random.Random, start: date, first: int, last: int) -> list[Entry]:
    out: list[Entry] = []
    for day in range(first, last + 1):
        n_journal = rng.choice([1, 1, 2, 2, 3]) if rng.random() < 0.85 else 0
        for minute in _minutes(rng, n_journal, 8 * 60, 22 * 60 + 30):
            trigger, kind = rng.choice(_JOURNAL_MOMENTS)
            answers: dict[str, Any] = {
                "trigger": trigger,
                "trigger_type": kind,
                "emotions": rng.sample(["fear", "anxiety", "sadness", "anger", "shame", "jealousy", "loneliness"],
                                       rng.randint(1, 3)),
                "automatic_thoughts": rng.choice(_THOUGHTS),
                "behaviour": rng.choice(_BEHAVIOURS),
                "intensity": _intensity(rng, day, shift=0.5),
            }
            _maybe(rng, 0.7, answers, "body_sensations",
                   rng.sample(["racing_heart", "shallow_breathing", "tight_chest", "stomach_knot", "tense_shoulders",
                               "clenched_jaw", "heat_flush", "restlessness", "heaviness"], rng.randint(1, 3)))
            _maybe(rng, 0.6, answers, "short_term_outcome", rng.choice(_OUTCOMES))
            _maybe(rng, 0.5, answers, "long_term_cost", rng.choice(_COSTS))
            out.append(_entry("insecurity_pattern_journal", _stamp(start, day, minute), answers))
        for slot, low, high in (("midday", 11 * 60 + 45, 13 * 60 + 30), ("evening", 20 * 60, 22 * 60)):
            if rng.random() < 0.12:  # a missed scan
                continue
            level = _level(day)
            locations = rng.sample(["head", "jaw", "throat", "shoulders", "chest", "breathing", "stomach", "hands",
                                    "legs"], rng.randint(1, 4))
            signals = {loc: ("threat" if rng.random() < level / 10 else "safety") for loc in locations}
            answers = {"slot": slot, "body_signals": signals, "felt_safety": _clamp(10 - level + rng.gauss(0, 1.2), 0, 10)}
            _maybe(rng, 0.4, answers, "notes", rng.choice(_SCAN_NOTES))
            out.append(_entry("signal_scan", _stamp(start, day, rng.randint(low, high)), answers))
    if not any(e["exercise"] == "insecurity_pattern_journal" for e in out):
        trigger, kind = _JOURNAL_MOMENTS[0]
        out.append(_entry("insecurity_pattern_journal", _stamp(start, first, 21 * 60), {
            "trigger": trigger, "trigger_type": kind, "emotions": ["anxiety"],
            "automatic_thoughts": _THOUGHTS[0], "behaviour": _BEHAVIOURS[0], "intensity": _intensity(rng, first)}))
    return out


def _acceptance(rng: random.Random, start: date, first: int, last: int) -> list[Entry]:
    out: list[Entry] = []
    for day in range(first, last + 1):
        n_practice = (2 if rng.random() < 0.2 else 1) if rng.random() < 0.85 else 0
        for minute in _minutes(rng, n_practice, 7 * 60, 22 * 60):
            before = _clamp(_level(day) - 1.5 + rng.gauss(0, 1), 1, 6)  # mild moments, as the step asks
            answers: dict[str, Any] = {
                "experience": rng.choice(_MILD_MOMENTS),
                "intensity_before": before,
                "body_location": rng.sample(["head", "jaw", "throat", "shoulders", "chest", "stomach", "hands"],
                                            rng.randint(1, 2)),
                "intensity_after": _clamp(before - rng.choice([0, 1, 1, 2, 2, 3]), 0, 10),
                "what_changed": rng.choice(_CHANGES),
            }
            _maybe(rng, 0.7, answers, "body_description", rng.choice(_BODY_DESCRIPTIONS))
            _maybe(rng, 0.7, answers, "permission_phrase", rng.choice(_PERMISSIONS))
            out.append(_entry("acceptance_practice", _stamp(start, day, minute), answers))
        if rng.random() < 0.4 or (day == last and not any(e["exercise"] == "grounding_54321" for e in out)):
            before = _intensity(rng, day, shift=1.5)
            answers = {
                "intensity_before": before,
                "seen": rng.sample(_SEEN, 5),
                "touched": rng.sample(_TOUCHED, 4),
                "heard": rng.sample(_HEARD, 3),
                "intensity_after": _clamp(before - rng.choice([1, 2, 2, 3, 4]), 0, 10),
            }
            n_smell = rng.choice([0, 1, 2, 2])
            if n_smell:
                answers["smelled"] = rng.sample(_SMELLED, n_smell)
            _maybe(rng, 0.6, answers, "tasted", [rng.choice(_TASTED)])
            out.append(_entry("grounding_54321", _stamp(start, day, rng.randint(22 * 60 + 31, 23 * 60 + 30)), answers))
    if not any(e["exercise"] == "acceptance_practice" for e in out):
        out.append(_entry("acceptance_practice", _stamp(start, first, 19 * 60), {
            "experience": _MILD_MOMENTS[0], "intensity_before": 4, "body_location": ["chest"],
            "intensity_after": 3, "what_changed": _CHANGES[0]}))
    return out


def _restructuring(rng: random.Random, start: date, first: int, last: int) -> list[Entry]:
    out: list[Entry] = []
    span = last - first + 1
    for day in range(first, last + 1):
        if rng.random() < 0.75 or day == first:
            belief = _clamp(60 + 6 * (_level(day) - 5) + rng.gauss(0, 10), 20, 100)
            answers: dict[str, Any] = {
                "automatic_thought": rng.choice(_THOUGHTS),
                "belief_before": belief,
                "evidence_for": rng.choice(_EVIDENCE_FOR),
                "evidence_against": rng.choice(_EVIDENCE_AGAINST),
                "balanced_view": rng.choice(_BALANCED),
                "belief_after": _clamp(belief - rng.uniform(10, 40), 0, 100),
            }
            _maybe(rng, 0.8, answers, "situation", rng.choice(_RECORD_SITUATIONS))
            if rng.random() < 0.7:
                emotion_before = _intensity(rng, day, shift=0.5)
                answers["emotion"] = rng.choice(_EMOTION_WORDS)
                answers["emotion_before"] = emotion_before
                answers["emotion_after"] = _clamp(emotion_before - rng.choice([1, 2, 2, 3]), 0, 10)
            _maybe(rng, 0.6, answers, "friend_advice", rng.choice(_FRIEND_ADVICE))
            _maybe(rng, 0.4, answers, "coping_with_worst", rng.choice(_COPING))
            out.append(_entry("thought_record", _stamp(start, day, rng.randint(18 * 60, 22 * 60)), answers))
        if rng.random() < 0.55 or day == last:
            before = _clamp(_level(day) + 1 + rng.gauss(0, 1), 2, 10)
            answers = {"thought": rng.choice(_DEFUSION_THOUGHTS)}
            if rng.random() < 0.9:
                answers["how_believable_before"] = before
                answers["how_believable_after"] = _clamp(before - rng.choice([0, 1, 2, 2, 3]), 0, 10)
            out.append(_entry("defusion", _stamp(start, day, rng.randint(7 * 60, 9 * 60)), answers))
    # a few safety statements over the week: active ones that grew out of thought records, and retired ones
    statements = rng.sample(_SAFETY_STATEMENTS, rng.randint(2, 4))
    retired = rng.sample(_RETIRED_STATEMENTS, rng.randint(1, 2))
    for i, ((statement, origin), status) in enumerate(
        [(s, "active") for s in statements] + [(s, "retired") for s in retired]
    ):
        day = first + (i * span) // (len(statements) + len(retired))
        answers = {"statement": statement, "status": status}
        _maybe(rng, 0.8, answers, "origin", origin)
        out.append(_entry("safety_statements", _stamp(start, day, 12 * 60 + 5 * i), answers))
    return out


def _values_action(rng: random.Random, start: date, first: int, last: int) -> list[Entry]:
    out: list[Entry] = []
    span = max(1, last - first)
    clarifications: list[tuple[int, list[str]]] = []  # (day, values picked), oldest first
    for day in [first] + ([first + rng.randint(10, 16)] if rng.random() < 0.6 else []):
        if day > last:
            continue
        values = rng.sample(_VALUES, rng.randint(3, 6))
        clarifications.append((day, values))
        out.append(_entry("values_clarification", _stamp(start, day, 19 * 60 + rng.randint(0, 60)), {
            "secure_self": rng.choice(_SECURE_SELF),
            "what_i_value": rng.choice(_WHAT_I_VALUE),
            "values": values,
            "value_ranking": rng.sample(values, 3),
            "small_step": rng.choice(_SMALL_STEPS),
        }))
    day = first + rng.randint(0, 1)
    while day <= last:
        progress = (day - first) / span  # 0 at the start of the step, 1 at its end
        latest = [values for d, values in clarifications if d <= day]  # values picked most recently
        value = rng.choice(latest[-1] if latest else _VALUES)
        action, fear = _EXPERIMENTS[value]
        actual = _intensity(rng, day, shift=-0.5, sd=1.0)
        overestimate = _clamp(3.8 - 3.0 * progress + rng.gauss(0, 0.9), -1, 10)
        predicted = _clamp(actual + overestimate, 0, 10)
        error = predicted - actual
        compared = ("not_bad_at_all" if actual <= 1 and error > 0 else
                    "less_bad" if error > 0 else "as_bad" if error == 0 else "worse")
        answers: dict[str, Any] = {
            "planned_action": action,
            "value_served": value,
            "feared_prediction": fear,
            "prediction_probability": _clamp(75 - 40 * progress + rng.gauss(0, 8), 5, 95),
            "predicted_intensity": predicted,
            "carried_out": True,
            "what_happened": rng.choice(_WHAT_HAPPENED),
            "actual_intensity": actual,
            "as_bad_as_predicted": compared,
        }
        _maybe(rng, 0.7, answers, "learned", rng.choice(_LEARNED))
        out.append(_entry("behavioural_experiment", _stamp(start, day, rng.randint(17 * 60, 21 * 60)), answers))
        day += rng.choice([2, 2, 3])
    for day in range(first, last + 1):
        if rng.random() < 0.9 or day == first:
            out.append(_entry("gratitude_log", _stamp(start, day, rng.randint(21 * 60 + 30, 22 * 60 + 30)),
                              {"items": rng.sample(_GRATITUDE, 3)}))
        if rng.random() < 0.5 or day == last:
            moment, noticed = rng.choice(_SAVOURING)
            answers = {"moment": moment, "how_it_felt": _clamp(6 + 2 * (day - first) / span + rng.gauss(0, 1.2), 0, 10)}
            _maybe(rng, 0.7, answers, "noticed", noticed)
            out.append(_entry("savouring", _stamp(start, day, rng.randint(8 * 60, 16 * 60)), answers))
    return out


def _integration(rng: random.Random, start: date, first: int, last: int) -> list[Entry]:
    out: list[Entry] = [_entry("maintenance_plan", _stamp(start, first, 18 * 60 + rng.randint(0, 59)), {
        "checkin_weekday": rng.choice(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
        "appreciation_day": rng.randint(1, 28),
        "quarterly_review": "Read back through my entries, compare them with the start, and take what I notice "
                            "to my clinician.",
        "who_to_involve": "My partner for the monthly talk, and my clinician for the reviews.",
        "reminders": "A repeating calendar entry on my phone.",
    })]
    setback_days = [d for d in range(first, last + 1) if rng.random() < 0.15]
    if not setback_days:
        setback_days = [rng.randint(first, last)]
    for day in setback_days:
        what, pattern = rng.choice(_SETBACKS)
        answers: dict[str, Any] = {"what_happened": what, "old_pattern": pattern,
                                   "intensity": _intensity(rng, day, shift=2.0)}
        _maybe(rng, 0.8, answers, "self_compassion", rng.choice(_SELF_COMPASSION))
        _maybe(rng, 0.6, answers, "needs_attention", rng.choice(_NEEDS_ATTENTION))
        _maybe(rng, 0.6, answers, "what_helped", rng.choice(_WHAT_HELPED))
        out.append(_entry("setback_log", _stamp(start, day, rng.randint(19 * 60, 21 * 60)), answers))
    for day in range(first, last + 1):
        if rng.random() < 0.9 or day == first:
            answers = {"nourished": rng.choice(_NOURISHED)}
            if rng.random() < _level(day) / 8:
                answers["triggered"] = rng.choice(_TRIGGERED)
                _maybe(rng, 0.8, answers, "responded_differently", rng.choice(_RESPONDED))
            out.append(_entry("daily_checkin", _stamp(start, day, rng.randint(21 * 60 + 15, 22 * 60 + 45)), answers))
        if rng.random() < 0.85 or day == first:
            calm = _clamp(10 - _level(day) - 1.5 + rng.gauss(0, 1.2), 0, 9)
            answers = {"calm_before": calm, "calm_after": _clamp(calm + rng.choice([0, 1, 2, 2, 3]), 0, 10)}
            _maybe(rng, 0.5, answers, "phrase", rng.choice(_PHRASES))
            _maybe(rng, 0.3, answers, "note", rng.choice(_MEDITATION_NOTES))
            out.append(_entry("security_meditation", _stamp(start, day, rng.randint(7 * 60, 8 * 60)), answers))
    return out


_GENERATORS = {
    "awareness": _awareness,
    "acceptance": _acceptance,
    "restructuring": _restructuring,
    "values_action": _values_action,
    "integration": _integration,
}


# ---------------------------------------------------------------- public API


def synthetic_client(seed: int, start: date, days: int = 60) -> dict[str, list[Entry]]:
    """Answers-file entries per sie phase id for a client who starts on ``start`` and stays ``days`` days.

    Each phase's entries fall inside its day window (day 1 = ``start``), cut off at day ``days``;
    a phase that begins after ``days`` gets an empty list. Entries are sorted by ``occurred_at``.
    """
    rng = random.Random(seed)
    program = content.program(PROGRAM_ID)
    out: dict[str, list[Entry]] = {}
    for phase in program.phases:
        first = phase.window.start
        last = min(phase.window.end if phase.window.end is not None else days, days)
        entries = _GENERATORS[phase.id](rng, start, first, last) if first <= last else []
        out[phase.id] = sorted(entries, key=lambda e: (e["occurred_at"], e["exercise"]))
    return out


def answers_file_name(phase_id: str) -> str:
    return f"{PROGRAM_ID}_{phase_id}_answers.yaml"


def write_answers(phase_entries: dict[str, list[Entry]], dir: Path | str) -> dict[str, Path]:
    """Write one answers file per phase into ``dir``; return the path of each, by phase id."""
    folder = Path(dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for phase_id, entries in phase_entries.items():
        path = folder / answers_file_name(phase_id)
        text = yaml.dump({"entries": entries}, Dumper=NoAliasDumper, sort_keys=False, allow_unicode=True, width=120)
        path.write_text(
            f"# Synthetic answers for the sie {phase_id} workbook, made by tests/synthetic.py (no real person).\n"
            + text,
            encoding="utf-8",
        )
        paths[phase_id] = path
    return paths
