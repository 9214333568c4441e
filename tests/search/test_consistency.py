"""The index follows the database: after commit, never after rollback, across crashes and
concurrent writers, for every record that changes a document."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from registry.evaluation.models import Grade
from registry.extensions import db
from registry.orgs.models import Organisation, OrganisationStatus
from registry.search import enqueue, engine
from registry.search.models import SearchOutbox
from registry.search.storage import current_generation, root_of
from registry.search.sync import verify
from tests import factories
from tests.search.conftest import find_organisations, find_practitioners, names

ROOT = Path(__file__).resolve().parents[2]


def _pending() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)
                             .where(SearchOutbox.processed_at.is_(None)))


def test_change_is_searchable_after_commit(app):
    organisation = factories.make_organisation(name="烟台市晴空心理咨询有限公司")
    db.session.commit()
    assert names(find_organisations(q="晴空")) == ["烟台市晴空心理咨询有限公司"]
    organisation.name = "烟台市明月心理咨询有限公司"
    db.session.commit()
    assert names(find_organisations(q="明月")) == ["烟台市明月心理咨询有限公司"]
    assert find_organisations(q="晴空").total == 0
    assert _pending() == 0


def test_rolled_back_change_never_reaches_the_index(app):
    factories.make_organisation(name="烟台市保留心理咨询有限公司")
    db.session.commit()
    factories.make_organisation(name="烟台市撤回心理咨询有限公司")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)
                             .where(SearchOutbox.processed_at.is_(None))) == 1  # same transaction
    db.session.rollback()
    assert find_organisations(q="撤回").total == 0
    assert _pending() == 0
    assert find_organisations(q="保留").total == 1


def test_evaluation_designation_and_sanction_change_the_document(app):
    organisation = factories.make_organisation(name="烟台市评优心理咨询有限公司")
    db.session.commit()
    assert find_organisations(q="评优", min_grade="good").total == 0
    factories.make_evaluation(organisation, factories.make_association(), factories.make_rubric(),
                              points=(55, 37), grade=Grade.EXCELLENT)
    db.session.commit()
    hit = find_organisations(q="评优", min_grade="good").items[0]
    assert (hit.data["grade"], hit.data["total"]) == ("excellent", 92)
    factories.make_designation(organisation, year=2026)
    db.session.commit()
    assert find_organisations(q="评优", demonstration="1").total == 1
    factories.make_sanction(organisation)
    organisation.status = OrganisationStatus.SUSPENDED
    db.session.commit()
    # Suspended: gone from ordinary searches, found by exact name or USCC, with its status.
    assert find_organisations(q="评优").total == 0
    for exact in ("烟台市评优心理咨询有限公司", organisation.uscc.lower()):
        hit = find_organisations(q=exact).items[0]
        assert hit.data["status"] == "suspended" and hit.data["sanctions"][0]["type"] == "warning"
    assert find_organisations(q="评优", status="suspended").total == 1


def _run_writer(name: str, mode: str, index_dir: str) -> subprocess.Popen:
    url = str(db.engine.url.render_as_string(hide_password=False))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-W", "error", "-m", "tests.search.writer_process",
                             url, index_dir, name, mode], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_crash_between_commit_and_indexing_loses_nothing(app, runner):
    factories.make_organisation(name="烟台市先行心理咨询有限公司")
    db.session.commit()  # the index exists from here on
    db.session.close()
    process = _run_writer("烟台市断电心理咨询有限公司", "crash", app.config["SEARCH_INDEX_DIR"])
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 17, stderr
    assert _pending() == 1  # committed, not indexed: the outbox kept it
    db.session.close()
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "applied 1" in result.output
    assert names(find_organisations(q="断电")) == ["烟台市断电心理咨询有限公司"]


def test_two_processes_writing_at_once_both_succeed(app):
    factories.make_organisation(name="烟台市起点心理咨询有限公司")
    db.session.commit()
    db.session.close()
    processes = [_run_writer(f"烟台市并发{suffix}心理咨询有限公司", "commit",
                             app.config["SEARCH_INDEX_DIR"]) for suffix in ("甲", "乙")]
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert "LockError" not in stderr
    assert sorted(names(find_organisations(q="并发"))) == ["烟台市并发乙心理咨询有限公司",
                                                         "烟台市并发甲心理咨询有限公司"]
    assert verify(app.config["SEARCH_INDEX_DIR"], db.engine).consistent


def test_core_updates_need_enqueue(app):
    organisation = factories.make_organisation(name="烟台市旧名心理咨询有限公司")
    db.session.commit()
    statement = sa.update(Organisation).where(Organisation.id == organisation.id)
    db.session.execute(statement.values(name="烟台市新名心理咨询有限公司"))
    db.session.commit()
    report = verify(app.config["SEARCH_INDEX_DIR"], db.engine)
    assert report.stale["organisations"] == [organisation.id]  # the hook cannot see Core updates
    db.session.execute(statement.values(name="烟台市更新心理咨询有限公司"))
    enqueue("organisation", [organisation.id])
    db.session.commit()
    assert names(find_organisations(q="更新")) == ["烟台市更新心理咨询有限公司"]
    assert verify(app.config["SEARCH_INDEX_DIR"], db.engine).consistent


def test_demo_data_is_searchable_without_any_command(app, runner):
    result = runner.invoke(args=["demo", "seed", "--orgs", "12"])
    assert result.exit_code == 0, result.output
    db.session.close()
    found = find_organisations()
    active = db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)
                               .where(Organisation.status == OrganisationStatus.ACTIVE))
    assert found.total == active > 0
    assert verify(app.config["SEARCH_INDEX_DIR"], db.engine).consistent


def test_rebuild_swaps_in_a_new_generation_and_verify_reports_differences(app, runner):
    organisation = factories.make_organisation(name="烟台市重建心理咨询有限公司")
    db.session.commit()
    root = root_of(app.config["SEARCH_INDEX_DIR"])
    before = current_generation(root)
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "indexed 1 organisations" in result.output
    assert current_generation(root) != before
    assert find_organisations(q="重建").total == 1
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    db.session.execute(sa.delete(SearchOutbox))
    db.session.execute(sa.update(Organisation).where(Organisation.id == organisation.id)
                       .values(status=OrganisationStatus.EXITED))
    db.session.commit()
    result = runner.invoke(args=["search", "verify"])
    assert result.exit_code == 1 and "outdated values: 1" in result.output


def test_a_damaged_index_is_rebuilt(app):
    factories.make_organisation(name="烟台市损坏心理咨询有限公司")
    db.session.commit()
    generation = current_generation(root_of(app.config["SEARCH_INDEX_DIR"]))
    for path in generation.iterdir():
        path.write_bytes(b"garbage")
    engine.forget_snapshots()
    assert names(find_organisations(q="损坏")) == ["烟台市损坏心理咨询有限公司"]


def test_while_the_index_is_missing_search_is_limited_and_says_so(app, client, no_index,
                                                                 monkeypatch):
    from registry.search import services

    factories.make_organisation(name="烟台市等待心理咨询有限公司")
    app.config["SEARCH_INLINE_REBUILD_LIMIT"] = 0
    db.session.commit()
    started = []
    monkeypatch.setattr(services, "_start_background_rebuild", lambda: started.append(True))
    page = client.get("/search?q=等待")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "检索功能暂时受限" in text
    assert "烟台市<mark>等待</mark>心理咨询有限公司" in text
    assert started


def test_a_bulk_change_is_applied_by_the_next_search(app):
    app.config["SEARCH_INLINE_SYNC_LIMIT"] = 2
    for number in range(3):
        factories.make_organisation(name=f"烟台市批量{number}号心理咨询有限公司")
    db.session.commit()
    assert _pending() == 3  # the commit did not index them itself
    assert find_organisations(q="批量").total == 3
    assert _pending() == 0


def _people(count: int) -> None:
    organisation = factories.make_organisation(name="烟台市并行心理咨询有限公司")
    for number in range(count):
        factories.make_qualification(factories.make_practitioner(organisation,
                                                                 name=f"并行{number:02d}"))
    db.session.commit()


def test_a_rebuild_in_two_processes_builds_the_same_index(app):
    from registry.search.sync import rebuild

    _people(12)
    steps = []
    report = rebuild(app.config["SEARCH_INDEX_DIR"], db.engine, processes=2,
                     progress=lambda kind, count: steps.append((kind, count)))
    assert (report.organisations, report.practitioners) == (1, 12)
    assert steps[0] == (None, 13) and sum(count for kind, count in steps[1:]) == 13
    assert {kind for kind, _ in steps[1:]} == {"organisations", "practitioners"}
    engine.forget_snapshots()
    assert verify(app.config["SEARCH_INDEX_DIR"], db.engine).consistent
    assert find_practitioners(q="并行07").total == 1


def test_a_failed_second_process_leaves_the_index_in_use(app, monkeypatch):
    import pytest

    from registry.search import sync
    from tests.search import rebuild_child

    _people(2)
    root = root_of(app.config["SEARCH_INDEX_DIR"])
    before = current_generation(root)
    for stand_in, message in ((rebuild_child.reports_failure, "the database went away"),
                              (rebuild_child.dies, "exit code 3")):
        monkeypatch.setattr(sync, "_build_in_child", stand_in)
        with pytest.raises(sync.RebuildFailed, match=message):
            sync.rebuild(app.config["SEARCH_INDEX_DIR"], db.engine, processes=2)
        assert current_generation(root) == before  # nothing swapped in, nothing left behind
        assert sorted(path.name for path in root.iterdir() if path.name.startswith("gen-")) \
            == [before.name]
    assert find_practitioners(q="并行01").total == 1
    result = app.test_cli_runner().invoke(args=["search", "rebuild", "--processes", "2"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "(exit code 3); the index in use is unchanged" in result.output


def test_a_practitioner_is_found_through_each_current_organisation(app):
    from datetime import date

    from registry.practitioners.models import Affiliation, AffiliationRole

    first = factories.make_organisation(name="烟台市晨光心理咨询有限公司")
    second = factories.make_organisation(name="烟台市暮云心理咨询有限公司")
    former = factories.make_organisation(name="烟台市往昔心理咨询有限公司")
    person = factories.make_practitioner(first, name="双岗")
    factories.make_qualification(person)
    factories.make_practitioner(first, name="单岗")
    for organisation, ended in ((second, None), (former, date(2023, 1, 1))):
        db.session.add(Affiliation(practitioner_id=person.id, organisation_id=organisation.id,
                                   role=AffiliationRole.PART_TIME, start_date=date(2021, 5, 1),
                                   end_date=ended))
    db.session.commit()
    assert [hit.data["name"] for hit in find_practitioners(q="暮云").items] == ["双岗"]
    assert sorted(hit.data["name"] for hit in find_practitioners(q="晨光").items) == ["单岗", "双岗"]
    assert find_practitioners(q="往昔").total == 0  # an ended affiliation is history
    # The bulk writer of a rebuild writes the same column.
    from registry.search.sync import rebuild

    rebuild(app.config["SEARCH_INDEX_DIR"], db.engine)
    engine.forget_snapshots()
    assert [hit.data["name"] for hit in find_practitioners(q="暮云 双岗").items] == ["双岗"]


def test_an_index_written_with_other_fields_is_rebuilt(app):
    from whoosh import fields, index

    from registry.search.storage import KINDS

    factories.make_organisation(name="烟台市旧版心理咨询有限公司")
    db.session.commit()
    generation = current_generation(root_of(app.config["SEARCH_INDEX_DIR"]))
    for kind in KINDS:  # as an older version of the registry wrote it
        index.create_in(str(generation), fields.Schema(id=fields.ID(stored=True)), indexname=kind)
    engine.forget_snapshots()
    assert names(find_organisations(q="旧版")) == ["烟台市旧版心理咨询有限公司"]
    assert current_generation(root_of(app.config["SEARCH_INDEX_DIR"])) != generation
