"""Flask commands: `flask --app wsgi db upgrade|check|revision`, `create-admin`, `demo`,
`outbox-worker`."""

from __future__ import annotations

import time

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from portal import PROJECT_ROOT
from portal.db import db


def alembic_config() -> AlembicConfig:
    config = AlembicConfig(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"])
    return config


def register_cli(app: Flask) -> None:
    @app.cli.group("db")
    def db_group():
        """Database migrations (Alembic)."""

    @db_group.command("upgrade")
    @click.argument("revision", default="head")
    def db_upgrade(revision: str):
        """Upgrade the database to REVISION (default: head); at head, HTML kept in rows is
        rendered again if this version renders Markdown differently (portal/stored_html.py)."""
        command.upgrade(alembic_config(), revision)
        if revision == "head":
            from portal.stored_html import refresh_stored_html

            changed = refresh_stored_html(db.engine)
            if changed:
                click.echo(f"Rendered again the HTML of {changed} comments and release notes.")

    @db_group.command("downgrade")
    @click.argument("revision", default="-1")
    def db_downgrade(revision: str):
        command.downgrade(alembic_config(), revision)

    @db_group.command("revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message: str):
        """Autogenerate a migration from the models."""
        command.revision(alembic_config(), message=message, autogenerate=True)

    @db_group.command("check")
    def db_check():
        """Fail if the models and the migrations disagree."""
        command.check(alembic_config())

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt="Display name")
    @click.password_option()
    def create_admin(email: str, name: str, password: str):
        """Create a verified admin account."""
        from portal.accounts.models import Role
        from portal.accounts.passwords import hash_password
        from portal.accounts.service import create_user, get_user_by_email

        password_hash = hash_password(password)
        session = db.session
        if get_user_by_email(session, email) is not None:
            raise click.ClickException(f"{email} already has an account.")
        create_user(
            session, email=email, password_hash=password_hash, display_name=name,
            role=Role.admin, verified=True,
        )  # fmt: skip
        session.commit()
        click.echo(f"Admin {email} created.")

    @app.cli.command("demo")
    @click.option("--force", is_flag=True, help="Load even if the database has data.")
    def demo(force: bool):
        """Load realistic demo data (boards, organisations, customers, ideas, votes)."""
        from portal.demo import load_demo

        summary = load_demo(db.session, force=force)
        click.echo(summary)

    @app.cli.command("refresh-scores")
    def refresh_scores():
        """Re-score every idea (persistence and freshness change with time: run it nightly)."""
        from portal.priority.service import refresh_all_scores

        count = refresh_all_scores(db.session)
        db.session.commit()
        click.echo(f"{count} ideas re-scored")

    @app.cli.command("outbox-worker")
    @click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
    @click.option("--interval", default=2.0, help="Seconds between polls.")
    def outbox_worker(once: bool, interval: float):
        """Close released ideas that most found solved (when set), turn events into follower
        email, write daily digests, and send what is queued, retrying with back-off. Several may
        run at once."""
        from portal.notify.worker import run_once, worker_name

        worker = worker_name()
        while True:
            try:
                result = run_once(db.new_session, worker=worker)
            except Exception:  # a busy or restarting database must not end the service
                current_app.logger.exception("outbox worker pass failed; trying again")
                if once:
                    raise
                time.sleep(interval)
                continue
            if result.closed:
                click.echo(f"closed {result.closed} released idea(s) automatically")
            if result.sent:
                click.echo(f"sent {result.sent} message(s)")
            if once:
                return
            time.sleep(interval)
