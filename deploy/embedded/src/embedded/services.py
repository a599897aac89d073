"""The five services as the launchers see them: name, app factory, settings, migrations,
the queues their consumers take."""

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from shared.settings import BaseServiceSettings

SERVICE_NAMES = ("auth", "journal", "messaging", "reporting", "archive")


@dataclass(frozen=True)
class ServiceModule:
    name: str
    create_app: Callable[..., FastAPI]
    settings_class: type[BaseServiceSettings]
    migrations: Path
    bindings: Mapping[str, Sequence[str]]  # its consumers' queues and their routing keys

    @property
    def env_prefix(self) -> str:
        return f"{self.name.upper()}_"

    def env(self, key: str) -> str | None:
        return os.environ.get(self.env_prefix + key.upper())

    def settings(self, **overrides: Any) -> BaseServiceSettings:
        return self.settings_class(**overrides)


def load(name: str) -> ServiceModule:
    main = importlib.import_module(f"{name}.main")
    settings_module = importlib.import_module(f"{name}.settings")
    consumers = importlib.import_module(f"{name}.consumers")
    return ServiceModule(
        name, main.create_app, settings_module.Settings, main.MIGRATIONS, consumers.BINDINGS
    )


def all_services() -> list[ServiceModule]:
    return [load(name) for name in SERVICE_NAMES]
