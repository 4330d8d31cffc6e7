from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.campaign_kind import CampaignKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_campaign_shared import CreateCampaignShared


T = TypeVar("T", bound="CreateCampaign")


@_attrs_define
class CreateCampaign:
    """What a caller posts to create a campaign.

    Example:
        {'campaign_key': 'spring-sale-2026', 'kind': 'VOUCHER_SEND', 'template_id': '20140601000730010040000000EB',
            'shared': {'memo': 'Spring sale'}, 'rate_per_sec': 50.0}

    Attributes:
        campaign_key (str): Your key for this campaign (≤ 64): creating it again answers the same campaign.
        kind (CampaignKind): What each row of a campaign does.
        template_id (str): VOUCHER_SEND: Alipay's voucher template id; PASS_ISSUE: our template id.
        rate_per_sec (float): Rows per second, from 0.1 to 10,000, capped by the app's `rate_limit_qps` share
            for campaigns.
        shared (CreateCampaignShared | Unset): Request fields every row shares (a row's own fields win): `amount`,
            `memo`,
            `params`, `recipient`, `channel_id`…
    """

    campaign_key: str
    kind: CampaignKind
    template_id: str
    rate_per_sec: float
    shared: CreateCampaignShared | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        campaign_key = self.campaign_key

        kind = self.kind.value

        template_id = self.template_id

        rate_per_sec = self.rate_per_sec

        shared: dict[str, Any] | Unset = UNSET
        if not isinstance(self.shared, Unset):
            shared = self.shared.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "campaign_key": campaign_key,
                "kind": kind,
                "template_id": template_id,
                "rate_per_sec": rate_per_sec,
            }
        )
        if shared is not UNSET:
            field_dict["shared"] = shared

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.create_campaign_shared import CreateCampaignShared

        d = dict(src_dict)
        campaign_key = d.pop("campaign_key")

        kind = CampaignKind(d.pop("kind"))

        template_id = d.pop("template_id")

        rate_per_sec = d.pop("rate_per_sec")

        _shared = d.pop("shared", UNSET)
        shared: CreateCampaignShared | Unset
        if isinstance(_shared, Unset):
            shared = UNSET
        else:
            shared = CreateCampaignShared.from_dict(_shared)

        create_campaign = cls(
            campaign_key=campaign_key,
            kind=kind,
            template_id=template_id,
            rate_per_sec=rate_per_sec,
            shared=shared,
        )

        create_campaign.additional_properties = d
        return create_campaign

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
