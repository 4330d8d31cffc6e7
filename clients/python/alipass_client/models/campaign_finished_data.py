from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CampaignFinishedData")


@_attrs_define
class CampaignFinishedData:
    """`campaign.finished`: every row of a campaign is settled.

    Attributes:
        campaign_id (UUID):
        campaign_key (str):
        finished_at (datetime.datetime):
    """

    campaign_id: UUID
    campaign_key: str
    finished_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_id = str(self.campaign_id)

        campaign_key = self.campaign_key

        finished_at = self.finished_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_id": campaign_id,
                "campaign_key": campaign_key,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        campaign_id = UUID(d.pop("campaign_id"))

        campaign_key = d.pop("campaign_key")

        finished_at = datetime.datetime.fromisoformat(d.pop("finished_at"))

        campaign_finished_data = cls(
            campaign_id=campaign_id,
            campaign_key=campaign_key,
            finished_at=finished_at,
        )

        campaign_finished_data.additional_properties = d
        return campaign_finished_data

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
