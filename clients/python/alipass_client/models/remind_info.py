from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RemindInfo")


@_attrs_define
class RemindInfo:
    """The expiry reminder.

    Attributes:
        offset (int | None | str | Unset): Seconds before the end to remind the holder: a whole number (or its digits,
            or a `$var$`). Outside 3600..=86400 is a warning, an error with `limits.remind_offset_strict`.
    """

    offset: int | None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        offset: int | None | str | Unset
        if isinstance(self.offset, Unset):
            offset = UNSET
        else:
            offset = self.offset

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if offset is not UNSET:
            field_dict["offset"] = offset

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_offset(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        offset = _parse_offset(d.pop("offset", UNSET))

        remind_info = cls(
            offset=offset,
        )

        return remind_info
