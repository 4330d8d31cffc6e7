from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PassEventView")


@_attrs_define
class PassEventView:
    """
    Attributes:
        kind (str): ISSUING, ISSUED, UPDATED, REDEEMED, CLOSED or FAILED.
        detail (Any):
        at (datetime.datetime):
        operation_id (None | Unset | UUID): The operation this event settles (one settling event per operation and
            kind).
        request_id (None | str | Unset):
    """

    kind: str
    detail: Any
    at: datetime.datetime
    operation_id: None | Unset | UUID = UNSET
    request_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        kind = self.kind

        detail = self.detail

        at = self.at.isoformat()

        operation_id: None | str | Unset
        if isinstance(self.operation_id, Unset):
            operation_id = UNSET
        elif isinstance(self.operation_id, UUID):
            operation_id = str(self.operation_id)
        else:
            operation_id = self.operation_id

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "kind": kind,
                "detail": detail,
                "at": at,
            }
        )
        if operation_id is not UNSET:
            field_dict["operation_id"] = operation_id
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        kind = d.pop("kind")

        detail = d.pop("detail")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        def _parse_operation_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                operation_id_type_0 = UUID(data)

                return operation_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        operation_id = _parse_operation_id(d.pop("operation_id", UNSET))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        pass_event_view = cls(
            kind=kind,
            detail=detail,
            at=at,
            operation_id=operation_id,
            request_id=request_id,
        )

        pass_event_view.additional_properties = d
        return pass_event_view

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
