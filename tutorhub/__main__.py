"""Command line: `python -m tutorhub <command>`.

  migrate                      apply database migrations
  prepare                      migrate, then seed demo data into an empty database
                               (unless TUTORHUB_SEED_DEMO=0)
  seed-demo                    seed demo data (refuses a database that already has users)
  create-admin --email E --password P [--name N]
  rebuild-free-slots           recompute the precomputed free-slot search index (run daily)
  rebuild-metrics              recompute the admin dashboard's daily figures from the first record
                               (the hourly `refresh_metrics` job keeps yesterday and today current)
  verify-ledger                check every ledger invariant; non-zero exit naming offending transactions
  backup --to DIR              a consistent backup (database, private files, secrets, manifest) while
                               the app runs (services/ops/backup.py)
  restore --from DIR [--force] check, restore, migrate and verify-ledger (stop the app first)
  run-job NAME                 run one scheduled job once, now (recorded on /admin/jobs as "manual");
                               `run-job --list` names them
"""

from __future__ import annotations

import argparse
import sys

from tutorhub.services.errors import DomainError
from tutorhub.startup import prepare_database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tutorhub")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate")
    sub.add_parser("prepare")
    sub.add_parser("seed-demo")
    admin = sub.add_parser("create-admin")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", default="Administrator")
    sub.add_parser("rebuild-free-slots")
    sub.add_parser("rebuild-metrics")
    sub.add_parser("verify-ledger")
    sub.add_parser("janus-config", help="write the Janus SFU config for this install; print its folder")
    run_job = sub.add_parser("run-job")
    run_job.add_argument("name", nargs="?", default="")
    run_job.add_argument("--list", action="store_true", help="print the job names")
    backup = sub.add_parser("backup")
    backup.add_argument("--to", required=True, dest="target")
    restore = sub.add_parser("restore")
    restore.add_argument("--from", required=True, dest="source")
    restore.add_argument("--force", action="store_true", help="replace a database or storage folder that holds data")
    args = parser.parse_args(argv)

    from tutorhub.db import session_scope
    from tutorhub.migrations import upgrade_to_head

    try:
        if args.command == "migrate":
            upgrade_to_head()
            print("database is at the latest migration")
        elif args.command == "prepare":
            print(prepare_database())
        elif args.command == "seed-demo":
            from tutorhub.demo.seed import database_is_empty, seed_demo

            upgrade_to_head()
            with session_scope() as session:
                if not database_is_empty(session):
                    print("refusing to seed: the database already has users", file=sys.stderr)
                    return 1
                print(f"seeded: {seed_demo(session)}")
        elif args.command == "create-admin":
            from tutorhub.services.accounts.passwords import create_admin

            upgrade_to_head()
            with session_scope() as session:
                user = create_admin(session, email=args.email, password=args.password, full_name=args.name)
            print(f"admin ready: {user.email} (id {user.id})")
        elif args.command == "janus-config":
            from tutorhub.integrations.janus_config import write_janus_config
            from tutorhub.room_settings import get_room_settings

            rs = get_room_settings()
            print(write_janus_config(rs.config_dir, admin_secret=rs.admin_secret, admin_key=rs.admin_key,
                                     http_port=rs.http_port, admin_port=rs.admin_port))
        elif args.command == "verify-ledger":
            return _verify_ledger()
        elif args.command == "run-job":
            return _run_job(args.name, listing=args.list)
        elif args.command == "backup":
            from pathlib import Path

            from tutorhub.models.base import utcnow
            from tutorhub.services.ops.backup import backup_to
            from tutorhub.settings import get_settings

            done = backup_to(Path(args.target), settings=get_settings(), now=utcnow())
            print(f"backup written to {done.path}: {done.database} at {done.revision or 'no revision'}, "
                  f"{done.tables} tables, {done.rows} rows, {done.files} private files, {done.bytes} bytes")
        elif args.command == "restore":
            return _restore(args.source, force=args.force)
        elif args.command == "rebuild-free-slots":
            from tutorhub.services.scheduling.free_index import rebuild_free_slots

            upgrade_to_head()
            with session_scope() as session:
                rows = rebuild_free_slots(session)
            print(f"free-slot index rebuilt: {rows} rows")
        elif args.command == "rebuild-metrics":
            from tutorhub.models.base import utcnow
            from tutorhub.services.ops.daily_aggregates import rebuild_all

            upgrade_to_head()
            with session_scope() as session:
                done = rebuild_all(session, now=utcnow())
            print(f"dashboard figures rebuilt: {done.first_day} to {done.last_day}, {done.metric_rows} figures, "
                  f"{done.activity_rows} active-user days")
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def _verify_ledger() -> int:
    from tutorhub.db import session_scope
    from tutorhub.services.ops.ledger_verify import verify_ledger

    with session_scope(read_only=True) as session:
        problems = verify_ledger(session)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"verify-ledger: {len(problems)} violation(s)", file=sys.stderr)
        return 1
    print("verify-ledger: ok")
    return 0


def _run_job(name: str, *, listing: bool) -> int:
    """Run one job of the scheduler's registry once, in this process, recorded like any run.
    Every job is idempotent, so running one beside a live scheduler is safe."""
    import socket

    from tutorhub.jobs.scheduler import JOBS
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.services.ops.job_runs import run_recorded

    names = sorted(job.job_id for job in JOBS)
    if listing or not name:
        print("\n".join(names))
        return 0 if listing else 2
    job = next((j for j in JOBS if j.job_id == name), None)
    if job is None:
        print(f"error: no job named {name!r}; jobs: {', '.join(names)}", file=sys.stderr)
        return 2
    upgrade_to_head()
    result = run_recorded(job.job_id, job.func, trigger="manual", holder=f"cli:{socket.gethostname()}")
    print(f"{job.job_id}: {result.outcome} {result.detail}".rstrip())
    return 0 if result.outcome == "ok" else 1


def _restore(source: str, *, force: bool) -> int:
    from pathlib import Path

    from tutorhub.db import reset_engines
    from tutorhub.migrations import upgrade_to_head
    from tutorhub.models.base import utcnow
    from tutorhub.services.ops.restore import restore_from
    from tutorhub.settings import get_settings

    reset_engines()  # nothing of this process may hold the database being replaced
    done = restore_from(Path(source), settings=get_settings(), force=force, now=utcnow())
    print(f"restored {done.database} backup (revision {done.revision or '-'}): {done.rows} rows, "
          f"{done.files} private files")
    if done.set_aside is not None:
        print(f"the private files that were there are kept in {done.set_aside}")
    for problem in done.count_mismatches:
        print(f"row count differs: {problem}", file=sys.stderr)
    reset_engines()
    upgrade_to_head()
    print("database is at the latest migration")
    status = _verify_ledger()
    return 1 if done.count_mismatches else status


if __name__ == "__main__":
    raise SystemExit(main())
