"""Phone numbers: normalising mainland mobiles and masking them 前三后四."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mediadesk.core import phone

digits = st.text(alphabet="0123456789", min_size=0, max_size=20)
mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
separators = st.sampled_from(["", " ", "-", " - ", "."])


def test_it_strips_formatting_and_the_country_code() -> None:
    assert phone.normalise("138 1234 5678") == "13812345678"
    assert phone.normalise("+86 138-1234-5678") == "13812345678"
    assert phone.normalise("0086 13812345678") == "13812345678"
    assert phone.normalise("") == ""
    assert phone.normalise(None) == ""  # type: ignore[arg-type]


def test_it_keeps_a_leading_86_that_is_part_of_a_shorter_number() -> None:
    assert phone.normalise("8613812345") == "8613812345"


def test_it_recognises_mainland_mobiles_only() -> None:
    assert phone.is_mobile("+86 139 0000 0002")
    assert not phone.is_mobile("12812345678")  # second digit 2 is not a mobile prefix
    assert not phone.is_mobile("029-88886666")  # a 西安 landline
    assert not phone.is_mobile("1381234567")


def test_it_masks_the_middle_of_a_mobile() -> None:
    assert phone.mask("13812345678") == "138****5678"
    assert phone.mask("+86 138 1234 5678") == "138****5678"


def test_it_hides_short_numbers_completely() -> None:
    assert phone.mask("1234567") == "*******"
    assert phone.mask("") == ""


@given(digits)
def test_mask_keeps_first_three_and_last_four_and_never_reveals_the_middle(raw: str) -> None:
    number = phone.normalise(raw)
    masked = phone.mask(raw)
    assert len(masked) == len(number)
    if len(number) < 8:
        assert set(masked) <= {"*"}
        return
    assert masked[:3] == number[:3]
    assert masked[-4:] == number[-4:]
    assert set(masked[3:-4]) == {"*"}


@given(mobiles, separators, st.sampled_from(["", "+86", "0086", "86"]))
def test_formatting_never_changes_the_result(mobile: str, sep: str, prefix: str) -> None:
    formatted = prefix + sep + sep.join([mobile[:3], mobile[3:7], mobile[7:]])
    assert phone.normalise(formatted) == mobile
    assert phone.is_mobile(formatted)
    assert phone.mask(formatted) == f"{mobile[:3]}****{mobile[-4:]}"


def test_mask_shows_masked_patterns_front_three_back_four() -> None:
    assert phone.mask("135****5678") == "135****5678"
    assert phone.mask("135**345678") == "135****5678"
