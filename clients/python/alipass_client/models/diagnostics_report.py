from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.diagnostic_finding import DiagnosticFinding


T = TypeVar("T", bound="DiagnosticsReport")


@_attrs_define
class DiagnosticsReport:
    """
    Example:
        {'healthy': True, 'findings': [{'check': 'keys', 'app': 'default', 'ok': True, 'detail': "RSA2 with a 2048-bit
            app key; Alipay's key 55e8fa8733e7e4b9; public key mode; content not encrypted"}, {'check': 'certs', 'app':
            'default', 'ok': True, 'detail': 'public key mode: no certificates to expire'}, {'check': 'database', 'ok':
            True, 'detail': 'connected over TLSv1.3 (sslmode=prefer), server certificate CN=localhost; 15 migrations
            applied'}, {'check': 'redis', 'ok': True, 'detail': 'answers PING without TLS (redis://)'}, {'check': 'gateway',
            'app': 'default', 'ok': True, 'detail': 'not an Alipay host (a simulator?): http://127.0.0.1:40905/gateway.do
            answers HTTP 200; clocks 0 s apart'}, {'check': 'call', 'app': 'default', 'ok': True, 'detail': 'a signed
            business refusal (TEMPLATE_NOT_EXIST) of a probe voucher.send: Alipay accepts our app id, key and signature, and
            we accept its answer'}]}

    Attributes:
        healthy (bool):
        findings (list[DiagnosticFinding]):
    """

    healthy: bool
    findings: list[DiagnosticFinding]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        healthy = self.healthy

        findings = []
        for findings_item_data in self.findings:
            findings_item = findings_item_data.to_dict()
            findings.append(findings_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "healthy": healthy,
                "findings": findings,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.diagnostic_finding import DiagnosticFinding

        d = dict(src_dict)
        healthy = d.pop("healthy")

        findings = []
        _findings = d.pop("findings")
        for findings_item_data in _findings:
            findings_item = DiagnosticFinding.from_dict(findings_item_data)

            findings.append(findings_item)

        diagnostics_report = cls(
            healthy=healthy,
            findings=findings,
        )

        diagnostics_report.additional_properties = d
        return diagnostics_report

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
