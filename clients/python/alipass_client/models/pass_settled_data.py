from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pass_view import PassView


T = TypeVar("T", bound="PassSettledData")


@_attrs_define
class PassSettledData:
    """`pass.issued` and `pass.failed`: an issuance settled.

    Attributes:
        pass_ (PassView):  Example: {'serial_number': 'pass-0001', 'channel_id': '2021000000000001', 'template_id':
            '01a25200-bbc0-714c-9522-260b01ac12cc', 'status': 'ISSUED', 'alipay_pass_id': '5000000002', 'params':
            {'ackCode': '0001', 'channelID': '2021000000000001', 'discountInfo': '9 折', 'logoText': 'Summer',
            'serialNumber': 'pass-0001', 'useStateDesc': '可使用', 'validEndDate': '2027-12-31 23:59:59', 'validStartDate':
            '2026-12-01 00:00:00'}, 'recipient': {'partner_id': '2088102122069225', 'out_trade_no': 'order-1'},
            'failure_code': None, 'change_pending': False, 'change_uncertain': False, 'change_needs_confirmation': False,
            'created_at': '2026-12-07T19:35:09.856159Z', 'updated_at': '2026-12-07T19:35:09.882300035Z'}.
    """

    pass_: PassView
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pass_ = self.pass_.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pass": pass_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pass_view import PassView

        d = dict(src_dict)
        pass_ = PassView.from_dict(d.pop("pass"))

        pass_settled_data = cls(
            pass_=pass_,
        )

        pass_settled_data.additional_properties = d
        return pass_settled_data

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
