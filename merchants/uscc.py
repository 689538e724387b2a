"""Building valid unified social credit codes (GB 32100-2015) for demo and scale data."""

from stdnum.cn import uscc as stdnum_uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_check(body: str) -> str:
    """GB 11714 check character of an 8-digit organisation code body."""
    remainder = 11 - sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def build_uscc(region_code: str, serial: int, entity_type: str = "91") -> str:
    """A valid USCC for an enterprise (91) registered in the given 6-digit region."""
    body = f"{serial % 100_000_000:08d}"
    partial = f"{entity_type}{region_code}{body}{_org_code_check(body)}"
    return partial + stdnum_uscc.calc_check_digit(partial)
