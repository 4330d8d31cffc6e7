from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.operation_settled_data_subject import OperationSettledDataSubject


T = TypeVar("T", bound="OperationSettledData")


@_attrs_define
class OperationSettledData:
    """`operation.settled`: an operation whose outcome was unknown (a lost answer, a crash) is
    settled, by a retry, the reconciler or an operator.

        Attributes:
            subject (OperationSettledDataSubject): The record: `kind` (template, pass or voucher) and its keys (`id` and
                `unique_id`;
                `serial_number`, `channel_id` and, for a change, `operation_id`; `template_id` and
                `out_biz_no`).
            outcome (None | str | Unset): The event the settlement announced beside this one (e.g. `pass.issued`); null when
                it announced none (a change refused).
    """

    subject: OperationSettledDataSubject
    outcome: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        subject = self.subject.to_dict()

        outcome: None | str | Unset
        if isinstance(self.outcome, Unset):
            outcome = UNSET
        else:
            outcome = self.outcome

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "subject": subject,
            }
        )
        if outcome is not UNSET:
            field_dict["outcome"] = outcome

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.operation_settled_data_subject import OperationSettledDataSubject

        d = dict(src_dict)
        subject = OperationSettledDataSubject.from_dict(d.pop("subject"))

        def _parse_outcome(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        outcome = _parse_outcome(d.pop("outcome", UNSET))

        operation_settled_data = cls(
            subject=subject,
            outcome=outcome,
        )

        operation_settled_data.additional_properties = d
        return operation_settled_data

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
