from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dependency_state import DependencyState
from ..models.ready_status import ReadyStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.certificate_serials import CertificateSerials


T = TypeVar("T", bound="ReadinessReport")


@_attrs_define
class ReadinessReport:
    """
    Example:
        {'status': 'ready', 'postgres': 'up', 'redis': 'up'}

    Attributes:
        status (ReadyStatus):
        postgres (DependencyState):
        redis (DependencyState):
        certificates (list[CertificateSerials] | Unset): The apps in certificate mode.
    """

    status: ReadyStatus
    postgres: DependencyState
    redis: DependencyState
    certificates: list[CertificateSerials] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        postgres = self.postgres.value

        redis = self.redis.value

        certificates: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.certificates, Unset):
            certificates = []
            for certificates_item_data in self.certificates:
                certificates_item = certificates_item_data.to_dict()
                certificates.append(certificates_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "postgres": postgres,
                "redis": redis,
            }
        )
        if certificates is not UNSET:
            field_dict["certificates"] = certificates

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.certificate_serials import CertificateSerials

        d = dict(src_dict)
        status = ReadyStatus(d.pop("status"))

        postgres = DependencyState(d.pop("postgres"))

        redis = DependencyState(d.pop("redis"))

        _certificates = d.pop("certificates", UNSET)
        certificates: list[CertificateSerials] | Unset = UNSET
        if _certificates is not UNSET:
            certificates = []
            for certificates_item_data in _certificates:
                certificates_item = CertificateSerials.from_dict(certificates_item_data)

                certificates.append(certificates_item)

        readiness_report = cls(
            status=status,
            postgres=postgres,
            redis=redis,
            certificates=certificates,
        )

        readiness_report.additional_properties = d
        return readiness_report

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
