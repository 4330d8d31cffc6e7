from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.gateway_call_view import GatewayCallView
    from ..models.pass_event_view import PassEventView
    from ..models.pass_view import PassView


T = TypeVar("T", bound="PassHistory")


@_attrs_define
class PassHistory:
    """ "What happened to pass X": its events and every gateway call made for it.

    Example:
        {'pass': {'serial_number': 'pass-0001', 'channel_id': '2021000000000001', 'template_id':
            '01a25200-bbc0-714c-9522-260b01ac12cc', 'status': 'USED', 'alipay_pass_id': '5000000002', 'params': {'ackCode':
            '0001', 'logoText': 'Summer', 'channelID': '2021000000000001', 'discountInfo': '9 折', 'serialNumber':
            'pass-0001', 'useStateDesc': '可使用', 'validEndDate': '2027-12-31 23:59:59', 'validStartDate': '2026-12-01
            00:00:00'}, 'recipient': {'partner_id': '2088102122069225', 'out_trade_no': 'order-1'}, 'failure_code': None,
            'change_pending': False, 'change_uncertain': False, 'change_needs_confirmation': False, 'created_at':
            '2026-12-07T19:35:09.856159Z', 'updated_at': '2026-12-07T19:35:09.916606Z'}, 'events': [{'kind': 'ISSUING',
            'operation_id': None, 'detail': {}, 'request_id': 'cf362e22-d6c7-47f2-b3b4-a9fbe5eb86ca', 'at':
            '2026-12-07T19:35:09.870283Z'}, {'kind': 'ISSUED', 'operation_id': '15dea748-f227-4593-add9-72ab7c102292',
            'detail': {'alipay_pass_id': '5000000002'}, 'request_id': 'cf362e22-d6c7-47f2-b3b4-a9fbe5eb86ca', 'at':
            '2026-12-07T19:35:09.884291Z'}, {'kind': 'REDEEMED', 'operation_id': '01a25200-bd56-77d6-b802-c67b719a8fd3',
            'detail': {}, 'request_id': 'bc868bd5-5842-4108-bb7e-9f7a90e37069', 'at': '2026-12-07T19:35:09.916606Z'}],
            'gateway_calls': [{'method': 'alipay.pass.instance.add', 'attempt': 1, 'outcome': 'success', 'code': '10000',
            'sub_code': None, 'sub_msg': None, 'latency_ms': 2, 'request_id': 'cf362e22-d6c7-47f2-b3b4-a9fbe5eb86ca', 'at':
            '2026-12-07T19:35:09.884291Z'}, {'method': 'alipay.pass.instance.update', 'attempt': 1, 'outcome': 'success',
            'code': '10000', 'sub_code': None, 'sub_msg': None, 'latency_ms': 1, 'request_id':
            'bc868bd5-5842-4108-bb7e-9f7a90e37069', 'at': '2026-12-07T19:35:09.916606Z'}], 'next_cursor': None}

    Attributes:
        pass_ (PassView):  Example: {'serial_number': 'pass-0001', 'channel_id': '2021000000000001', 'template_id':
            '01a25200-bbc0-714c-9522-260b01ac12cc', 'status': 'ISSUED', 'alipay_pass_id': '5000000002', 'params':
            {'ackCode': '0001', 'channelID': '2021000000000001', 'discountInfo': '9 折', 'logoText': 'Summer',
            'serialNumber': 'pass-0001', 'useStateDesc': '可使用', 'validEndDate': '2027-12-31 23:59:59', 'validStartDate':
            '2026-12-01 00:00:00'}, 'recipient': {'partner_id': '2088102122069225', 'out_trade_no': 'order-1'},
            'failure_code': None, 'change_pending': False, 'change_uncertain': False, 'change_needs_confirmation': False,
            'created_at': '2026-12-07T19:35:09.856159Z', 'updated_at': '2026-12-07T19:35:09.882300035Z'}.
        events (list[PassEventView]):
        gateway_calls (list[GatewayCallView]):
        next_cursor (None | str | Unset): Pass as `after` for the next page of events and calls; absent on the last
            page.
    """

    pass_: PassView
    events: list[PassEventView]
    gateway_calls: list[GatewayCallView]
    next_cursor: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        pass_ = self.pass_.to_dict()

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        gateway_calls = []
        for gateway_calls_item_data in self.gateway_calls:
            gateway_calls_item = gateway_calls_item_data.to_dict()
            gateway_calls.append(gateway_calls_item)

        next_cursor: None | str | Unset
        if isinstance(self.next_cursor, Unset):
            next_cursor = UNSET
        else:
            next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "pass": pass_,
                "events": events,
                "gateway_calls": gateway_calls,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.gateway_call_view import GatewayCallView
        from ..models.pass_event_view import PassEventView
        from ..models.pass_view import PassView

        d = dict(src_dict)
        pass_ = PassView.from_dict(d.pop("pass"))

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = PassEventView.from_dict(events_item_data)

            events.append(events_item)

        gateway_calls = []
        _gateway_calls = d.pop("gateway_calls")
        for gateway_calls_item_data in _gateway_calls:
            gateway_calls_item = GatewayCallView.from_dict(gateway_calls_item_data)

            gateway_calls.append(gateway_calls_item)

        def _parse_next_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor", UNSET))

        pass_history = cls(
            pass_=pass_,
            events=events,
            gateway_calls=gateway_calls,
            next_cursor=next_cursor,
        )

        pass_history.additional_properties = d
        return pass_history

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
