from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PassRecipient")


@_attrs_define
class PassRecipient:
    """The pass holder, identified by an order: Alipay's recognition_type 1.

    Example:
        {'partner_id': '2088102114633762', 'out_trade_no': '1234567'}

    Attributes:
        partner_id (str): The merchant's signed account (PID) that owns the order.
        out_trade_no (str): The order number the user paid.
    """

    partner_id: str
    out_trade_no: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        partner_id = self.partner_id

        out_trade_no = self.out_trade_no

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "partner_id": partner_id,
                "out_trade_no": out_trade_no,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        partner_id = d.pop("partner_id")

        out_trade_no = d.pop("out_trade_no")

        pass_recipient = cls(
            partner_id=partner_id,
            out_trade_no=out_trade_no,
        )

        pass_recipient.additional_properties = d
        return pass_recipient

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
