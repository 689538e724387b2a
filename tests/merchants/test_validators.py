import pytest
from django.core.exceptions import ValidationError

from merchants.uscc import build_uscc
from merchants.validators import validate_uscc


def test_valid_uscc_is_compacted():
    code = build_uscc("330106", 12345)
    assert validate_uscc(f" {code[:6]} {code[6:]} ") == code


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("9133010612345", "uscc_length", "18 characters"),
        ("91330106MA2B3C4D5X", "uscc_checksum", "check digit"),
        ("91330106MA2B3C4D5I", "uscc_format", "characters"),
        ("", "uscc_length", "18 characters"),
    ],
)
def test_bad_uscc_names_the_problem(value, code, words):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(value)
    assert exc.value.code == code
    assert words in exc.value.messages[0]


def test_build_uscc_is_unique_and_valid():
    codes = {build_uscc("330212", n) for n in range(2000)}
    assert len(codes) == 2000
    for c in codes:
        assert validate_uscc(c) == c
        assert c[2:8] == "330212"
