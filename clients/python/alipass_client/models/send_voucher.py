from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.voucher_recipient_input import VoucherRecipientInput


T = TypeVar("T", bound="SendVoucher")


@_attrs_define
class SendVoucher:
    """What a caller posts to send a voucher.

    Example:
        {'template_id': '20140601000730010040000000EB', 'recipient': {'user_id': '2088302001456115'}, 'out_biz_no':
            '2016122814164328aadaee_1aee_4', 'memo': '优酷3个月兑换券'}

    Attributes:
        template_id (str): Voucher template id (≤ 28 characters).
        recipient (VoucherRecipientInput): At least one; when several are given the highest priority wins:
            user_id > login_id > taobao_nick (Alipay's own order).
        out_biz_no (str): Your business number; with template_id, the idempotency key (≤ 64 characters).
        amount (None | str | Unset): Amount in yuan as `#.00` (red packets only).
        memo (None | str | Unset): ≤ 128 characters.
    """

    template_id: str
    recipient: VoucherRecipientInput
    out_biz_no: str
    amount: None | str | Unset = UNSET
    memo: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template_id = self.template_id

        recipient = self.recipient.to_dict()

        out_biz_no = self.out_biz_no

        amount: None | str | Unset
        if isinstance(self.amount, Unset):
            amount = UNSET
        else:
            amount = self.amount

        memo: None | str | Unset
        if isinstance(self.memo, Unset):
            memo = UNSET
        else:
            memo = self.memo

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template_id": template_id,
                "recipient": recipient,
                "out_biz_no": out_biz_no,
            }
        )
        if amount is not UNSET:
            field_dict["amount"] = amount
        if memo is not UNSET:
            field_dict["memo"] = memo

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.voucher_recipient_input import VoucherRecipientInput

        d = dict(src_dict)
        template_id = d.pop("template_id")

        recipient = VoucherRecipientInput.from_dict(d.pop("recipient"))

        out_biz_no = d.pop("out_biz_no")

        def _parse_amount(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        amount = _parse_amount(d.pop("amount", UNSET))

        def _parse_memo(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        memo = _parse_memo(d.pop("memo", UNSET))

        send_voucher = cls(
            template_id=template_id,
            recipient=recipient,
            out_biz_no=out_biz_no,
            amount=amount,
            memo=memo,
        )

        send_voucher.additional_properties = d
        return send_voucher

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
