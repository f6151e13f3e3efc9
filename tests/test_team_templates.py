"""The team's canned replies in the registry, on a real PostgreSQL (issue 18)."""

from __future__ import annotations

import pytest

from gui.canned import TEAM, Template
from gui.team import TeamError, TeamRegistry

pytest_plugins = ["tests.team_postgres"]  # the postgres and team_schema fixtures


@pytest.fixture
def ann(team_schema):
    with TeamRegistry(team_schema, agent="ann") as registry:
        yield registry


@pytest.fixture
def bob(team_schema):
    with TeamRegistry(team_schema, agent="bob") as registry:
        yield registry


@pytest.fixture(autouse=True)
def empty_library(ann):
    for template in ann.templates():
        ann.delete_template(template.id)


def test_a_canned_reply_one_agent_saves_is_the_whole_teams(ann, bob):
    saved = ann.save_template(Template("Printer reset", "Unplug it, {first_name}.", "AWAITING_USER"))
    assert saved.scope == TEAM and saved.id > 0
    assert [(t.name, t.text, t.status, t.scope) for t in bob.templates()] == [
        ("Printer reset", "Unplug it, {first_name}.", "AWAITING_USER", TEAM)]


def test_a_teammate_edits_and_deletes_it(ann, bob):
    saved = ann.save_template(Template("Greeting", "Hello"))
    bob.save_template(Template("Greeting", "Hello there", id=saved.id))
    assert [t.text for t in ann.templates()] == ["Hello there"]
    bob.delete_template(saved.id)
    assert ann.templates() == []
    with pytest.raises(TeamError, match="deleted by a teammate"):
        ann.save_template(Template("Greeting", "Hi again", id=saved.id))


def test_two_team_replies_cannot_share_a_name_whatever_its_case(ann, bob):
    ann.save_template(Template("Refund", "We refund."))
    with pytest.raises(TeamError, match="already has a canned reply named"):
        bob.save_template(Template("REFUND", "Other text"))
    assert len(ann.templates()) == 1


def test_hostile_text_is_stored_and_read_back_as_is(ann):
    text = "<script>alert(1)</script> \u202eevil\u202c 😀 " + "x" * 5000
    ann.save_template(Template("Hostile", text))
    assert ann.templates()[0].text == text
