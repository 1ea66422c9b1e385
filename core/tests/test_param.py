"""Params: defaults, overrides from a run's conf, and validation."""

from __future__ import annotations

import pytest

from taskloom.exceptions import ParamValidationError
from taskloom.models.param import Param
from taskloom.models.param import ParamsDict


def test_params_dict_reads_values_and_keeps_param_objects() -> None:
    """Reading a key gives the value; get_param gives the Param; assigning updates the value."""
    params = ParamsDict({"plain": 1, "checked": Param(5, description="d", type="integer")})
    assert dict(params) == {"plain": 1, "checked": 5}
    assert params.get_param("checked").description == "d"
    params["checked"] = 7
    assert params.get_param("checked").value == 7
    del params["plain"]
    assert list(params) == ["checked"]


def test_resolve_applies_overrides_and_validates() -> None:
    """A run's conf overrides defaults, adds new keys, and is checked against the schema."""
    params = ParamsDict(
        {"limit": Param(10, type="integer", minimum=1, maximum=100), "mode": "full"}
    )
    assert params.resolve() == {"limit": 10, "mode": "full"}
    assert params.resolve({"limit": 50, "extra": True}) == {
        "limit": 50,
        "mode": "full",
        "extra": True,
    }
    with pytest.raises(
        ParamValidationError, match=r"param 'limit': value 500 is more than the maximum 100"
    ):
        params.resolve({"limit": 500})


@pytest.mark.parametrize(
    ("param", "value", "problem"),
    [
        (Param(1, type="integer"), "1", "not of type integer"),
        (Param(1, type="integer"), True, "not of type integer"),
        (Param(1, type=["integer", "null"]), 2.5, "not of type integer or null"),
        (Param("a", enum=["a", "b"]), "c", "not one of"),
        (Param(5, minimum=3), 2, "less than the minimum 3"),
        (Param("abc", minLength=2, maxLength=3), "a", "shorter than 2"),
        (Param("abc", maxLength=3), "abcd", "longer than 3"),
    ],
)
def test_schema_rules(param: Param, value: object, problem: str) -> None:
    """Each supported keyword rejects a bad value, naming the rule."""
    with pytest.raises(ParamValidationError, match=problem):
        param.resolve(value, name="p")
    assert param.resolve(name="p") == param.value


def test_missing_value_and_copy() -> None:
    """A param without default needs a value; copies are independent."""
    params = ParamsDict({"needed": Param(type="string")})
    with pytest.raises(ParamValidationError, match="'needed' has no default"):
        params.resolve()
    assert params.resolve({"needed": "x"}) == {"needed": "x"}
    copy = params.copy()
    copy["needed"] = "y"
    assert params.get_param("needed").value is not copy.get_param("needed").value
