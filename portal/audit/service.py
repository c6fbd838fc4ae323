"""Record admin actions; called by services inside their transaction."""

from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None = None,
    **details,
) -> None:
    """One audit row: `action` is a dotted verb such as `idea.moved` or `factor.updated`."""
    session.add(
        AuditEntry(
            actor_id=actor_id,
            action=action,
            kind=action.partition(".")[0],
            target_type=target_type,
            target_id=target_id,
            details={key: _plain(value) for key, value in details.items()},
        )
    )


def _plain(value):
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, int | float | bool | str) or value is None:
        return value
    return str(value)
