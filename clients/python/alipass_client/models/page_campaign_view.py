from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.page_campaign_view_items_item import PageCampaignViewItemsItem


T = TypeVar("T", bound="PageCampaignView")


@_attrs_define
class PageCampaignView:
    """A page of a keyset-paginated list: pass `next_cursor` as `after` for the next page.

    Example:
        {'items': [{'id': '01a25201-007a-77f8-b399-278c24a91493', 'campaign_key': 'spring-sale-2026', 'kind':
            'VOUCHER_SEND', 'app_id': '2021000000000001', 'status': 'FINISHED', 'template_id':
            '20140601000730010040000000EB', 'rate_per_sec': 50.0, 'effective_rate_per_sec': 50.0, 'rows': {'total': 2,
            'pending': 0, 'unknown': 0, 'sent': 0, 'refused': 2, 'invalid': 0, 'cancelled': 0}, 'refused_by_code':
            {'INVALID_PARAMETER': 2}, 'current_rate_per_sec': 0.03333333333333333, 'eta_seconds': None, 'created_at':
            '2026-12-07T19:35:27.103232Z', 'started_at': '2026-12-07T19:35:27.591221Z', 'finished_at':
            '2026-12-07T19:35:31.763379Z'}], 'next_cursor': None}

    Attributes:
        items (list[PageCampaignViewItemsItem]):
        next_cursor (None | Unset | UUID):
    """

    items: list[PageCampaignViewItemsItem]
    next_cursor: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        next_cursor: None | str | Unset
        if isinstance(self.next_cursor, Unset):
            next_cursor = UNSET
        elif isinstance(self.next_cursor, UUID):
            next_cursor = str(self.next_cursor)
        else:
            next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.page_campaign_view_items_item import PageCampaignViewItemsItem

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PageCampaignViewItemsItem.from_dict(items_item_data)

            items.append(items_item)

        def _parse_next_cursor(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_cursor_type_0 = UUID(data)

                return next_cursor_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor", UNSET))

        page_campaign_view = cls(
            items=items,
            next_cursor=next_cursor,
        )

        page_campaign_view.additional_properties = d
        return page_campaign_view

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
