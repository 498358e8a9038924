"""The parent PIN gate as a service: no Typer, no CliRunner (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chorectl.db.engine import ensure_schema, make_engine
from chorectl.errors import Denied
from chorectl.security import keystore
from chorectl.security.pin import hash_pin
from chorectl.services import gate, household
from chorectl.services.auth import Binding
from chorectl.services.uow import UnitOfWork
from tests.helpers import on_server, query

NOW = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


@pytest.fixture
def open_uow(tmp_path, backend):
    """Units of work on a household whose PIN is 2468: in a SQLite file, and on PostgreSQL."""
    engine = make_engine(backend.location if backend.postgres else tmp_path / "gate.db", create=True)
    ensure_schema(engine)
    hashed = hash_pin("2468")

    def store(household_id: str) -> Binding:
        keystore.set_hash("system", household_id, hashed)
        return Binding(keystore.location("system"), keystore.fingerprint(household_id, hashed))

    household.initialise(UnitOfWork(engine, write=True), currency="$", now=NOW, store_pin=store)
    yield lambda write=False, actor="parent": UnitOfWork(engine, write=write, actor=actor)
    engine.dispose()


def failed(open_uow) -> int:
    with open_uow() as uow:
        return household.require(uow).failed_pins


def test_the_right_pin_from_the_environment_lets_a_parent_through(open_uow):
    found = gate.require_parent(open_uow, gate.PinSource(env="2468"), command="chorectl pay")
    assert found.pin_set and failed(open_uow) == 0


def test_a_wrong_pin_is_denied_and_counted(open_uow):
    with pytest.raises(Denied, match="wrong parent PIN"):
        gate.require_parent(open_uow, gate.PinSource(env="0000"), command="chorectl pay")
    assert failed(open_uow) == 1


def test_without_a_pin_or_a_prompt_it_is_denied_unchecked(open_uow):
    with pytest.raises(Denied, match="needs the parent PIN") as denied:
        gate.require_parent(open_uow, gate.PinSource(), command="chorectl pay")
    assert denied.value.hint == gate.NO_PIN_HINT and failed(open_uow) == 0


def test_the_prompt_is_asked_only_when_the_environment_has_no_pin(open_uow):
    asked = []
    gate.require_parent(open_uow, gate.PinSource(ask=lambda: asked.append(1) or "2468"), command="chorectl pay")
    gate.require_parent(
        open_uow, gate.PinSource(env="2468", ask=lambda: asked.append(2) or "x"), command="chorectl pay"
    )
    assert asked == [1]


def test_a_prompt_closed_with_ctrl_d_is_denied(open_uow):
    def eof() -> str:
        raise EOFError

    with pytest.raises(Denied, match="no parent PIN was given"):
        gate.require_parent(open_uow, gate.PinSource(ask=eof), command="chorectl pay")


def test_doctor_runs_as_a_service(open_uow, ring):
    from chorectl.services import doctor

    checks = {c.name: c for c in doctor.run(open_uow(), "gate.db")}
    assert all(c.status == "ok" for c in checks.values()), checks
    ring.store.clear()  # the keyring lost the PIN: doctor says so, without a command line
    checks = {c.name: c for c in doctor.run(open_uow(), "gate.db")}
    lost = "not in this machine's keyring" if on_server() else "missing from the keyring"
    assert checks["parent PIN"].status == "fail" and lost in checks["parent PIN"].detail


@pytest.mark.sqlite_only  # backup and restore of the file gate.db; PostgreSQL's households move by 'copy'
def test_restore_runs_as_a_service(open_uow, tmp_path):
    """Back up, change the data, restore: no command line, the gate's result passed in."""
    from chorectl.services import auth, ledger, members, storage

    live = tmp_path / "gate.db"
    members.add(open_uow(write=True), "Amy", role="child", now=NOW)
    backup = tmp_path / "backup.db"
    storage.backup(live, backup)
    ledger.adjust(open_uow(write=True), "Amy", 500, reason="bonus", now=NOW)
    current = gate.require_parent(open_uow, gate.PinSource(env="2468"), command="test")
    done = storage.restore_over(live, backup, current, now=NOW)
    assert done.kept is not None and done.kept.exists() and not done.other_household
    with open_uow() as uow:
        assert household.require(uow).pin_fingerprint is not None
    assert query("SELECT COUNT(*) FROM ledger", path=live) == [(0,)]  # as it was when backed up
    # and where there is no database at all, it is put in place, keeping the PIN the keyring holds
    fresh = tmp_path / "new" / "chorectl.db"
    done = storage.restore_into_nothing(fresh, backup, new_pin=lambda: pytest.fail("no PIN needed"), now=NOW)
    assert done.kept_pin and fresh.exists()
    assert auth.gate(UnitOfWork(make_engine(fresh), write=False)).pin_set


def test_pin_change_unlock_and_lock_run_as_services(open_uow):
    from chorectl.services import pins

    pins.change(open_uow, hashed=hash_pin("1357"), now=NOW)
    with pytest.raises(Denied):
        gate.require_parent(open_uow, gate.PinSource(env="2468"), command="test")
    gate.require_parent(open_uow, gate.PinSource(env="1357"), command="test")
    pins.unlock(open_uow, minutes=5)
    gate.require_parent(open_uow, gate.PinSource(), command="test")  # the session lets it through
    assert pins.lock(open_uow, now=NOW) is True
    with pytest.raises(Denied, match="needs the parent PIN"):
        gate.require_parent(open_uow, gate.PinSource(), command="test")
    with pytest.raises(Denied, match="never by a script"):
        _recover_without_entry(open_uow)  # a script cannot recover, even with the entry gone


def _recover_without_entry(open_uow):
    import keyring

    from chorectl.services import pins

    with open_uow() as uow:
        hid = household.require(uow).id
    keyring.get_keyring().delete_password("chorectl", hid)
    pins.recover(open_uow, household_id=hid, new_pin=None, now=NOW)


def test_a_unit_of_work_opened_twice_is_the_projects_own_error(open_uow):
    from chorectl.errors import NestedUnitOfWork

    uow = open_uow()
    with uow:
        with pytest.raises(NestedUnitOfWork, match="opened twice"):
            with uow:
                pass
        assert household.require(uow).pin_set  # the outer one is still usable
    with uow:  # and it opens again once closed
        assert household.require(uow).pin_set


def test_chorectl_itself_hashes_pins_at_bcrypt_cost_12():
    """Tests lower the cost for speed (tests/conftest.py in this process, the e2e Scene in its own),
    and a check reads the cost from the hash it checks. What chorectl itself writes is cost 12:
    checked on a fresh copy of the module, as chorectl loads it, not the one the fixtures patched."""
    import importlib.util

    from chorectl.security import pin as patched

    spec = importlib.util.spec_from_file_location("chorectl_pin_as_shipped", patched.__file__)
    shipped = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shipped)
    assert patched.BCRYPT_ROUNDS == 4  # tests/conftest.py's, for speed
    assert shipped.BCRYPT_ROUNDS == 12
    hashed = shipped.hash_pin("2468")
    assert hashed.startswith("$2b$12$"), hashed
    assert shipped.verify("2468", hashed) and patched.verify("2468", hashed)  # the cost is read from the hash
    assert not patched.verify("2469", hashed)
