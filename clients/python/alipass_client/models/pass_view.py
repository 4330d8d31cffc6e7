from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.pass_status import PassStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pass_recipient import PassRecipient


T = TypeVar("T", bound="PassView")


@_attrs_define
class PassView:
    """
    Example:
        {'serial_number': 'pass-0001', 'channel_id': '2021000000000001', 'template_id':
            '01a25200-bbc0-714c-9522-260b01ac12cc', 'status': 'ISSUED', 'alipay_pass_id': '5000000002', 'params':
            {'ackCode': '0001', 'channelID': '2021000000000001', 'discountInfo': '9 折', 'logoText': 'Summer',
            'serialNumber': 'pass-0001', 'useStateDesc': '可使用', 'validEndDate': '2027-12-31 23:59:59', 'validStartDate':
            '2026-12-01 00:00:00'}, 'recipient': {'partner_id': '2088102122069225', 'out_trade_no': 'order-1'},
            'failure_code': None, 'change_pending': False, 'change_uncertain': False, 'change_needs_confirmation': False,
            'created_at': '2026-12-07T19:35:09.856159Z', 'updated_at': '2026-12-07T19:35:09.882300035Z'}

    Attributes:
        serial_number (str):
        channel_id (str):
        template_id (UUID):
        status (PassStatus): ISSUING → ISSUED → USED | CLOSED (terminal); FAILED when the gateway refused for good.
        params (Any):
        recipient (PassRecipient): The pass holder, identified by an order: Alipay's recognition_type 1. Example:
            {'partner_id': '2088102114633762', 'out_trade_no': '1234567'}.
        change_pending (bool): A change (update, redeem, close) was sent and its outcome is not yet known.
        change_uncertain (bool): The pending change was sent and its outcome is unknown: retry the same change, or
            let the reconciler settle it.
        change_needs_confirmation (bool): No answer could prove whether the pending change applied: an operator must say
            (`POST /v1/passes/{serial_number}/pending-change/resolution`).
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        alipay_pass_id (None | str | Unset): Alipay's pass id, when Alipay told us.
        failure_code (None | str | Unset):
    """

    serial_number: str
    channel_id: str
    template_id: UUID
    status: PassStatus
    params: Any
    recipient: PassRecipient
    change_pending: bool
    change_uncertain: bool
    change_needs_confirmation: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    alipay_pass_id: None | str | Unset = UNSET
    failure_code: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        serial_number = self.serial_number

        channel_id = self.channel_id

        template_id = str(self.template_id)

        status = self.status.value

        params = self.params

        recipient = self.recipient.to_dict()

        change_pending = self.change_pending

        change_uncertain = self.change_uncertain

        change_needs_confirmation = self.change_needs_confirmation

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        alipay_pass_id: None | str | Unset
        if isinstance(self.alipay_pass_id, Unset):
            alipay_pass_id = UNSET
        else:
            alipay_pass_id = self.alipay_pass_id

        failure_code: None | str | Unset
        if isinstance(self.failure_code, Unset):
            failure_code = UNSET
        else:
            failure_code = self.failure_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "serial_number": serial_number,
                "channel_id": channel_id,
                "template_id": template_id,
                "status": status,
                "params": params,
                "recipient": recipient,
                "change_pending": change_pending,
                "change_uncertain": change_uncertain,
                "change_needs_confirmation": change_needs_confirmation,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if alipay_pass_id is not UNSET:
            field_dict["alipay_pass_id"] = alipay_pass_id
        if failure_code is not UNSET:
            field_dict["failure_code"] = failure_code

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pass_recipient import PassRecipient

        d = dict(src_dict)
        serial_number = d.pop("serial_number")

        channel_id = d.pop("channel_id")

        template_id = UUID(d.pop("template_id"))

        status = PassStatus(d.pop("status"))

        params = d.pop("params")

        recipient = PassRecipient.from_dict(d.pop("recipient"))

        change_pending = d.pop("change_pending")

        change_uncertain = d.pop("change_uncertain")

        change_needs_confirmation = d.pop("change_needs_confirmation")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_alipay_pass_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        alipay_pass_id = _parse_alipay_pass_id(d.pop("alipay_pass_id", UNSET))

        def _parse_failure_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_code = _parse_failure_code(d.pop("failure_code", UNSET))

        pass_view = cls(
            serial_number=serial_number,
            channel_id=channel_id,
            template_id=template_id,
            status=status,
            params=params,
            recipient=recipient,
            change_pending=change_pending,
            change_uncertain=change_uncertain,
            change_needs_confirmation=change_needs_confirmation,
            created_at=created_at,
            updated_at=updated_at,
            alipay_pass_id=alipay_pass_id,
            failure_code=failure_code,
        )

        pass_view.additional_properties = d
        return pass_view

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
