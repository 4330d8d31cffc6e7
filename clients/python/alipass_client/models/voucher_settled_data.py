from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.voucher_view import VoucherView


T = TypeVar("T", bound="VoucherSettledData")


@_attrs_define
class VoucherSettledData:
    """`voucher.sent` and `voucher.failed`: a send settled (the recipient masked).

    Attributes:
        voucher (VoucherView):  Example: {'template_id': '20140601000730010040000000EB', 'out_biz_no':
            '2016122814164328aadaee_1aee_5', 'status': 'SENT', 'voucher_id': '2026120800073002000000000003', 'user_id':
            '2088302001456115', 'recipient': {'kind': 'user_id', 'value': '2088302001456115'}, 'amount': None, 'memo':
            '优惠3个月兑换券', 'failure_code': None, 'created_at': '2026-12-07T19:35:39.496721Z', 'updated_at':
            '2026-12-07T19:35:39.524944304Z'}.
    """

    voucher: VoucherView
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        voucher = self.voucher.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "voucher": voucher,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.voucher_view import VoucherView

        d = dict(src_dict)
        voucher = VoucherView.from_dict(d.pop("voucher"))

        voucher_settled_data = cls(
            voucher=voucher,
        )

        voucher_settled_data.additional_properties = d
        return voucher_settled_data

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
