"""The locks in requirements/ (docs/lock.md) still satisfy pyproject.toml, leave torch and
CUDA out, and every run's provenance names the lock of its environment."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import re
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from phenomena.common import provenance

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = REPO / "pyproject.toml"
REFRESH = "requirements/refresh.sh"
LOCKS = {  # lock -> the extras it covers, as the README's two commands install them
    "requirements/tests.txt": ("dev", "slt", "slurm"),
    "requirements/pipeline.txt": ("slt",),
}
CUDA_ONLY = re.compile(r"^(nvidia-.*|triton|cuda-.*)$")


def load_lockfile():
    """requirements/lockfile.py (a script of refresh.sh, not a package)."""
    spec = importlib.util.spec_from_file_location("lockfile", REPO / "requirements/lockfile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lockfile = load_lockfile()


def check_fresh(lock: str, pyproject: Path = PYPROJECT) -> None:
    """Fail, saying how to refresh, unless ``lock`` was made from the specs ``pyproject`` has now."""
    extras = LOCKS[lock]
    stamp = lockfile.read_stamp(REPO / lock)
    assert stamp is not None, f"{lock} has no stamp of the specs it was made for; refresh the locks: {REFRESH}"
    assert stamp[0] == extras, f"{lock} covers extras {stamp[0]}, the README installs {extras}: fix {REFRESH}"
    if stamp[1] != lockfile.specs_digest(pyproject, extras):
        pytest.fail(
            f"{lock} is stale: the requirements of {pyproject.name} ([project.dependencies] and extras "
            f"{', '.join(extras)}) changed since it was made. Refresh the locks with {REFRESH} (seconds; "
            f"existing pins are kept where the new ranges allow), commit requirements/*.txt, then reinstall "
            "(docs/lock.md).",
            pytrace=False,
        )


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_was_made_from_the_specs_of_pyproject(lock):
    check_fresh(lock)


def test_a_changed_range_without_a_refresh_fails_saying_how_to_refresh(tmp_path):
    edited = tmp_path / "pyproject.toml"
    edited.write_text(PYPROJECT.read_text().replace('"pandas>=2.1"', '"pandas>=2.2"', 1))
    assert edited.read_text() != PYPROJECT.read_text()
    for lock in LOCKS:
        with pytest.raises(pytest.fail.Exception, match=re.escape(f"Refresh the locks with {REFRESH}")):
            check_fresh(lock, edited)


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_pins_every_requirement_at_a_version_its_range_admits(lock):
    import tomllib

    project = tomllib.loads(PYPROJECT.read_text())["project"]
    pins = provenance.lock_pins(REPO / lock)
    checked = 0
    for extra in (None, *LOCKS[lock]):
        specs = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
        for spec in specs:
            requirement = Requirement(spec)
            name = canonicalize_name(requirement.name)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra or ""}):
                continue
            if name == "torch":  # installed first, by hand: the CPU wheel, or a GPU user's own build
                assert name not in pins, f"{lock} pins torch; it must leave it out ({REFRESH})"
                continue
            assert name in pins, f"{lock} does not pin {spec} ({extra or 'dependencies'}); refresh: {REFRESH}"
            assert requirement.specifier.contains(pins[name], prereleases=True), (
                f"{lock} pins {name}=={pins[name]}, outside {spec}; refresh: {REFRESH}"
            )
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("lock", LOCKS)
def test_lock_hashes_every_pin_and_leaves_torch_and_cuda_out(lock):
    lines = (REPO / lock).read_text().splitlines()
    pins = provenance.lock_pins(REPO / lock)
    assert len(pins) > 100
    assert not [name for name in pins if name == "torch" or CUDA_ONLY.match(name)]
    for number, line in enumerate(lines):
        if provenance.PIN.match(line):
            assert line.endswith("\\") and lines[number + 1].lstrip().startswith("--hash=sha256:"), line


def test_pipeline_lock_pins_what_the_tests_lock_pins():
    tests = provenance.lock_pins(REPO / "requirements/tests.txt")
    pipeline = provenance.lock_pins(REPO / "requirements/pipeline.txt")
    assert {name: tests.get(name) for name in pipeline} == pipeline


def test_torch_is_the_same_cpu_release_in_readme_ci_and_lock():
    cpu = re.search(r"^torch==(\S+)\+cpu$", (REPO / "requirements/torch-cpu.txt").read_text(), re.M)[1]
    for path in ("README.md", ".ci/run"):
        assert set(re.findall(r"torch==([\w.]+)", (REPO / path).read_text())) == {cpu}, path
    requirements = [Requirement(spec) for spec in lockfile.project_specs(PYPROJECT, ())["dependencies"]]
    assert next(r for r in requirements if r.name == "torch").specifier.contains(cpu)


def write_lock(path: Path, pins: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}=={version} \\\n    --hash=sha256:{'0' * 64}\n" for name, version in pins.items()))


def test_lock_status_names_the_lock_the_environment_departs_from_least(tmp_path):
    installed = provenance.installed_versions()
    pytest_version = installed["pytest"]
    write_lock(tmp_path / "requirements/pipeline.txt", {"pytest": pytest_version})
    write_lock(tmp_path / "requirements/tests.txt", {"pytest": "0.1", "no-such-package": "1.0"})
    status = provenance.lock_status(tmp_path)
    assert status == {
        "file": "requirements/pipeline.txt",
        "sha256": hashlib.sha256((tmp_path / "requirements/pipeline.txt").read_bytes()).hexdigest(),
        "matches": True,
        "mismatches": [],
    }
    assert provenance.lock_summary(status).endswith("; the installed environment matches it")

    write_lock(tmp_path / "requirements/pipeline.txt", {"pytest": "0.1", "Packaging": "0.1", "no-such-package": "1"})
    status = provenance.lock_status(tmp_path)
    assert status["file"] == "requirements/tests.txt" and status["matches"] is False
    assert status["mismatches"] == ["no-such-package not installed (lock 1.0)", f"pytest {pytest_version} (lock 0.1)"]
    assert provenance.lock_summary(status).endswith("; 2 installed packages differ from it")


def test_lock_status_is_none_without_a_lock(tmp_path):
    empty = {"file": None, "sha256": None, "matches": None, "mismatches": None}
    assert provenance.lock_status(tmp_path) == empty
    assert provenance.lock_status(None) == empty
    assert provenance.lock_summary(empty).startswith("no lock found")


def test_meta_json_records_the_lock_of_the_checkout(tmp_path):
    started = dt.datetime.now(dt.timezone.utc)
    meta = provenance.write_meta(tmp_path / "meta.json", config={}, seed=0, started=started, finished=started)
    lock = meta["lock"]
    assert lock == provenance.lock_status()
    assert lock["file"] in LOCKS  # tests run from the checkout (an editable install)
    assert lock["sha256"] == hashlib.sha256((REPO / lock["file"]).read_bytes()).hexdigest()
    assert isinstance(lock["matches"], bool) and lock["matches"] == (lock["mismatches"] == [])
    assert '"lock": {' in (tmp_path / "meta.json").read_text()
