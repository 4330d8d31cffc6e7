from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AttemptRow")


@_attrs_define
class AttemptRow:
    """One attempt, as `GET /v1/webhook-endpoints/{id}/attempts` lists it.

    Example:
        {'id': 1, 'event_id': '01a25201-1c08-701c-ab61-4a7f8ca96795', 'event_type': 'webhook.test', 'attempt': 1, 'at':
            '2026-12-07T19:35:34.210902Z', 'status': 200, 'error': None, 'duration_ms': 38, 'delivery_state': 'DELIVERED'}

    Attributes:
        id (int):
        event_id (UUID):
        event_type (str):
        attempt (int):
        at (datetime.datetime):
        duration_ms (int):
        delivery_state (str): The delivery's state now: PENDING, DELIVERED or FAILED.
        status (int | None | Unset): The endpoint's HTTP status; absent when it did not answer.
        error (None | str | Unset):
    """

    id: int
    event_id: UUID
    event_type: str
    attempt: int
    at: datetime.datetime
    duration_ms: int
    delivery_state: str
    status: int | None | Unset = UNSET
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        event_id = str(self.event_id)

        event_type = self.event_type

        attempt = self.attempt

        at = self.at.isoformat()

        duration_ms = self.duration_ms

        delivery_state = self.delivery_state

        status: int | None | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        else:
            status = self.status

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event_id": event_id,
                "event_type": event_type,
                "attempt": attempt,
                "at": at,
                "duration_ms": duration_ms,
                "delivery_state": delivery_state,
            }
        )
        if status is not UNSET:
            field_dict["status"] = status
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        attempt = d.pop("attempt")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        duration_ms = d.pop("duration_ms")

        delivery_state = d.pop("delivery_state")

        def _parse_status(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        attempt_row = cls(
            id=id,
            event_id=event_id,
            event_type=event_type,
            attempt=attempt,
            at=at,
            duration_ms=duration_ms,
            delivery_state=delivery_state,
            status=status,
            error=error,
        )

        attempt_row.additional_properties = d
        return attempt_row

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
