"""Base classes shared by every wire model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class WireModel(BaseModel):
    """A JSON body on the wire. Unknown members are ignored (protocol §1.3)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SparseWireModel(WireModel):
    """A body whose null members mean "absent" and are left out when written (§5.2, §11.22)."""

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("exclude_none", True)
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("exclude_none", True)
        return super().model_dump_json(**kwargs)
