"""The agent's canned replies and, in a team, the team's: one library over the local store and the registry.

Called on workers through the task bridge (the registry is a network call). A team database that is
away leaves the agent's own replies usable: ``read`` says so in ``Library.problem``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..api import ApiError
from ..canned import FILE_BYTES, PERSONAL, TEAM, Template, TemplateError, export_text, import_text
from ..team.errors import TeamError

if TYPE_CHECKING:
    from ..store import LocalStore
    from ..team.registry import TeamRegistry


@dataclass(frozen=True)
class Library:
    templates: list[Template]  # personal first, then the team's; each by name
    problem: str = ""  # the team's library could not be read (its words); the personal ones are there
    in_team: bool = False


class CannedReplies:
    def __init__(self, store: LocalStore, team: TeamRegistry | None = None):
        self.store = store
        self.team = team

    def read(self) -> Library:
        personal = self.store.templates()
        if self.team is None:
            return Library(personal)
        try:
            return Library(personal + self.team.templates(), in_team=True)
        except TeamError as error:
            return Library(personal, f"The team's canned replies are not available now: {error}", in_team=True)

    def save(self, template: Template, previous: Template | None = None) -> Template:
        """Stores ``template`` where its scope says; moved between personal and team, it leaves the other."""
        with _in_words():
            return self._save(template.checked(), previous)

    def _save(self, template: Template, previous: Template | None) -> Template:
        if template.scope == TEAM and self.team is None:
            raise TemplateError("Team canned replies need a team database (Settings).")
        moved = previous is not None and previous.id and previous.scope != template.scope
        if moved:
            template = replace(template, id=0)
        if template.scope == TEAM:
            saved = self.team.save_template(template)
        else:
            saved = self.store.save_template(replace(template, scope=PERSONAL))
        if moved:
            self._delete(previous)
        return saved

    def delete(self, template: Template) -> None:
        with _in_words():
            self._delete(template)

    def _delete(self, template: Template) -> None:
        if template.scope == TEAM:
            if self.team is None:
                raise TemplateError("Team canned replies need a team database (Settings).")
            self.team.delete_template(template.id)
        else:
            self.store.delete_template(template.id)

    def import_file(self, path: Path) -> list[Template]:
        """Adds a file's replies to the agent's own; a name they already have is replaced (the file is newer)."""
        try:
            with open(path, "rb") as file:
                data = file.read(FILE_BYTES + 1)
        except OSError as error:
            raise TemplateError(f"Could not read {path.name}: {error.strerror or error}.") from None
        templates = import_text(data)
        mine = {t.name.casefold(): t for t in self.store.templates()}
        return [self.store.save_template(replace(t, id=getattr(mine.get(t.name.casefold()), "id", 0)))
                for t in templates]

    def export_file(self, path: Path, templates: list[Template]) -> None:
        try:
            temporary = path.with_name(path.name + ".partial")
            temporary.write_text(export_text(templates), encoding="utf-8")
            temporary.replace(path)
        except OSError as error:
            raise TemplateError(f"Could not write {path.name}: {error.strerror or error}.") from None



@contextmanager
def _in_words() -> Iterator[None]:
    """The team's errors in the one family the task bridge delivers."""
    try:
        yield
    except TeamError as error:
        raise ApiError(str(error)) from None
