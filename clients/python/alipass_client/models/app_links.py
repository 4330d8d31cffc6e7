from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="AppLinks")


@_attrs_define
class AppLinks:
    """The merchant's app, per platform.

    Attributes:
        android_appid (None | str | Unset): An app id, launch scheme or download address.
        android_launch (None | str | Unset): An app id, launch scheme or download address.
        android_download (None | str | Unset): An app id, launch scheme or download address.
        ios_appid (None | str | Unset): An app id, launch scheme or download address.
        ios_launch (None | str | Unset): An app id, launch scheme or download address.
        ios_download (None | str | Unset): An app id, launch scheme or download address.
    """

    android_appid: None | str | Unset = UNSET
    android_launch: None | str | Unset = UNSET
    android_download: None | str | Unset = UNSET
    ios_appid: None | str | Unset = UNSET
    ios_launch: None | str | Unset = UNSET
    ios_download: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        android_appid: None | str | Unset
        if isinstance(self.android_appid, Unset):
            android_appid = UNSET
        else:
            android_appid = self.android_appid

        android_launch: None | str | Unset
        if isinstance(self.android_launch, Unset):
            android_launch = UNSET
        else:
            android_launch = self.android_launch

        android_download: None | str | Unset
        if isinstance(self.android_download, Unset):
            android_download = UNSET
        else:
            android_download = self.android_download

        ios_appid: None | str | Unset
        if isinstance(self.ios_appid, Unset):
            ios_appid = UNSET
        else:
            ios_appid = self.ios_appid

        ios_launch: None | str | Unset
        if isinstance(self.ios_launch, Unset):
            ios_launch = UNSET
        else:
            ios_launch = self.ios_launch

        ios_download: None | str | Unset
        if isinstance(self.ios_download, Unset):
            ios_download = UNSET
        else:
            ios_download = self.ios_download

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if android_appid is not UNSET:
            field_dict["android_appid"] = android_appid
        if android_launch is not UNSET:
            field_dict["android_launch"] = android_launch
        if android_download is not UNSET:
            field_dict["android_download"] = android_download
        if ios_appid is not UNSET:
            field_dict["ios_appid"] = ios_appid
        if ios_launch is not UNSET:
            field_dict["ios_launch"] = ios_launch
        if ios_download is not UNSET:
            field_dict["ios_download"] = ios_download

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_android_appid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        android_appid = _parse_android_appid(d.pop("android_appid", UNSET))

        def _parse_android_launch(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        android_launch = _parse_android_launch(d.pop("android_launch", UNSET))

        def _parse_android_download(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        android_download = _parse_android_download(d.pop("android_download", UNSET))

        def _parse_ios_appid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ios_appid = _parse_ios_appid(d.pop("ios_appid", UNSET))

        def _parse_ios_launch(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ios_launch = _parse_ios_launch(d.pop("ios_launch", UNSET))

        def _parse_ios_download(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ios_download = _parse_ios_download(d.pop("ios_download", UNSET))

        app_links = cls(
            android_appid=android_appid,
            android_launch=android_launch,
            android_download=android_download,
            ios_appid=ios_appid,
            ios_launch=ios_launch,
            ios_download=ios_download,
        )

        return app_links
