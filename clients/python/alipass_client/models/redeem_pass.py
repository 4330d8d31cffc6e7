from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verify_type import VerifyType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.redeem_pass_params_type_0 import RedeemPassParamsType0


T = TypeVar("T", bound="RedeemPass")


@_attrs_define
class RedeemPass:
    """
    Example:
        {'verify_type': 'wave', 'verify_code': '8612231273'}

    Attributes:
        verify_type (None | Unset | VerifyType):
        verify_code (None | str | Unset):
        params (None | RedeemPassParamsType0 | Unset): Parameter values to change in the same call (e.g. a "used" status
            text).
    """

    verify_type: None | Unset | VerifyType = UNSET
    verify_code: None | str | Unset = UNSET
    params: None | RedeemPassParamsType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.redeem_pass_params_type_0 import RedeemPassParamsType0

        verify_type: None | str | Unset
        if isinstance(self.verify_type, Unset):
            verify_type = UNSET
        elif isinstance(self.verify_type, VerifyType):
            verify_type = self.verify_type.value
        else:
            verify_type = self.verify_type

        verify_code: None | str | Unset
        if isinstance(self.verify_code, Unset):
            verify_code = UNSET
        else:
            verify_code = self.verify_code

        params: dict[str, Any] | None | Unset
        if isinstance(self.params, Unset):
            params = UNSET
        elif isinstance(self.params, RedeemPassParamsType0):
            params = self.params.to_dict()
        else:
            params = self.params

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if verify_type is not UNSET:
            field_dict["verify_type"] = verify_type
        if verify_code is not UNSET:
            field_dict["verify_code"] = verify_code
        if params is not UNSET:
            field_dict["params"] = params

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.redeem_pass_params_type_0 import RedeemPassParamsType0

        d = dict(src_dict)

        def _parse_verify_type(data: object) -> None | Unset | VerifyType:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                verify_type_type_1 = VerifyType(data)

                return verify_type_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | VerifyType, data)

        verify_type = _parse_verify_type(d.pop("verify_type", UNSET))

        def _parse_verify_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        verify_code = _parse_verify_code(d.pop("verify_code", UNSET))

        def _parse_params(data: object) -> None | RedeemPassParamsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                params_type_0 = RedeemPassParamsType0.from_dict(data)

                return params_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RedeemPassParamsType0 | Unset, data)

        params = _parse_params(d.pop("params", UNSET))

        redeem_pass = cls(
            verify_type=verify_type,
            verify_code=verify_code,
            params=params,
        )

        redeem_pass.additional_properties = d
        return redeem_pass

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
