from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.app_links import AppLinks


T = TypeVar("T", bound="PassAppInfo")


@_attrs_define
class PassAppInfo:
    """A link to the merchant's app.

    Attributes:
        label (None | str | Unset): The link's label.
        message (None | str | Unset): The link's text.
        app (AppLinks | None | Unset):
    """

    label: None | str | Unset = UNSET
    message: None | str | Unset = UNSET
    app: AppLinks | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.app_links import AppLinks

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        app: dict[str, Any] | None | Unset
        if isinstance(self.app, Unset):
            app = UNSET
        elif isinstance(self.app, AppLinks):
            app = self.app.to_dict()
        else:
            app = self.app

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if label is not UNSET:
            field_dict["label"] = label
        if message is not UNSET:
            field_dict["message"] = message
        if app is not UNSET:
            field_dict["app"] = app

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.app_links import AppLinks

        d = dict(src_dict)

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        def _parse_app(data: object) -> AppLinks | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                app_type_0 = AppLinks.from_dict(data)

                return app_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppLinks | None | Unset, data)

        app = _parse_app(d.pop("app", UNSET))

        pass_app_info = cls(
            label=label,
            message=message,
            app=app,
        )

        return pass_app_info
