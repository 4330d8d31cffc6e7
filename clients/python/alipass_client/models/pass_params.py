from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PassParams")


@_attrs_define
class PassParams:
    """A value for each `$name$` parameter of the template, by name (the template's `params` lists them); serialNumber and
    channelID are filled in for you. Each value is checked where the template uses it: a date field's value is a `yyyy-
    MM-dd HH:mm:ss` date, a wave message's obeys the wave rule, a field's length counts after substitution, and every
    character must be encodable in GBK. As compact JSON (Alipay's tpl_params) the whole is at most 38000 characters.

        Example:
            {'validStartDate': '2026-12-01 00:00:00', 'validEndDate': '2027-12-31 23:59:59', 'ackCode': '0001', 'logoText':
                'Summer', 'useStateDesc': '可使用', 'discountInfo': '9 折'}

    """

    additional_properties: dict[str, bool | float | str] = _attrs_field(
        init=False, factory=dict
    )

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            field_dict[prop_name] = prop

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        pass_params = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(data: object) -> bool | float | str:
                return cast(bool | float | str, data)

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        pass_params.additional_properties = additional_properties
        return pass_params

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> bool | float | str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: bool | float | str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
