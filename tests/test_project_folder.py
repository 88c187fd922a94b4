"""esr serve finds the publication's files in the project folder, or refuses in one line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parser.publish import ProjectFolderError, find_project, load_metadata

import json

from .conftest import ROOT, esr_in_process


def esr(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parser", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.fixture
def archive(tmp_path, small_archive) -> Path:
    """A copy of the session's small archive (built with the contacts)."""
    shutil.copy(small_archive, tmp_path / "esr.db")
    return tmp_path / "esr.db"


def test_serve_outside_the_project_folder_refuses_in_one_line(tmp_path, archive):
    """Before: a bare Datasette was served, without the metadata, plugins and templates."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = esr("serve", "--db", str(archive), "--port", "0", cwd=elsewhere)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"esr: error: {elsewhere} is not the archive's project folder: metadata.yml, plugins/, templates/ missing "
        "(run esr serve in the repository, or name the folder with --project)"
    ]
    assert result.stdout == ""


def test_a_partial_project_folder_names_what_is_missing(tmp_path):
    (tmp_path / "metadata.yml").write_text("title: x\n")
    (tmp_path / "plugins").mkdir()
    with pytest.raises(ProjectFolderError, match=r"templates/ missing"):
        find_project(tmp_path)


def test_the_repository_is_a_project_folder_and_its_metadata_merges_the_dashboards():
    project = find_project(ROOT)
    assert project.plugins == ROOT / "plugins" and project.templates == ROOT / "templates"
    metadata = load_metadata(ROOT)
    assert metadata["title"].startswith("ESR-arkisto")
    assert "rahoitus" in metadata["plugins"]["datasette-dashboards"]


def test_the_package_does_not_look_for_its_files_beside_itself():
    source = (ROOT / "parser" / "publish" / "__init__.py").read_text(encoding="utf-8")
    assert "__file__" not in source


def test_a_public_server_refuses_an_archive_with_contacts(tmp_path, archive):
    result = esr("serve", "--db", str(archive), "--port", "0", "--public", cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"esr: error: {archive} holds the contact persons' e-mails and phones: a public server serves only an archive "
        "built without them (esr build --no-contacts)"
    ]


def test_a_public_server_serves_an_archive_built_without_contacts(tmp_path):
    import socket
    import time
    import urllib.request

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(ROOT / "corpus" / "S10962.txt", corpus / "S10962.txt")
    db = tmp_path / "db" / "esr.db"
    assert esr_in_process("build", str(corpus), "--db", str(db), "--no-contacts").returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "parser", "serve", "--db", str(db), "--port", str(port), "--public"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/esr/projects.json?_shape=array", timeout=1) as response:
                    rows = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.1)
        assert [(row["code"], row["contact_email"], row["contact_phone"]) for row in rows] == [("S10962", None, None)]
    finally:
        process.terminate()
        process.wait(timeout=10)
