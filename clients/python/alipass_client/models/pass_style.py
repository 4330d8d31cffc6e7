from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="PassStyle")


@_attrs_define
class PassStyle:
    """The card's colours.

    Attributes:
        background_color (str): e.g. RGB(255,126,0).
    """

    background_color: str

    def to_dict(self) -> dict[str, Any]:
        background_color = self.background_color

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "backgroundColor": background_color,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        background_color = d.pop("backgroundColor")

        pass_style = cls(
            background_color=background_color,
        )

        return pass_style
