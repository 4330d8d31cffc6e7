from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SetAlipayTemplateId")


@_attrs_define
class SetAlipayTemplateId:
    """
    Example:
        {'alipay_template_id': '2015062614280547004605924'}

    Attributes:
        alipay_template_id (str): The template's tpl_id as the Alipay console shows it.
    """

    alipay_template_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        alipay_template_id = self.alipay_template_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "alipay_template_id": alipay_template_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        alipay_template_id = d.pop("alipay_template_id")

        set_alipay_template_id = cls(
            alipay_template_id=alipay_template_id,
        )

        set_alipay_template_id.additional_properties = d
        return set_alipay_template_id

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
