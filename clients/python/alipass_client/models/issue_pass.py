from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pass_params import PassParams
    from ..models.pass_recipient import PassRecipient


T = TypeVar("T", bound="IssuePass")


@_attrs_define
class IssuePass:
    """
    Example:
        {'template_id': '0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56', 'serial_number': '4333673662446155', 'params':
            {'validStartDate': '2016-06-30 20:00:00', 'validEndDate': '2016-07-30 20:00:00', 'discountInfo': '凭此券即可打8.5折',
            'logoText': '四季风情85折优惠券', 'ackCode': '1234567', 'useStateDesc': '未使用'}, 'recipient': {'partner_id':
            '2088102122069225', 'out_trade_no': '1393388276383'}}

    Attributes:
        template_id (UUID): Our template id (from POST /v1/templates).
        recipient (PassRecipient): The pass holder, identified by an order: Alipay's recognition_type 1. Example:
            {'partner_id': '2088102114633762', 'out_trade_no': '1234567'}.
        serial_number (None | str | Unset): The pass's idempotency key per channel (≤ 32); generated and returned when
            absent.
        channel_id (None | str | Unset): The channel (partner id / app id, ≤ 32); defaults to our Alipay app id.
        params (PassParams | Unset): A value for each `$name$` parameter of the template, by name (the template's
            `params` lists them); serialNumber and channelID are filled in for you. Each value is checked where the template
            uses it: a date field's value is a `yyyy-MM-dd HH:mm:ss` date, a wave message's obeys the wave rule, a field's
            length counts after substitution, and every character must be encodable in GBK. As compact JSON (Alipay's
            tpl_params) the whole is at most 38000 characters. Example: {'validStartDate': '2026-12-01 00:00:00',
            'validEndDate': '2027-12-31 23:59:59', 'ackCode': '0001', 'logoText': 'Summer', 'useStateDesc': '可使用',
            'discountInfo': '9 折'}.
    """

    template_id: UUID
    recipient: PassRecipient
    serial_number: None | str | Unset = UNSET
    channel_id: None | str | Unset = UNSET
    params: PassParams | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        template_id = str(self.template_id)

        recipient = self.recipient.to_dict()

        serial_number: None | str | Unset
        if isinstance(self.serial_number, Unset):
            serial_number = UNSET
        else:
            serial_number = self.serial_number

        channel_id: None | str | Unset
        if isinstance(self.channel_id, Unset):
            channel_id = UNSET
        else:
            channel_id = self.channel_id

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "template_id": template_id,
                "recipient": recipient,
            }
        )
        if serial_number is not UNSET:
            field_dict["serial_number"] = serial_number
        if channel_id is not UNSET:
            field_dict["channel_id"] = channel_id
        if params is not UNSET:
            field_dict["params"] = params

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.pass_params import PassParams
        from ..models.pass_recipient import PassRecipient

        d = dict(src_dict)
        template_id = UUID(d.pop("template_id"))

        recipient = PassRecipient.from_dict(d.pop("recipient"))

        def _parse_serial_number(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        serial_number = _parse_serial_number(d.pop("serial_number", UNSET))

        def _parse_channel_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        channel_id = _parse_channel_id(d.pop("channel_id", UNSET))

        _params = d.pop("params", UNSET)
        params: PassParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = PassParams.from_dict(_params)

        issue_pass = cls(
            template_id=template_id,
            recipient=recipient,
            serial_number=serial_number,
            channel_id=channel_id,
            params=params,
        )

        issue_pass.additional_properties = d
        return issue_pass

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
