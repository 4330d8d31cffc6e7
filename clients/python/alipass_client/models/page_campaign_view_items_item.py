from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_kind import CampaignKind
from ..models.campaign_status import CampaignStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.page_campaign_view_items_item_refused_by_code import (
        PageCampaignViewItemsItemRefusedByCode,
    )
    from ..models.row_counts import RowCounts


T = TypeVar("T", bound="PageCampaignViewItemsItem")


@_attrs_define
class PageCampaignViewItemsItem:
    """A campaign and its progress.

    Attributes:
        id (UUID):
        campaign_key (str):
        kind (CampaignKind): What each row of a campaign does.
        app_id (str):
        status (CampaignStatus): UPLOADING → RUNNING ⇄ PAUSED → FINISHED | CANCELLED.
        rate_per_sec (float):
        effective_rate_per_sec (float): The rate rows are sent at: rate_per_sec capped by the app's limit.
        rows (RowCounts):
        refused_by_code (PageCampaignViewItemsItemRefusedByCode): REFUSED rows by the gateway's sub_code (else our
            problem code).
        current_rate_per_sec (float): Rows settled (SENT or REFUSED) in the last minute, per second.
        created_at (datetime.datetime):
        template_id (None | str | Unset):
        eta_seconds (int | None | Unset): Seconds until the rows still to send are sent at the effective rate.
        started_at (datetime.datetime | None | Unset):
        finished_at (datetime.datetime | None | Unset):
    """

    id: UUID
    campaign_key: str
    kind: CampaignKind
    app_id: str
    status: CampaignStatus
    rate_per_sec: float
    effective_rate_per_sec: float
    rows: RowCounts
    refused_by_code: PageCampaignViewItemsItemRefusedByCode
    current_rate_per_sec: float
    created_at: datetime.datetime
    template_id: None | str | Unset = UNSET
    eta_seconds: int | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        campaign_key = self.campaign_key

        kind = self.kind.value

        app_id = self.app_id

        status = self.status.value

        rate_per_sec = self.rate_per_sec

        effective_rate_per_sec = self.effective_rate_per_sec

        rows = self.rows.to_dict()

        refused_by_code = self.refused_by_code.to_dict()

        current_rate_per_sec = self.current_rate_per_sec

        created_at = self.created_at.isoformat()

        template_id: None | str | Unset
        if isinstance(self.template_id, Unset):
            template_id = UNSET
        else:
            template_id = self.template_id

        eta_seconds: int | None | Unset
        if isinstance(self.eta_seconds, Unset):
            eta_seconds = UNSET
        else:
            eta_seconds = self.eta_seconds

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "campaign_key": campaign_key,
                "kind": kind,
                "app_id": app_id,
                "status": status,
                "rate_per_sec": rate_per_sec,
                "effective_rate_per_sec": effective_rate_per_sec,
                "rows": rows,
                "refused_by_code": refused_by_code,
                "current_rate_per_sec": current_rate_per_sec,
                "created_at": created_at,
            }
        )
        if template_id is not UNSET:
            field_dict["template_id"] = template_id
        if eta_seconds is not UNSET:
            field_dict["eta_seconds"] = eta_seconds
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.page_campaign_view_items_item_refused_by_code import (
            PageCampaignViewItemsItemRefusedByCode,
        )
        from ..models.row_counts import RowCounts

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        campaign_key = d.pop("campaign_key")

        kind = CampaignKind(d.pop("kind"))

        app_id = d.pop("app_id")

        status = CampaignStatus(d.pop("status"))

        rate_per_sec = d.pop("rate_per_sec")

        effective_rate_per_sec = d.pop("effective_rate_per_sec")

        rows = RowCounts.from_dict(d.pop("rows"))

        refused_by_code = PageCampaignViewItemsItemRefusedByCode.from_dict(
            d.pop("refused_by_code")
        )

        current_rate_per_sec = d.pop("current_rate_per_sec")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_template_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        template_id = _parse_template_id(d.pop("template_id", UNSET))

        def _parse_eta_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        eta_seconds = _parse_eta_seconds(d.pop("eta_seconds", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        page_campaign_view_items_item = cls(
            id=id,
            campaign_key=campaign_key,
            kind=kind,
            app_id=app_id,
            status=status,
            rate_per_sec=rate_per_sec,
            effective_rate_per_sec=effective_rate_per_sec,
            rows=rows,
            refused_by_code=refused_by_code,
            current_rate_per_sec=current_rate_per_sec,
            created_at=created_at,
            template_id=template_id,
            eta_seconds=eta_seconds,
            started_at=started_at,
            finished_at=finished_at,
        )

        page_campaign_view_items_item.additional_properties = d
        return page_campaign_view_items_item

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
