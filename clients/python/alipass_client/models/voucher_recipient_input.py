from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="VoucherRecipientInput")


@_attrs_define
class VoucherRecipientInput:
    """At least one; when several are given the highest priority wins:
    user_id > login_id > taobao_nick (Alipay's own order).

        Attributes:
            user_id (None | str | Unset): Alipay user id (≤ 16 characters).
            login_id (None | str | Unset): Alipay login: phone or e-mail (≤ 128 characters).
            taobao_nick (None | str | Unset): Taobao nickname (≤ 128 characters).
    """

    user_id: None | str | Unset = UNSET
    login_id: None | str | Unset = UNSET
    taobao_nick: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        login_id: None | str | Unset
        if isinstance(self.login_id, Unset):
            login_id = UNSET
        else:
            login_id = self.login_id

        taobao_nick: None | str | Unset
        if isinstance(self.taobao_nick, Unset):
            taobao_nick = UNSET
        else:
            taobao_nick = self.taobao_nick

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if login_id is not UNSET:
            field_dict["login_id"] = login_id
        if taobao_nick is not UNSET:
            field_dict["taobao_nick"] = taobao_nick

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_login_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        login_id = _parse_login_id(d.pop("login_id", UNSET))

        def _parse_taobao_nick(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        taobao_nick = _parse_taobao_nick(d.pop("taobao_nick", UNSET))

        voucher_recipient_input = cls(
            user_id=user_id,
            login_id=login_id,
            taobao_nick=taobao_nick,
        )

        voucher_recipient_input.additional_properties = d
        return voucher_recipient_input

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
