"""Everything in `workflows/data/`: the vocabularies, the starting profiles, the pipelines of
members and of signals, and the signal themes with their deadlines.

Loaded once at startup, like the lifecycle workflows; a broken file stops startup with a message
that names the file, the place and the line. The result is immutable and shared by all requests.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .pipeline import PipelineDefinition, load_pipeline
from .profiles import Profile, load_profiles
from .signals import SignalRules, load_signal_rules
from .vocabulary import Vocabularies, load_vocabularies

DATA_FOLDER = "data"


@dataclass(frozen=True)
class Catalogue:
    vocabularies: Vocabularies
    profiles: tuple[Profile, ...]
    member_pipeline: PipelineDefinition
    signal_rules: SignalRules
    signal_pipeline: PipelineDefinition

    def profile(self, profile_id: str) -> Profile | None:
        return next((p for p in self.profiles if p.id == profile_id), None)


def load_catalogue(workflows_dir: str | Path) -> Catalogue:
    """Load the definitions in `<workflows_dir>/data/`."""
    folder = Path(workflows_dir) / DATA_FOLDER
    vocabularies = load_vocabularies(folder / "vocabularies.yaml")
    return Catalogue(
        vocabularies=vocabularies,
        profiles=load_profiles(folder / "profiles.yaml", vocabularies),
        member_pipeline=load_pipeline(folder / "member-pipeline.yaml"),
        signal_rules=load_signal_rules(folder / "signals.yaml"),
        signal_pipeline=load_pipeline(folder / "signal-handling.yaml"),
    )
