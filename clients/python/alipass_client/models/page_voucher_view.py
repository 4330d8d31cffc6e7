from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.page_voucher_view_items_item import PageVoucherViewItemsItem


T = TypeVar("T", bound="PageVoucherView")


@_attrs_define
class PageVoucherView:
    """A page of a keyset-paginated list: pass `next_cursor` as `after` for the next page.

    Example:
        {'items': [{'template_id': '20140601000730010040000000EB', 'out_biz_no': '2016122814164328aadaee_1aee_5',
            'status': 'SENT', 'voucher_id': '2026120800073002000000000003', 'user_id': '2088302001456115', 'recipient':
            {'kind': 'user_id', 'value': '2088302001456115'}, 'amount': None, 'memo': '优惠3个月兑换券', 'failure_code': None,
            'created_at': '2026-12-07T19:35:39.496721Z', 'updated_at': '2026-12-07T19:35:39.524944304Z'}], 'next_cursor':
            None}

    Attributes:
        items (list[PageVoucherViewItemsItem]):
        next_cursor (None | Unset | UUID):
    """

    items: list[PageVoucherViewItemsItem]
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
        from ..models.page_voucher_view_items_item import PageVoucherViewItemsItem

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = PageVoucherViewItemsItem.from_dict(items_item_data)

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

        page_voucher_view = cls(
            items=items,
            next_cursor=next_cursor,
        )

        page_voucher_view.additional_properties = d
        return page_voucher_view

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
