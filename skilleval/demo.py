"""Small helpers shared by seed_demo and the test factories."""

from stdnum.cn import uscc


def make_uscc(region_code: str, serial: int) -> str:
    """A well-formed 统一社会信用代码 (GB 32100) for demo and test data: 9 (market regulator),
    1 (company), the 6-digit region code, a 9-digit body and the check character."""
    body = f"91{region_code}{serial:09d}"
    return body + uscc.calc_check_digit(body)
