from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PassMerchant")


@_attrs_define
class PassMerchant:
    """The merchant shown on the pass.

    Attributes:
        mname (str): The merchant's name.
        mshort_name (None | str | Unset): A short name.
        maddr (None | str | Unset): The address.
        mtel (None | str | Unset): The telephone.
        minfo (None | str | Unset): More about the merchant.
    """

    mname: str
    mshort_name: None | str | Unset = UNSET
    maddr: None | str | Unset = UNSET
    mtel: None | str | Unset = UNSET
    minfo: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        mname = self.mname

        mshort_name: None | str | Unset
        if isinstance(self.mshort_name, Unset):
            mshort_name = UNSET
        else:
            mshort_name = self.mshort_name

        maddr: None | str | Unset
        if isinstance(self.maddr, Unset):
            maddr = UNSET
        else:
            maddr = self.maddr

        mtel: None | str | Unset
        if isinstance(self.mtel, Unset):
            mtel = UNSET
        else:
            mtel = self.mtel

        minfo: None | str | Unset
        if isinstance(self.minfo, Unset):
            minfo = UNSET
        else:
            minfo = self.minfo

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mname": mname,
            }
        )
        if mshort_name is not UNSET:
            field_dict["mshortName"] = mshort_name
        if maddr is not UNSET:
            field_dict["maddr"] = maddr
        if mtel is not UNSET:
            field_dict["mtel"] = mtel
        if minfo is not UNSET:
            field_dict["minfo"] = minfo

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        mname = d.pop("mname")

        def _parse_mshort_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mshort_name = _parse_mshort_name(d.pop("mshortName", UNSET))

        def _parse_maddr(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        maddr = _parse_maddr(d.pop("maddr", UNSET))

        def _parse_mtel(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mtel = _parse_mtel(d.pop("mtel", UNSET))

        def _parse_minfo(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        minfo = _parse_minfo(d.pop("minfo", UNSET))

        pass_merchant = cls(
            mname=mname,
            mshort_name=mshort_name,
            maddr=maddr,
            mtel=mtel,
            minfo=minfo,
        )

        return pass_merchant
