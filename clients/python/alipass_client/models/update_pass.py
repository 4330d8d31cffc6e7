from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.update_pass_params import UpdatePassParams


T = TypeVar("T", bound="UpdatePass")


@_attrs_define
class UpdatePass:
    """
    Example:
        {'params': {'discountInfo': '凭此券即可打5折'}}

    Attributes:
        params (UpdatePassParams): The parameters to change.
    """

    params: UpdatePassParams
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "params": params,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.update_pass_params import UpdatePassParams

        d = dict(src_dict)
        params = UpdatePassParams.from_dict(d.pop("params"))

        update_pass = cls(
            params=params,
        )

        update_pass.additional_properties = d
        return update_pass

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
