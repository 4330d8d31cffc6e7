from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateEndpoint")


@_attrs_define
class CreateEndpoint:
    """What a caller posts to register an endpoint.

    Example:
        {'url': 'https://orders.example.com/alipass-events', 'event_types': ['pass.issued', 'pass.failed',
            'operation.settled'], 'description': 'order service'}

    Attributes:
        url (str): Where events are posted (http or https; the operator's allow-list decides).
        event_types (list[str]): The event types to receive: template.created, template.updated, pass.issued,
            pass.updated, pass.redeemed, pass.closed, pass.failed, voucher.sent,
            voucher.failed, operation.settled, campaign.finished.
        description (None | str | Unset):
    """

    url: str
    event_types: list[str]
    description: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        event_types = self.event_types

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "event_types": event_types,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        url = d.pop("url")

        event_types = cast(list[str], d.pop("event_types"))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        create_endpoint = cls(
            url=url,
            event_types=event_types,
            description=description,
        )

        create_endpoint.additional_properties = d
        return create_endpoint

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
