"""The shape of the code base, so it stays one a reader can find their way in (docs/architecture.md):
small modules, domain packages instead of a flat warehouse. Import arrows and cycles are checked by
import-linter (`lint-imports`, contracts in pyproject.toml) and ruff's PLC0415 in `make test`."""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tutorhub"
MAX_LINES = 400


def _modules(folder: Path) -> list[Path]:
    return [p for p in folder.glob("*.py") if p.name != "__init__.py"]


def test_no_module_is_over_the_size_limit():
    too_big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_big == {}


def test_services_are_domain_packages_around_a_small_core():
    services = PACKAGE / "services"
    core = sorted(p.stem for p in _modules(services))
    assert len(core) <= 10, core
    domains = {p.name for p in services.iterdir() if (p / "__init__.py").exists()}
    assert {"accounts", "tutors", "scheduling", "booking", "learning", "money", "billing", "checkout",
            "messaging", "ops"} <= domains


@pytest.mark.parametrize("layer", ["state", "pages"])
def test_ui_layers_follow_the_domain_packages(layer):
    folder = PACKAGE / layer
    assert len(_modules(folder)) <= 6, sorted(p.stem for p in _modules(folder))
    services = {p.name for p in (PACKAGE / "services").iterdir() if (p / "__init__.py").exists()}
    ui_domains = {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
    assert ui_domains <= services, ui_domains - services


def test_a_page_and_its_state_share_a_stem():
    """`pages/money/wallet.py` ↔ `state/money/wallet.py`: every page module of a domain has its state
    module beside the same name, unless it only composes other pages' parts."""
    pages = {p.relative_to(PACKAGE / "pages") for p in (PACKAGE / "pages").rglob("*.py") if p.name != "__init__.py"}
    states = {p.relative_to(PACKAGE / "state") for p in (PACKAGE / "state").rglob("*.py") if p.name != "__init__.py"}
    composed = {Path("home.py"), Path("tutors/public_profile.py"), Path("tutors/credentials.py"),
                Path("tutors/photo.py")}  # the photo section of the profile form (TutorProfileState)
    assert sorted(str(p) for p in pages - states - composed) == []
