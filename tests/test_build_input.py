"""What a build does with input it cannot or must not take, and what its exit code says: an
unreadable folder or file (an error, never a removal), links out of the corpus (not read),
hostile file names (shown escaped), a database folder it cannot write or a full disk (one line,
the old archive intact), failed documents held from an earlier build (exit 1), and a public
build (no contact's e-mail or phone anywhere in it).

Where it is about what a user sees on a terminal (an error line, a name shown escaped), the real
command runs in a fresh process; root reads a chmod 000 folder, so those tests run it as the user
nobody (``setpriv``). Where a test looks only at what the command read or wrote (the links ``esr
parse`` leaves out, a public build's contacts) or at the exit code and summary it gives (click's
runner returns the code the process would exit with; tests/test_archive.py runs the real command
to a failed document's exit 1), it runs in this process (``esr_in_process``).
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlite_utils

from parser.archive.build import build

from .conftest import CORPUS, copy_corpus, esr_in_process
from .test_archive import dump
from .test_build_reliability import esr, leftovers, one_error

NOBODY = 65534
#: The sample contacts, found by hand in corpus/*.txt (the "Sähköposti:" / "Yhteyshenkilön
#: sähköpostisoite:" and the contact's "Puhelinnumero:" lines): e-mail as the text writes it (the
#: service's "(at)"), as the parser reads it, and the contact's phone.
CONTACTS = {
    "S10673.txt": ("pirjo.kekalainen(at)jupiter.fi", "pirjo.kekalainen@jupiter.fi", "040-772 8419"),
    "S10962.txt": ("jarmo.rautjarvi(at)kuopio.fi", "jarmo.rautjarvi@kuopio.fi", "017 183 300"),
    "S20334.txt": ("tanja.back(at)kuopio.fi", "tanja.back@kuopio.fi", "0447183901"),
    # The same number is also the organisation's phone of this project: it goes too.
    "S21736.txt": ("jaana.juntunen(at)kris.fi", "jaana.juntunen@kris.fi", "0465473112"),
}



# -- running as another user: root reads a chmod 000 folder, so the command runs as nobody ------


def _other_user() -> tuple[str, ...]:
    if os.geteuid() != 0:
        return ()  # chmod 000 already stops this user
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: chmod 000 does not stop root from reading")
    return ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")


@pytest.fixture
def open_tmp():
    """A folder another user (nobody) can enter: pytest's own tmp folders are root's alone."""
    folder = Path(tempfile.mkdtemp(prefix="esr-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def _owned_by_nobody(*paths: Path) -> None:
    """The paths (a folder: and all in it) made the other user's, when that user is nobody."""
    if os.geteuid() == 0:
        for path in paths:
            for each in [path, *(path.rglob("*") if path.is_dir() else [])]:
                os.chown(each, NOBODY, NOBODY)


# -- 1. an unreadable folder is an error, never a removal ---------------------------------------


def test_unreadable_folder_stops_the_build_and_keeps_the_archive(open_tmp):
    prefix = _other_user()
    corpus = copy_corpus(open_tmp, reference=False)
    (corpus / "sub").mkdir()
    for name in ("S10673.txt", "S21736.txt"):
        (corpus / name).rename(corpus / "sub" / name)
    db_folder = open_tmp / "db"
    db = db_folder / "esr.db"
    build(corpus, db)
    _owned_by_nobody(db_folder)
    before = dump(db)
    assert len(before["documents"]) == 5
    (corpus / "sub").chmod(0o000)
    result = esr("build", str(corpus), "--db", str(db), prefix=prefix)
    line = one_error(result, f"{corpus / 'sub'}")
    assert "removed" not in result.stderr
    assert "permission denied" in line.lower()
    assert dump(db) == before  # the sub-folder's two documents are still there
    assert leftovers(db_folder) == []


def test_unreadable_folder_in_process(tmp_path, monkeypatch):
    """The same through the library: the listing of one folder fails, the build raises before it
    touches the archive."""
    corpus = copy_corpus(tmp_path, reference=False)
    (corpus / "sub").mkdir()
    (corpus / "S10673.txt").rename(corpus / "sub" / "S10673.txt")
    db = tmp_path / "esr.db"
    build(corpus, db)
    before = dump(db)
    scandir = os.scandir

    def failing(path="."):
        if os.fspath(path).rstrip("/").endswith("/sub"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", failing)
    with pytest.raises(Exception) as raised:
        build(corpus, db)
    assert "sub" in str(raised.value) and "ermission denied" in str(raised.value)
    assert dump(db) == before


def test_unreadable_file_is_one_error_line_and_keeps_the_archive(open_tmp, bare_archive):
    prefix = _other_user()
    corpus = copy_corpus(open_tmp, reference=False)
    db_folder = open_tmp / "db"
    db = db_folder / "esr.db"
    db_folder.mkdir()
    shutil.copyfile(bare_archive, db)  # what build(corpus, db) writes (the session's build of it)
    _owned_by_nobody(db_folder)
    before = dump(db)
    (corpus / "S10962.txt").chmod(0o000)
    result = esr("build", str(corpus), "--db", str(db), prefix=prefix)
    one_error(result, f"{corpus / 'S10962.txt'}")
    assert dump(db) == before
    assert leftovers(db_folder) == []


def test_a_file_gone_during_a_new_build_stops_it_before_there_is_an_archive(tmp_path, monkeypatch):
    """A new archive's files are hashed by the workers that read them: one gone between the
    scan and its worker still stops the build, named, and leaves nothing behind."""
    from parser.archive import build as build_module

    corpus = copy_corpus(tmp_path, reference=False)
    scan = build_module.scan_corpus

    def scan_then_remove(folder):
        found = scan(folder)
        (corpus / "S10962.txt").unlink()
        return found

    monkeypatch.setattr(build_module, "scan_corpus", scan_then_remove)
    db = tmp_path / "esr.db"
    with pytest.raises(build_module.BuildError) as raised:
        build(corpus, db)
    assert raised.value.lines == [
        f"{corpus / 'S10962.txt'}: cannot be read (no such file or directory); the build stopped before touching {db}"
    ]
    assert not db.exists()
    assert leftovers(tmp_path) == []


def test_a_new_archive_holds_the_hash_of_each_file(tmp_path):
    import hashlib

    corpus = copy_corpus(tmp_path, reference=False)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")  # fails: hashed by the build itself
    db = tmp_path / "esr.db"
    build(corpus, db)
    with sqlite3.connect(db) as connection:
        held = dict(connection.execute("select id, sha256 from documents"))
    expected = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in corpus.glob("*.*") if path.is_file()}
    assert held == expected and len(held) == 6


# -- 4. links out of the corpus are not read -----------------------------------------------------


def _linked_corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = copy_corpus(tmp_path, reference=False)
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text((CORPUS / "S10962.txt").read_text(encoding="utf-8").replace("S10962", "S19999"), encoding="utf-8")
    (outside / "more.txt").write_text("Salainen muistio\n\nEi kuulu arkistoon.\n", encoding="utf-8")
    (corpus / "x.txt").symlink_to(secret)
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "elsewhere").symlink_to(outside, target_is_directory=True)
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up.txt").symlink_to("../../outside/more.txt")
    (corpus / "latest.txt").symlink_to("S20334.txt")  # inside the corpus: a document
    return corpus, outside


def test_links_out_of_the_corpus_are_not_read_by_build(tmp_path):
    corpus, _ = _linked_corpus(tmp_path)
    db = tmp_path / "esr.db"
    result = esr("build", str(corpus), "--db", str(db))  # a fresh process: its workers' stderr too
    assert "Traceback" not in result.stderr
    archive = sqlite_utils.Database(db)
    ids = [row[0] for row in archive.execute("select id from documents order by id")]
    assert ids == ["S10673.txt", "S10962.txt", "S20334.txt", "S21736.txt", "asumisen-tukemisen-toimintamalli.txt", "latest.txt"]
    assert archive.execute("select count(*) from projects where code = 'S19999'").fetchone() == (0,)
    assert archive.execute("select count(*) from documents where text like '%root:%' or text like '%Salainen%'").fetchone() == (0,)
    notes = [line for line in result.stderr.splitlines() if line.startswith("esr: note: ")]
    for name in ("x.txt", "passwd.txt", "elsewhere", "sub/up.txt"):
        assert len([n for n in notes if f"{name}:" in n and "outside the corpus" in n]) == 1, (name, notes)


def test_links_out_of_the_corpus_are_not_read_by_parse(tmp_path):
    corpus, _ = _linked_corpus(tmp_path)
    result = esr_in_process("parse", str(corpus), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert "root:" not in result.stdout and "S19999" not in result.stdout and "Salainen" not in result.stdout
    assert result.stdout.count("\n") == 6  # the five samples and latest.txt
    notes = [line for line in result.stderr.splitlines() if line.startswith("esr: note: ")]
    assert len(notes) == 4 and all("outside the corpus" in n for n in notes), result.stderr


def test_the_rule_for_links(tmp_path):
    from parser.corpus import scan_corpus

    corpus, _ = _linked_corpus(tmp_path)
    (corpus / "loop").symlink_to(corpus, target_is_directory=True)
    (corpus / "gone.txt").symlink_to(corpus / "nothing.txt")
    (corpus / "reference").mkdir()
    (corpus / "ref-link.txt").symlink_to(corpus / "reference" / "notes.csv")
    (corpus / "reference" / "notes.csv").write_text("a,b\n")
    scan = scan_corpus(corpus)
    assert list(scan.documents) == ["S10673.txt", "S10962.txt", "S20334.txt", "S21736.txt", "asumisen-tukemisen-toimintamalli.txt", "latest.txt"]
    assert scan.errors == []
    joined = "\n".join(scan.notes)
    for name in ("x.txt", "passwd.txt", "elsewhere", "sub/up.txt", "loop", "gone.txt", "ref-link.txt"):
        assert f"{name}:" in joined, name


# -- 6. the exit code reflects the archive, not only this run ------------------------------------


def test_a_no_op_rebuild_of_an_archive_with_failures_exits_1(tmp_path):
    corpus = copy_corpus(tmp_path, reference=False)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    db = tmp_path / "esr.db"
    assert build(corpus, db).failed == 1
    again = esr_in_process("build", str(corpus), "--db", str(db))
    assert again.returncode == 1, again.stderr
    last = again.stderr.strip().splitlines()[-1]
    assert last.startswith("esr: nothing changed") and "1 failed" in last, last
    # Another document changes; the failed one is unchanged and not parsed again: still 1.
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("560 897", "570 000"), encoding="utf-8")
    changed = esr_in_process("build", str(corpus), "--db", str(db))
    assert changed.returncode == 1 and "1 failed" in changed.stderr.strip().splitlines()[-1], changed.stderr


def test_a_strict_no_op_rebuild_of_an_archive_with_warnings_exits_1(built_copy, small_archive_and_report):
    # Built with the municipality key (the session's build of the small corpus, copied):
    # Nilsiä and Vähäkyrö get warnings.
    corpus, db = built_copy
    assert small_archive_and_report[1].warnings == 2
    strict = esr_in_process("build", str(corpus), "--db", str(db), "--strict")
    assert strict.returncode == 1, strict.stderr
    assert "2 warnings" in strict.stderr.strip().splitlines()[-1]
    assert esr_in_process("build", str(corpus), "--db", str(db)).returncode == 0  # warnings alone are fine


# -- 7. --no-contacts leaves them out of everything ----------------------------------------------


def _traces(db: Path) -> list[str]:
    """Every sample contact's e-mail or phone still found in the database: its bytes (every
    table, every page, free pages too) and its full-text indexes and vocabulary."""
    data = db.read_bytes()
    found = []
    for doc, (written, email, phone) in CONTACTS.items():
        digits = "".join(c for c in phone if c.isdigit())
        for value in (written, email, email.split("@")[0], phone, digits):
            if value.encode() in data:
                found.append(f"{doc}: {value!r} in the file")
    connection = sqlite3.connect(db)
    for doc, (written, email, phone) in CONTACTS.items():
        words = " ".join(written.replace("(at)", " at ").replace(".", " ").split())
        for table in ("documents_fts", "project_index_fts"):
            for phrase in (words, " ".join(phone.replace("-", " ").split())):
                hits = connection.execute(f"select count(*) from [{table}] where [{table}] match ?", [f'"{phrase}"']).fetchone()[0]
                if hits:
                    found.append(f"{doc}: {phrase!r} in {table}")
        digits = "".join(c for c in phone if c.isdigit())
        if connection.execute("select count(*) from vocabulary_fts where term = ?", [digits]).fetchone()[0]:
            found.append(f"{doc}: {digits!r} in vocabulary_fts")
    connection.close()
    return found


def test_no_contacts_leaves_no_trace_of_them(tmp_path):
    corpus = copy_corpus(tmp_path, reference=False)
    # A contact quoted elsewhere too, in another form: a label the layout does not know goes to
    # extra_fields and to a warning that quotes it.
    path = corpus / "S10962.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Puhelinnumero: 017 183 300\n", "Puhelinnumero: 017 183 300\n\nLisätiedot: jarmo.rautjarvi(at)kuopio.fi tai 017-183 300\n"), encoding="utf-8")
    with_contacts = tmp_path / "with" / "esr.db"
    build(corpus, with_contacts)
    assert len(_traces(with_contacts)) > 8  # the check finds them where they are
    db = tmp_path / "public" / "esr.db"
    result = esr_in_process("build", str(corpus), "--db", str(db), "--no-contacts")
    assert result.returncode == 0, result.stderr
    assert _traces(db) == []
    archive = sqlite_utils.Database(db)
    assert archive["build_info"].get("contacts")["value"] == "left out"
    row = archive["projects"].get("S10962")
    assert (row["contact_name"], row["contact_email"], row["contact_phone"]) == ("Jarmo Rautjärvi", None, None)
    assert row["implementer_phone"] == "017-186 111"  # the organisation's own number stays
    text = archive["documents"].get("S10962.txt")["text"]
    assert "Sähköposti: [poistettu / removed]" in text and "Puhelinnumero: 017-186 111" in text
    assert archive.execute("select count(*) from extra_fields where project_code = 'S10962'").fetchone() == (1,)
    # An incremental public build keeps them out as well.
    path = corpus / "S20334.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("458 937", "458 938"), encoding="utf-8")
    assert build(corpus, db, include_contacts=False).parsed == 1
    assert _traces(db) == []


# -- 8. one line, not a traceback ----------------------------------------------------------------


def test_db_under_a_file(tmp_path):
    corpus = copy_corpus(tmp_path, reference=False)
    (tmp_path / "some_file").write_text("not a folder\n")
    result = esr("build", str(corpus), "--db", str(tmp_path / "some_file" / "esr.db"))
    one_error(result, str(tmp_path / "some_file"))


def test_unwritable_db_folder(open_tmp):
    prefix = _other_user()
    corpus = copy_corpus(open_tmp, reference=False)
    db_folder = open_tmp / "db"
    db_folder.mkdir()
    db = db_folder / "esr.db"
    build(corpus, db)  # as this user: the folder is not the other user's to write
    db.chmod(0o644)
    before = dump(db)
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("560 897", "570 000"), encoding="utf-8")
    result = esr("build", str(corpus), "--db", str(db), prefix=prefix)
    one_error(result, str(db_folder))
    assert dump(db) == before


def _tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True).returncode == 0


def test_full_disk_on_a_tiny_tmpfs(tmp_path):
    folder = tmp_path / "disk"
    folder.mkdir()
    if not _tmpfs(folder, "8m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        corpus = copy_corpus(tmp_path, reference=False)
        db = folder / "esr.db"
        assert esr("build", str(corpus), "--db", str(db)).returncode == 0
        before = dump(db)
        # Fill the disk until less than the database's size is left.
        stats = os.statvfs(folder)
        free = stats.f_bavail * stats.f_frsize
        with open(folder / "filler", "wb") as filler:
            filler.write(b"\0" * max(0, free - db.stat().st_size // 2))
        path = corpus / "S10962.txt"
        path.write_text(path.read_text(encoding="utf-8").replace("560 897", "570 000"), encoding="utf-8")
        for args in ((), ("--full",)):
            result = esr("build", str(corpus), "--db", str(db), *args)
            one_error(result, "space")
            assert dump(db) == before
            assert leftovers(folder) == []
    finally:
        # Lazily: connections dump() left open still hold files of it.
        subprocess.run(["umount", "--lazy", str(folder)], check=False)


def test_full_disk_in_process(tmp_path, monkeypatch, bare_archive):
    """Without a tmpfs: the copy of the old database fails as a full disk makes it fail."""
    from click.testing import CliRunner

    from parser.archive import build as build_module
    from parser.cli import cli

    corpus = copy_corpus(tmp_path, reference=False)
    db = tmp_path / "esr.db"
    shutil.copyfile(bare_archive, db)  # what build(corpus, db) writes (the session's build of it)
    before = dump(db)
    path = corpus / "S10962.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("560 897", "570 000"), encoding="utf-8")

    def full(source, target, *args, **kwargs):
        Path(target).write_bytes(b"x")
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(build_module.shutil, "copyfile", full)
    result = CliRunner().invoke(cli, ["build", str(corpus), "--db", str(db)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.startswith("esr: error: ")]
    assert len(lines) == 1 and "no space left" in lines[0], result.output
    assert dump(db) == before
    assert leftovers(tmp_path) == []


# -- 9. file names cannot forge lines ------------------------------------------------------------

FORGED = "esr: note: all documents parsed fine"


def _hostile_corpus(tmp_path: Path) -> Path:
    corpus = copy_corpus(tmp_path, reference=False)
    (corpus / f"evil\n{FORGED}.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    (corpus / "\x1b[2K\x1b[1Agreen.pdf").write_bytes(b"%PDF-1.4\n%%EOF")
    return corpus


@pytest.mark.parametrize("command", ["build", "parse"])
def test_file_names_are_printed_escaped(tmp_path, command):
    corpus = _hostile_corpus(tmp_path)
    args = ("build", str(corpus), "--db", str(tmp_path / "esr.db")) if command == "build" else ("parse", str(corpus), "--format", "jsonl")
    result = esr(*args)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not any(line.startswith(FORGED) for line in result.stderr.splitlines())
    assert "\x1b" not in result.stderr
    assert f"evil\\n{FORGED}.pdf: " in result.stderr
    assert "\\x1b[2K\\x1b[1Agreen.pdf: " in result.stderr


def test_a_name_that_is_not_utf8(tmp_path):
    corpus = copy_corpus(tmp_path, reference=False)
    with open(os.path.join(os.fsencode(corpus), b"bad\xff.txt"), "wb") as file:
        file.write((CORPUS / "S10962.txt").read_bytes())
    result = esr("build", str(corpus), "--db", str(tmp_path / "esr.db"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert any(line.startswith("esr: note: bad\\xff.txt: ") for line in result.stderr.splitlines()), result.stderr


def test_show_path():
    from parser.corpus import show_path

    assert show_path("corpus/S10962.txt") == "corpus/S10962.txt"
    assert show_path("a\nb\rc\td\x1be\x7f\x85") == "a\\nb\\rc\\td\\x1be\\x7f\\x85"
    assert show_path("a\\n") == "a\\\\n"  # a real backslash is not an escape
    assert show_path("x\u202etxt.exe") == "x\\u202etxt.exe"
    assert show_path(os.fsdecode(b"bad\xff")) == "bad\\xff"
    assert show_path(Path("Etelä-Savo/ä.txt")) == "Etelä-Savo/ä.txt"
