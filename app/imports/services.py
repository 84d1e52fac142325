"""A transfer list from upload to commit: the file kept, its columns mapped (from the source's
template, else from the headers), the preview checked and stored, the commit queued as a
background job, cancelled or resumed; and files removed once the configured days have passed.

Pages and `flask import` call these; each flushes, the caller commits.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app import jobs
from app.audit import services as audit
from app.auth.models import User
from app.core import locks
from app.core.db import as_utc, utcnow
from app.core.text import shown_file_name
from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity.names import fold
from app.imports.headers import FIELD_NAMES, match_headers
from app.imports.models import ImportFile, ImportSource, ImportStatus, ListImport, SourceKey
from app.imports.preview import Known, ListChoices, Preview, preview
from app.imports.reading import MB, Limits, Table, read_table
from app.registry.models import Household

COMMIT_JOB = "imports.commit"
CHECK_JOB = "imports.check"
# A running commit writes a chunk every second or two; one silent this long has stopped.
STALLED_AFTER = timedelta(minutes=1)


# --- sources and their templates ---------------------------------------------------------


def sources_of(actor: User) -> list[ImportSource]:
    """The sources the actor's team has imported from, by name."""
    stmt = sa.select(ImportSource).where(ImportSource.team_id == actor.team_id)
    return list(db.session.scalars(stmt.order_by(ImportSource.name)))


def source_named(name: str, actor: User) -> ImportSource:
    """The actor's team's source called `name` (made if new). Raises ValidationFailed."""
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"source": [str(_l("Say where the list comes from."))]})
    stmt = sa.select(ImportSource).where(
        ImportSource.team_id == actor.team_id, ImportSource.name == name
    )
    found = db.session.scalar(stmt)
    if found is None:
        found = ImportSource(team_id=actor.team_id, name=name[:120], template={})
        db.session.add(found)
        db.session.flush()
    return found


def mapping_for(headers: list[str], source: ImportSource) -> dict[int, str]:
    """{column index: field}: the source's template for the headings it knows, the headings'
    own names for the rest."""
    guessed = match_headers(headers)
    mapping: dict[int, str] = {}
    for index, header in enumerate(headers):
        field = source.template.get(fold(header), guessed.get(index))
        if field in FIELD_NAMES and field not in mapping.values():
            mapping[index] = field
    return mapping


def save_template(source: ImportSource, headers: list[str], mapping: dict[int, str]) -> None:
    """Remember, for the next list of `source`, which field each heading holds."""
    template = dict(source.template)
    for index, header in enumerate(headers):
        if fold(header):
            template[fold(header)] = mapping.get(index, "")
    source.template = template
    source.updated_at = utcnow()


# --- the file ----------------------------------------------------------------------------


def receive(data: bytes, filename: str, source_name: str, choices: ListChoices, actor: User):
    """Read an uploaded list (raises UnreadableList, nothing stored), keep the file (once per
    SHA-256) and record the import with its first mapping. Returns (ListImport, Table)."""
    limits = Limits(max_bytes=current_app.config["IMPORT_MAX_MB"] * MB)
    table = read_table(data, filename, limits)
    remove_old_files()  # where no worker runs the daily job (SQLite), each upload does it
    if actor.team_id is None:
        raise ValidationFailed({None: [str(_l("You need a team to import lists."))]})
    source = source_named(source_name, actor)
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(ImportFile, digest) is None:
        db.session.add(ImportFile(sha256=digest, content=data))
    imported = ListImport(
        team_id=actor.team_id,
        source_id=source.id,
        created_by_id=actor.id,
        filename=shown_file_name(filename, "list"),
        file_sha256=digest,
        stored_as=digest,
        encoding=table.encoding or None,
        mapping={str(k): v for k, v in mapping_for(table.headers, source).items()},
        camp_id=choices.camp_id,
        batch_id=choices.batch_id,
        origin_governorate_id=choices.origin_governorate_id,
        summary={},
    )
    db.session.add(imported)
    db.session.flush()
    audit.record("imports.received", target=f"import:{imported.id}", change=True, user=actor)
    return imported, table


def table_of(imported: ListImport, encoding: str | None = None) -> Table:
    """The import's list, read again from the kept file (raises FileNotFoundError once the
    file was removed, UnreadableList if `encoding` does not fit it)."""
    kept = db.session.get(ImportFile, imported.stored_as) if imported.stored_as else None
    if kept is None:
        raise FileNotFoundError(imported.file_sha256)
    return read_table(kept.content, imported.filename, encoding=encoding or imported.encoding)


def mapping_of(imported: ListImport) -> dict[int, str]:
    return {int(k): v for k, v in imported.mapping.items()}


def choices_of(imported: ListImport) -> ListChoices:
    return ListChoices(imported.camp_id, imported.batch_id, imported.origin_governorate_id)


# --- checking ----------------------------------------------------------------------------


def known_households(source_id: int, keys: list[str] | None = None) -> dict[str, Known]:
    """Reference key -> the household (followed through merges) a list of the source made."""
    stmt = sa.select(SourceKey).where(SourceKey.source_id == source_id)
    if keys is not None:
        stmt = stmt.where(SourceKey.reference.in_(keys))
    found = {}
    for key in db.session.scalars(stmt):
        household = key.household
        while household.merged_into_id is not None:
            household = db.session.get(Household, household.merged_into_id)
        found[key.reference] = Known(household, key.digest)
    return found


def check(imported: ListImport, table: Table, actor: User) -> Preview:
    """Preview the list as mapped and store what the preview page shows."""
    result = preview(
        table,
        mapping_of(imported),
        choices_of(imported),
        actor,
        known_households(imported.source_id),
    )
    imported.summary = summary_of(result)
    imported.status = ImportStatus.CHECKED
    imported.encoding = table.encoding or None
    return result


def queue_check(
    imported: ListImport,
    mapping: dict[int, str],
    actor: User,
    template_headers: list[str] | None = None,
) -> None:
    """Check the list with this mapping in the background (against a large register a list
    takes longer to match than a request may last); its page shows the preview when done.
    With `template_headers` (the list's headings), the mapping is saved as its source's
    template."""
    imported.mapping = {str(k): v for k, v in mapping.items()}
    if template_headers is not None:
        save_template(imported.source, template_headers, mapping)
    imported.status = ImportStatus.CHECKING
    imported.checked_by_id = actor.id
    imported.failure = None
    imported.heartbeat_at = utcnow()
    jobs.launch_on_commit(CHECK_JOB, lock=f"import-{imported.id}", import_id=imported.id)


@jobs.task(CHECK_JOB)
def check_job(import_id: int) -> None:
    """The job behind `queue_check`: the preview stored, or, on an error, the list back to
    its columns with the error named (the person may try again)."""
    imported = db.session.get(ListImport, import_id)
    if imported is None or imported.status != ImportStatus.CHECKING:
        return
    actor = imported.checked_by or imported.created_by
    try:
        with force_locale(actor.locale or "en"):
            check(imported, table_of(imported), actor)
    except Exception as failure:
        db.session.rollback()
        imported.status = ImportStatus.NEW
        imported.failure = type(failure).__name__
        db.session.commit()
        raise


def summary_of(result: Preview) -> dict:
    """The preview as stored: counts, problems, and by row with possible duplicates the
    row's name and the candidates' member ids."""
    names = {
        row: _full_name(member)
        for family in result.families
        for row, member in zip(family.rows, family.members, strict=True)
        if row in result.duplicates
    }
    return {
        "rows": result.rows,
        "households": result.households,
        "members": result.members,
        "updates": result.updates,
        "unchanged": result.unchanged,
        "families": len(result.families),
        "rows_with_problems": result.rows_with_problems,
        "problems": [[p.row, p.column, p.message] for p in result.problems],
        "duplicates": {
            str(row): [names.get(row, ""), [c.member.id for c in candidates]]
            for row, candidates in result.duplicates.items()
        },
    }


def _full_name(member) -> str:
    parts = (member.given_name_ar, member.father_name_ar, member.grandfather_name_ar)
    return " ".join(p for p in (*parts, member.family_name_ar) if p)


# --- committing --------------------------------------------------------------------------


def queue_commit(imported: ListImport, actor: User, launch: bool = True) -> None:
    """Ask for the checked list to be written in the background (`launch=False`: the caller
    runs the job itself, as `flask import` does). Raises ValidationFailed."""
    if imported.status != ImportStatus.CHECKED:
        raise ValidationFailed({None: [str(_l("This list is already being imported."))]})
    writable = imported.summary.get("households", 0) + imported.summary.get("updates", 0)
    if writable == 0:
        raise ValidationFailed({None: [str(_l("Nothing in this list can be imported."))]})
    imported.status = ImportStatus.QUEUED
    imported.committed_by_id = actor.id
    imported.households_total = imported.summary.get("families", 0)
    imported.heartbeat_at = utcnow()
    audit.record("imports.commit", target=f"import:{imported.id}", change=True, user=actor)
    if launch:
        _launch(imported)


def cancel(imported: ListImport, actor: User) -> None:
    """Stop the commit: at once if it has not started (or its worker died), else after the
    chunk being written. Raises ValidationFailed when it is not under way."""
    locks.lock_rows(sa.select(ListImport.id).where(ListImport.id == imported.id))
    db.session.refresh(imported)
    if imported.status not in ImportStatus.UNDER_WAY:
        raise ValidationFailed({None: [str(_l("This import is not running."))]})
    if imported.status == ImportStatus.QUEUED or stalled(imported):
        imported.status = ImportStatus.CANCELLED  # a job that starts later finds it so
        imported.finished_at = utcnow()
    else:
        imported.status = ImportStatus.CANCELLING
    audit.record("imports.cancel", target=f"import:{imported.id}", change=True, user=actor)


def stalled(imported: ListImport) -> bool:
    """Whether a commit under way has written nothing for `STALLED_AFTER` (its process died)."""
    watched = (*ImportStatus.UNDER_WAY, ImportStatus.CHECKING)
    if imported.status not in watched or imported.heartbeat_at is None:
        return False
    return utcnow() - as_utc(imported.heartbeat_at) > STALLED_AFTER


def resumable(imported: ListImport) -> bool:
    """A commit stopped on an error, or a commit or check whose process died."""
    return imported.status == ImportStatus.FAILED or (
        imported.status in (ImportStatus.RUNNING, ImportStatus.CHECKING) and stalled(imported)
    )


def resume(imported: ListImport, actor: User) -> None:
    """Start a failed or stopped commit again; it goes on from its last chunk."""
    if not resumable(imported):
        raise ValidationFailed({None: [str(_l("This import is not stopped."))]})
    if imported.status == ImportStatus.CHECKING:
        imported.heartbeat_at = utcnow()
        jobs.launch_on_commit(CHECK_JOB, lock=f"import-{imported.id}", import_id=imported.id)
        return
    imported.status = ImportStatus.QUEUED
    imported.committed_by_id = imported.committed_by_id or actor.id
    imported.failure = None
    imported.heartbeat_at = utcnow()
    audit.record("imports.resume", target=f"import:{imported.id}", change=True, user=actor)
    _launch(imported)


def _launch(imported: ListImport) -> None:
    jobs.launch_on_commit(COMMIT_JOB, lock=f"import-{imported.id}", import_id=imported.id)


# --- keeping files -----------------------------------------------------------------------


@jobs.periodic("imports.remove_old_files", cron="17 3 * * *")
def remove_old_files() -> int:
    """Delete the kept files of lists older than `AWDA_IMPORT_KEEP_DAYS` whose import is not
    under way; returns how many. Their pages then say when the file went."""
    cutoff = utcnow() - timedelta(days=current_app.config["IMPORT_KEEP_DAYS"])
    stmt = sa.select(ListImport).where(
        ListImport.stored_as.is_not(None),
        ListImport.created_at < cutoff,
        ListImport.status.not_in(ImportStatus.UNDER_WAY),
    )
    old = list(db.session.scalars(stmt))
    for imported in old:
        _remove_file(imported)
    return len(old)


def _remove_file(imported: ListImport) -> None:
    digest = imported.stored_as
    imported.stored_as = None
    imported.file_removed_at = utcnow()
    db.session.flush()
    still_used = db.session.scalar(sa.select(ListImport.id).where(ListImport.stored_as == digest))
    if digest and still_used is None:
        db.session.execute(sa.delete(ImportFile).where(ImportFile.sha256 == digest))
    audit.record("imports.file_removed", target=f"import:{imported.id}", change=True)
