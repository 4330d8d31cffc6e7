from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="GatewayCallView")


@_attrs_define
class GatewayCallView:
    """One gateway attempt: its method, number, outcome, codes and latency (as stored, and as
    `GatewayCallView` shows it).

        Attributes:
            method (str):
            attempt (int):
            outcome (str): success, refused or no_answer.
            latency_ms (int):
            at (datetime.datetime):
            code (None | str | Unset):
            sub_code (None | str | Unset):
            sub_msg (None | str | Unset):
            request_id (None | str | Unset):
    """

    method: str
    attempt: int
    outcome: str
    latency_ms: int
    at: datetime.datetime
    code: None | str | Unset = UNSET
    sub_code: None | str | Unset = UNSET
    sub_msg: None | str | Unset = UNSET
    request_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        method = self.method

        attempt = self.attempt

        outcome = self.outcome

        latency_ms = self.latency_ms

        at = self.at.isoformat()

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        sub_code: None | str | Unset
        if isinstance(self.sub_code, Unset):
            sub_code = UNSET
        else:
            sub_code = self.sub_code

        sub_msg: None | str | Unset
        if isinstance(self.sub_msg, Unset):
            sub_msg = UNSET
        else:
            sub_msg = self.sub_msg

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "method": method,
                "attempt": attempt,
                "outcome": outcome,
                "latency_ms": latency_ms,
                "at": at,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code
        if sub_code is not UNSET:
            field_dict["sub_code"] = sub_code
        if sub_msg is not UNSET:
            field_dict["sub_msg"] = sub_msg
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        method = d.pop("method")

        attempt = d.pop("attempt")

        outcome = d.pop("outcome")

        latency_ms = d.pop("latency_ms")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        def _parse_sub_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sub_code = _parse_sub_code(d.pop("sub_code", UNSET))

        def _parse_sub_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sub_msg = _parse_sub_msg(d.pop("sub_msg", UNSET))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        gateway_call_view = cls(
            method=method,
            attempt=attempt,
            outcome=outcome,
            latency_ms=latency_ms,
            at=at,
            code=code,
            sub_code=sub_code,
            sub_msg=sub_msg,
            request_id=request_id,
        )

        gateway_call_view.additional_properties = d
        return gateway_call_view

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
