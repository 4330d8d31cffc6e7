from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.voucher_status import VoucherStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.voucher_recipient_view import VoucherRecipientView


T = TypeVar("T", bound="PageVoucherViewItemsItem")


@_attrs_define
class PageVoucherViewItemsItem:
    """
    Attributes:
        template_id (str):
        out_biz_no (str):
        status (VoucherStatus): PENDING → SENT | FAILED.
        recipient (VoucherRecipientView):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        voucher_id (None | str | Unset): Alipay's voucher id.
        user_id (None | str | Unset): The Alipay user id that received it.
        amount (None | str | Unset):
        memo (None | str | Unset):
        failure_code (None | str | Unset):
    """

    template_id: str
    out_biz_no: str
    status: VoucherStatus
    recipient: VoucherRecipientView
    created_at: datetime.datetime
    updated_at: datetime.datetime
    voucher_id: None | str | Unset = UNSET
    user_id: None | str | Unset = UNSET
    amount: None | str | Unset = UNSET
    memo: None | str | Unset = UNSET
    failure_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template_id = self.template_id

        out_biz_no = self.out_biz_no

        status = self.status.value

        recipient = self.recipient.to_dict()

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        voucher_id: None | str | Unset
        if isinstance(self.voucher_id, Unset):
            voucher_id = UNSET
        else:
            voucher_id = self.voucher_id

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

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

        failure_code: None | str | Unset
        if isinstance(self.failure_code, Unset):
            failure_code = UNSET
        else:
            failure_code = self.failure_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template_id": template_id,
                "out_biz_no": out_biz_no,
                "status": status,
                "recipient": recipient,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if voucher_id is not UNSET:
            field_dict["voucher_id"] = voucher_id
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if amount is not UNSET:
            field_dict["amount"] = amount
        if memo is not UNSET:
            field_dict["memo"] = memo
        if failure_code is not UNSET:
            field_dict["failure_code"] = failure_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.voucher_recipient_view import VoucherRecipientView

        d = dict(src_dict)
        template_id = d.pop("template_id")

        out_biz_no = d.pop("out_biz_no")

        status = VoucherStatus(d.pop("status"))

        recipient = VoucherRecipientView.from_dict(d.pop("recipient"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_voucher_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        voucher_id = _parse_voucher_id(d.pop("voucher_id", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

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

        def _parse_failure_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_code = _parse_failure_code(d.pop("failure_code", UNSET))

        page_voucher_view_items_item = cls(
            template_id=template_id,
            out_biz_no=out_biz_no,
            status=status,
            recipient=recipient,
            created_at=created_at,
            updated_at=updated_at,
            voucher_id=voucher_id,
            user_id=user_id,
            amount=amount,
            memo=memo,
            failure_code=failure_code,
        )

        page_voucher_view_items_item.additional_properties = d
        return page_voucher_view_items_item

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
