from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.campaign_view import CampaignView
    from ..models.row_problem import RowProblem


T = TypeVar("T", bound="UploadReport")


@_attrs_define
class UploadReport:
    """What an upload did.

    Example:
        {'rows_read': 2, 'rows_added': 2, 'unreadable': 0, 'problems': [], 'campaign': {'id':
            '01a25201-007a-77f8-b399-278c24a91493', 'campaign_key': 'spring-sale-2026', 'kind': 'VOUCHER_SEND', 'app_id':
            '2021000000000001', 'status': 'RUNNING', 'template_id': '20140601000730010040000000EB', 'rate_per_sec': 50.0,
            'effective_rate_per_sec': 50.0, 'rows': {'total': 2, 'pending': 2, 'unknown': 0, 'sent': 0, 'refused': 0,
            'invalid': 0, 'cancelled': 0}, 'refused_by_code': {}, 'current_rate_per_sec': 0.0, 'eta_seconds': 1,
            'created_at': '2026-12-07T19:35:27.103232Z', 'started_at': '2026-12-07T19:35:27.591221Z', 'finished_at': None}}

    Attributes:
        rows_read (int): Rows read from the file (readable or not).
        rows_added (int): Rows new to the campaign (a file sent again adds none).
        unreadable (int): Rows that could not be read: INVALID, never sent.
        problems (list[RowProblem]): The first unreadable rows, with their line numbers.
        campaign (CampaignView): A campaign and its progress. Example: {'id': '01a25201-007a-77f8-b399-278c24a91493',
            'campaign_key': 'spring-sale-2026', 'kind': 'VOUCHER_SEND', 'app_id': '2021000000000001', 'status': 'FINISHED',
            'template_id': '20140601000730010040000000EB', 'rate_per_sec': 50.0, 'effective_rate_per_sec': 50.0, 'rows':
            {'total': 2, 'pending': 0, 'unknown': 0, 'sent': 0, 'refused': 2, 'invalid': 0, 'cancelled': 0},
            'refused_by_code': {'INVALID_PARAMETER': 2}, 'current_rate_per_sec': 0.03333333333333333, 'eta_seconds': None,
            'created_at': '2026-12-07T19:35:27.103232Z', 'started_at': '2026-12-07T19:35:27.591221Z', 'finished_at':
            '2026-12-07T19:35:31.763379Z'}.
    """

    rows_read: int
    rows_added: int
    unreadable: int
    problems: list[RowProblem]
    campaign: CampaignView
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rows_read = self.rows_read

        rows_added = self.rows_added

        unreadable = self.unreadable

        problems = []
        for problems_item_data in self.problems:
            problems_item = problems_item_data.to_dict()
            problems.append(problems_item)

        campaign = self.campaign.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "rows_read": rows_read,
                "rows_added": rows_added,
                "unreadable": unreadable,
                "problems": problems,
                "campaign": campaign,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.campaign_view import CampaignView
        from ..models.row_problem import RowProblem

        d = dict(src_dict)
        rows_read = d.pop("rows_read")

        rows_added = d.pop("rows_added")

        unreadable = d.pop("unreadable")

        problems = []
        _problems = d.pop("problems")
        for problems_item_data in _problems:
            problems_item = RowProblem.from_dict(problems_item_data)

            problems.append(problems_item)

        campaign = CampaignView.from_dict(d.pop("campaign"))

        upload_report = cls(
            rows_read=rows_read,
            rows_added=rows_added,
            unreadable=unreadable,
            problems=problems,
            campaign=campaign,
        )

        upload_report.additional_properties = d
        return upload_report

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
