from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.page_pass_view_items_item import PagePassViewItemsItem


T = TypeVar("T", bound="PagePassView")


@_attrs_define
class PagePassView:
    """A page of a keyset-paginated list: pass `next_cursor` as `after` for the next page.

    Example:
        {'items': [{'serial_number': 'pass-0001', 'channel_id': '2021000000000001', 'template_id':
            '01a25200-bbc0-714c-9522-260b01ac12cc', 'status': 'USED', 'alipay_pass_id': '5000000002', 'params': {'ackCode':
            '0001', 'logoText': 'Summer', 'channelID': '2021000000000001', 'discountInfo': '9 折', 'serialNumber':
            'pass-0001', 'useStateDesc': '可使用', 'validEndDate': '2027-12-31 23:59:59', 'validStartDate': '2026-12-01
            00:00:00'}, 'recipient': {'partner_id': '2088102122069225', 'out_trade_no': 'order-1'}, 'failure_code': None,
            'change_pending': False, 'change_uncertain': False, 'change_needs_confirmation': False, 'created_at':
            '2026-12-07T19:35:09.856159Z', 'updated_at': '2026-12-07T19:35:09.916606Z'}], 'next_cursor': None}

    Attributes:
        items (list[PagePassViewItemsItem]):
        next_cursor (None | Unset | UUID):
    """

    items: list[PagePassViewItemsItem]
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
        from ..models.page_pass_view_items_item import PagePassViewItemsItem

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PagePassViewItemsItem.from_dict(items_item_data)

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

        page_pass_view = cls(
            items=items,
            next_cursor=next_cursor,
        )

        page_pass_view.additional_properties = d
        return page_pass_view

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
