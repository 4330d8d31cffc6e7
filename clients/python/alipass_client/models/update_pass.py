from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pass_params import PassParams


T = TypeVar("T", bound="UpdatePass")


@_attrs_define
class UpdatePass:
    """
    Example:
        {'params': {'discountInfo': '凭此券即可打5折'}}

    Attributes:
        params (PassParams): A value for each `$name$` parameter of the template, by name (the template's `params` lists
            them); serialNumber and channelID are filled in for you. Each value is checked where the template uses it: a
            date field's value is a `yyyy-MM-dd HH:mm:ss` date, a wave message's obeys the wave rule, a field's length
            counts after substitution, and every character must be encodable in GBK. As compact JSON (Alipay's tpl_params)
            the whole is at most 38000 characters. Example: {'validStartDate': '2026-12-01 00:00:00', 'validEndDate':
            '2027-12-31 23:59:59', 'ackCode': '0001', 'logoText': 'Summer', 'useStateDesc': '可使用', 'discountInfo': '9 折'}.
    """

    params: PassParams
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
        from ..models.pass_params import PassParams

        d = dict(src_dict)
        params = PassParams.from_dict(d.pop("params"))

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
