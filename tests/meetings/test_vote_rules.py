"""The rule a vote passes by, and the tie the chair's side decides (pure function)."""

import pytest

from ecabinet.meetings.voting import decide

ALL, PRESENT = 27, 20  # members of the Government; present when the vote opened


@pytest.mark.parametrize("rule,yes,no,abstain,chair,outcome,by_chair", [
    # More than half of all members: 14 of 27.
    ("majority_of_all", 14, 6, 0, None, "adopted", False),
    ("majority_of_all", 13, 7, 0, None, "rejected", False),
    # More than half of those present: 11 of 20.
    ("majority_of_present", 11, 9, 0, None, "adopted", False),
    ("majority_of_present", 10, 5, 5, None, "rejected", False),
    # Two thirds of all: 18 of 27.
    ("two_thirds_of_all", 18, 2, 0, None, "adopted", False),
    ("two_thirds_of_all", 17, 3, 0, None, "rejected", False),
    # Two thirds of those present: 14 of 20 (13.33 rounds up).
    ("two_thirds_of_present", 14, 6, 0, None, "adopted", False),
    ("two_thirds_of_present", 13, 7, 0, None, "rejected", False),
    # A tie at exactly half of those present: the chair's side wins.
    ("majority_of_present", 10, 10, 0, "yes", "adopted", True),
    ("majority_of_present", 10, 10, 0, "no", "rejected", True),
    # ... and without the chair's ballot the rule stands.
    ("majority_of_present", 10, 10, 0, None, "rejected", False),
    ("majority_of_present", 10, 10, 0, "abstain", "rejected", False),
    # Equal for and against but not at half: no tie to break, the rule stands.
    ("majority_of_present", 5, 5, 10, "yes", "rejected", False),
])
def test_rules(rule, yes, no, abstain, chair, outcome, by_chair):
    result = decide(rule, yes=yes, no=no, abstain=abstain, members_total=ALL,
                    present_total=PRESENT, chair_choice=chair)
    assert (result.outcome, result.decided_by_chair) == (outcome, by_chair)
    assert result.absent == ALL - yes - no - abstain


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError):
        decide("unanimity", yes=1, no=0, abstain=0, members_total=1, present_total=1)


def test_nobody_present_never_adopts_two_thirds():
    assert decide("two_thirds_of_present", yes=0, no=0, abstain=0, members_total=5,
                  present_total=0).outcome == "rejected"
