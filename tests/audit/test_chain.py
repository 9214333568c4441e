"""The audit chain detects edits, deletions and reordering; ``flask audit verify`` says where."""
from __future__ import annotations

import sqlalchemy as sa

from registry.audit.models import AuditEvent
from registry.audit.services import compute_hash, record, verify_chain
from registry.extensions import db


def _events(count: int = 5) -> list[AuditEvent]:
    events = [record("organisation.update", "organisation", n, before={"name": f"旧名称{n}"},
                     after={"name": f"新名称{n}", "id_number_digest": "secret"}, region_code="370602")
              for n in range(1, count + 1)]
    db.session.commit()
    return events


def test_events_link_to_their_predecessor(app):
    events = _events()
    assert events[0].prev_hash is None
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:]))
    assert "id_number_digest" not in events[0].after  # private fields never enter the log
    report = verify_chain()
    assert report.ok and report.checked == 5 and report.head == events[-1].hash


def test_edited_event_is_found(app):
    events = _events()
    db.session.execute(sa.text("UPDATE audit_events SET after = :a WHERE id = :id"),
                       {"a": '{"name": "篡改"}', "id": events[2].id})
    db.session.commit()
    report = verify_chain()
    assert not report.ok and report.first_bad_id == events[2].id
    assert "edited" in report.problem


def test_deleted_event_is_found(app):
    events = _events()
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[1].id))
    db.session.commit()
    report = verify_chain()
    assert report.first_bad_id == events[2].id and report.checked == 1


def test_reordered_events_are_found(app):
    events = _events()
    first, second = events[1].id, events[2].id
    db.session.execute(sa.text("UPDATE audit_events SET id = -1 WHERE id = :id"), {"id": first})
    db.session.execute(sa.text("UPDATE audit_events SET id = :new WHERE id = :id"),
                       {"new": first, "id": second})
    db.session.execute(sa.text("UPDATE audit_events SET id = :new WHERE id = -1"), {"new": second})
    db.session.commit()
    assert verify_chain().first_bad_id == first


def test_removed_newest_events_are_found_against_a_recorded_head(app):
    events = _events()
    head = events[-1].hash
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    db.session.commit()
    assert verify_chain().ok  # a shorter chain is consistent in itself…
    assert not verify_chain(expected_head=head).ok  # …but the head recorded earlier is gone


def test_verify_command(runner, app):
    events = _events()
    intact = runner.invoke(args=["audit", "verify"])
    assert intact.exit_code == 0 and "5 events" in intact.output and events[-1].hash in intact.output
    db.session.execute(sa.text("UPDATE audit_events SET action = 'x' WHERE id = :id"),
                       {"id": events[3].id})
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"event {events[3].id}" in broken.output


def test_empty_log_verifies(runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "0 events" in result.output


def test_rewritten_chain_is_reported_as_not_matching_the_recorded_head(runner, app):
    events = _events()
    head = events[-1].hash
    # An insider edits an event and recomputes every hash from there on: each link is
    # consistent again, and only the head recorded elsewhere shows it.
    db.session.execute(sa.text("UPDATE audit_events SET after = :a WHERE id = :id"),
                       {"a": '{"name": "篡改"}', "id": events[2].id})
    db.session.commit()
    previous = None
    for event in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
        event.prev_hash = previous
        event.hash = previous = compute_hash(event)
    db.session.commit()
    assert verify_chain().ok
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--expect-head", head])
    assert result.exit_code == 1
    assert "does NOT MATCH the expected head" in result.output
    expected = f"the expected head {head} is not in the log (its head is now {previous})"
    assert expected in result.output
    assert "events were removed, edited or re-hashed after that head was recorded" in result.output
    assert "BROKEN" not in result.output and "5 events in the log are consistent" in result.output


def test_removed_newest_events_name_the_recorded_head(runner, app):
    events = _events()
    head = events[-1].hash
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify", "--expect-head", head])
    assert result.exit_code == 1 and "removed, edited or re-hashed" in result.output
    assert runner.invoke(args=["audit", "verify", "--expect-head", events[-2].hash]).exit_code == 0
