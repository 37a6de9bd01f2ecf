"""The filesystem source's configuration (the source's ``config`` object)."""

from __future__ import annotations

from pathlib import PurePath

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_EXCLUDE = [
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".DS_Store",
    "*.pyc",
    "*~",
]


class FilesystemConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    roots: list[str] = Field(min_length=1, description="directories to index")
    include: list[str] = Field(
        default_factory=lambda: ["*"],
        description="globs a file must match: a pattern without '/' matches the file name, "
        "one with '/' the path relative to the root; '**' spans directories",
    )
    exclude: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDE),
        description="globs of files and directories to skip (same syntax as include)",
    )
    max_file_size_bytes: int = Field(default=20 * 1024 * 1024, ge=0)
    follow_symlinks: bool = False
    checkpoint_every: int = Field(default=500, ge=1, description="files between checkpoints")
    public: bool = True
    users: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _root_labels_unique(self) -> FilesystemConfig:
        labels = [root_label(r) for r in self.roots]
        if len(self.roots) > 1 and len(set(labels)) != len(labels):
            raise ValueError("roots must have distinct directory names (they prefix document ids)")
        return self

    def labelled_roots(self) -> list[tuple[str, str]]:
        """``(label, root)`` sorted by label. One root has the empty label: ids are plain paths."""
        if len(self.roots) == 1:
            return [("", self.roots[0])]
        return sorted((root_label(r), r) for r in self.roots)


def root_label(root: str) -> str:
    return PurePath(root.rstrip("/\\")).name or "root"
