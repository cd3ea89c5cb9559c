"""The mitigation methods a spec may ask for, as one normalised value.

A spec may name one method, a list, or none; the platform always reads a tuple of
method names, empty for none.
"""

from __future__ import annotations

MITIGATION_METHODS = ("threshold_optimizer", "exponentiated_gradient", "reweighing")


class MitigationMethods(tuple):
    """The methods in the spec's order; empty means none.  Compares equal to the string
    "none" when empty (and to its one method's name), so a check written against the
    single-string form of the field keeps its meaning."""

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return other == ("none" if not self else self[0] if len(self) == 1 else None)
        return tuple.__eq__(self, other)

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    __hash__ = tuple.__hash__

    @classmethod
    def parse(cls, value) -> MitigationMethods:
        names = [value] if isinstance(value, str) else list(value or [])
        if names == ["none"]:
            return cls()
        if "none" in names:
            raise ValueError("'none' cannot be combined with mitigation methods")
        unknown = [n for n in names if n not in MITIGATION_METHODS]
        if unknown:
            raise ValueError(f"'{', '.join(map(str, unknown))}' is not a mitigation method (one of none, {', '.join(MITIGATION_METHODS)})")
        return cls(dict.fromkeys(names))

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from pydantic_core import core_schema

        one_or_many = core_schema.no_info_before_validator_function(lambda v: [v] if isinstance(v, str) else (v or []), handler(tuple[str, ...]))
        return core_schema.no_info_after_validator_function(
            cls.parse, one_or_many, serialization=core_schema.plain_serializer_function_ser_schema(list)
        )
