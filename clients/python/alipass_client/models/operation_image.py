from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="OperationImage")


@_attrs_define
class OperationImage:
    """An image operation.

    Attributes:
        img (str): The image's address.
        target (None | str | Unset): Where a tap leads.
    """

    img: str
    target: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        img = self.img

        target: None | str | Unset
        if isinstance(self.target, Unset):
            target = UNSET
        else:
            target = self.target

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "img": img,
            }
        )
        if target is not UNSET:
            field_dict["target"] = target

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        img = d.pop("img")

        def _parse_target(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        target = _parse_target(d.pop("target", UNSET))

        operation_image = cls(
            img=img,
            target=target,
        )

        return operation_image
