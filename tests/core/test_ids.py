import pytest

from securebase.core.errors import ClientIdError
from securebase.core.ids import new_client_id, validate_client_id


def test_new_ids_are_valid_and_distinct():
    # About 4.5e8 codes, so two of 2000 draws coincide about once in 225 runs (every caller checks
    # the store and draws again); three or more repeats would mean the codes are not random.
    drawn = [new_client_id() for _ in range(2000)]
    ids = set(drawn)
    assert len(ids) >= 1999
    for client_id in ids:
        assert validate_client_id(client_id) == client_id


@pytest.mark.parametrize("bad", ["", "ab", "Jane Doe", "jane@example.org", "x" * 41, "-C1", "maria", None, 42,
                                 "C-NL2345\n", "C-NL2345\r\n", "C-1\tAB", "C-1AB\x00"])
def test_names_and_malformed_ids_are_refused(bad):
    with pytest.raises(ClientIdError):
        validate_client_id(bad)


@pytest.mark.parametrize("good", ["C-7KQ2M9", "demo-001", "P_12", "S1-dyad-3"])
def test_codes_are_accepted(good):
    assert validate_client_id(good) == good
