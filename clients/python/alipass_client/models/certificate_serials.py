from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CertificateSerials")


@_attrs_define
class CertificateSerials:
    """The certificate SNs this instance sends and verifies with (certificate mode).

    Attributes:
        app (str): The app's name.
        app_cert_sn (str):
        alipay_root_cert_sn (str):
        alipay_cert_sns (list[str]): The configured Alipay certificate first, then those Alipay rotated to since start
            (downloaded or read from the shared archive, and checked against the root).
    """

    app: str
    app_cert_sn: str
    alipay_root_cert_sn: str
    alipay_cert_sns: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        app = self.app

        app_cert_sn = self.app_cert_sn

        alipay_root_cert_sn = self.alipay_root_cert_sn

        alipay_cert_sns = self.alipay_cert_sns

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "app": app,
                "app_cert_sn": app_cert_sn,
                "alipay_root_cert_sn": alipay_root_cert_sn,
                "alipay_cert_sns": alipay_cert_sns,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        app = d.pop("app")

        app_cert_sn = d.pop("app_cert_sn")

        alipay_root_cert_sn = d.pop("alipay_root_cert_sn")

        alipay_cert_sns = cast(list[str], d.pop("alipay_cert_sns"))

        certificate_serials = cls(
            app=app,
            app_cert_sn=app_cert_sn,
            alipay_root_cert_sn=alipay_root_cert_sn,
            alipay_cert_sns=alipay_cert_sns,
        )

        certificate_serials.additional_properties = d
        return certificate_serials

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
