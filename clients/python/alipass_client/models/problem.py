from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_problem import FieldProblem


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """The RFC 9457 body. `type` is a stable URI per `code`.

    Example:
        {'type': 'https://alipass.dev/problems/unauthorized', 'title': 'Unauthorized', 'status': 401, 'detail': 'missing
            or unknown API key', 'code': 'unauthorized'}

    Attributes:
        type_ (str):
        title (str):
        status (int):
        detail (str):
        code (str): Our stable machine-readable code.
        request_id (None | str | Unset):
        errors (list[FieldProblem] | Unset):
        gateway_code (None | str | Unset): The gateway's code, when Alipay answered (e.g. 40004).
        gateway_msg (None | str | Unset):
        gateway_sub_code (None | str | Unset): The gateway's business code (e.g. KP.AE_ALIPASS_NOTEXIST).
        gateway_sub_msg (None | str | Unset):
    """

    type_: str
    title: str
    status: int
    detail: str
    code: str
    request_id: None | str | Unset = UNSET
    errors: list[FieldProblem] | Unset = UNSET
    gateway_code: None | str | Unset = UNSET
    gateway_msg: None | str | Unset = UNSET
    gateway_sub_code: None | str | Unset = UNSET
    gateway_sub_msg: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        code = self.code

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        gateway_code: None | str | Unset
        if isinstance(self.gateway_code, Unset):
            gateway_code = UNSET
        else:
            gateway_code = self.gateway_code

        gateway_msg: None | str | Unset
        if isinstance(self.gateway_msg, Unset):
            gateway_msg = UNSET
        else:
            gateway_msg = self.gateway_msg

        gateway_sub_code: None | str | Unset
        if isinstance(self.gateway_sub_code, Unset):
            gateway_sub_code = UNSET
        else:
            gateway_sub_code = self.gateway_sub_code

        gateway_sub_msg: None | str | Unset
        if isinstance(self.gateway_sub_msg, Unset):
            gateway_sub_msg = UNSET
        else:
            gateway_sub_msg = self.gateway_sub_msg

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "code": code,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if errors is not UNSET:
            field_dict["errors"] = errors
        if gateway_code is not UNSET:
            field_dict["gateway_code"] = gateway_code
        if gateway_msg is not UNSET:
            field_dict["gateway_msg"] = gateway_msg
        if gateway_sub_code is not UNSET:
            field_dict["gateway_sub_code"] = gateway_sub_code
        if gateway_sub_msg is not UNSET:
            field_dict["gateway_sub_msg"] = gateway_sub_msg

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.field_problem import FieldProblem

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        code = d.pop("code")

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        _errors = d.pop("errors", UNSET)
        errors: list[FieldProblem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = FieldProblem.from_dict(errors_item_data)

                errors.append(errors_item)

        def _parse_gateway_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_code = _parse_gateway_code(d.pop("gateway_code", UNSET))

        def _parse_gateway_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_msg = _parse_gateway_msg(d.pop("gateway_msg", UNSET))

        def _parse_gateway_sub_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_sub_code = _parse_gateway_sub_code(d.pop("gateway_sub_code", UNSET))

        def _parse_gateway_sub_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_sub_msg = _parse_gateway_sub_msg(d.pop("gateway_sub_msg", UNSET))

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            code=code,
            request_id=request_id,
            errors=errors,
            gateway_code=gateway_code,
            gateway_msg=gateway_msg,
            gateway_sub_code=gateway_sub_code,
            gateway_sub_msg=gateway_sub_msg,
        )

        problem.additional_properties = d
        return problem

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
