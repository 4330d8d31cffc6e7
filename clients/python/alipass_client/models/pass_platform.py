from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.pass_platform_channel_scene_type_0 import PassPlatformChannelSceneType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="PassPlatform")


@_attrs_define
class PassPlatform:
    """Where the pass is issued from.

    Attributes:
        channel_id (str): The channel (partner id or app id), usually `$channelID$`, which the service fills.
        web_service_url (str): The merchant's callback address.
        channel_scene (None | PassPlatformChannelSceneType0 | Unset):
    """

    channel_id: str
    web_service_url: str
    channel_scene: None | PassPlatformChannelSceneType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        channel_id = self.channel_id

        web_service_url = self.web_service_url

        channel_scene: None | str | Unset
        if isinstance(self.channel_scene, Unset):
            channel_scene = UNSET
        elif isinstance(self.channel_scene, PassPlatformChannelSceneType0):
            channel_scene = self.channel_scene.value
        else:
            channel_scene = self.channel_scene

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channelID": channel_id,
                "webServiceUrl": web_service_url,
            }
        )
        if channel_scene is not UNSET:
            field_dict["channelScene"] = channel_scene

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        channel_id = d.pop("channelID")

        web_service_url = d.pop("webServiceUrl")

        def _parse_channel_scene(
            data: object,
        ) -> None | PassPlatformChannelSceneType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                channel_scene_type_0 = PassPlatformChannelSceneType0(data)

                return channel_scene_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PassPlatformChannelSceneType0 | Unset, data)

        channel_scene = _parse_channel_scene(d.pop("channelScene", UNSET))

        pass_platform = cls(
            channel_id=channel_id,
            web_service_url=web_service_url,
            channel_scene=channel_scene,
        )

        return pass_platform
