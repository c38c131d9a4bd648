"""Command line: `python -m tutorhub <command>`.

  migrate                      apply database migrations
  prepare                      migrate, then seed demo data into an empty database
                               (unless TUTORHUB_SEED_DEMO=0)
  seed-demo                    seed demo data (refuses a database that already has users)
  create-admin --email E --password P [--name N]
  rebuild-free-slots           recompute the precomputed free-slot search index (run daily)
  verify-ledger                check every ledger invariant; non-zero exit naming offending transactions
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
    sub.add_parser("verify-ledger")
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
        elif args.command == "verify-ledger":
            from tutorhub.services.ops.ledger_verify import verify_ledger

            with session_scope(read_only=True) as session:
                problems = verify_ledger(session)
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                print(f"verify-ledger: {len(problems)} violation(s)", file=sys.stderr)
                return 1
            print("verify-ledger: ok")
        elif args.command == "rebuild-free-slots":
            from tutorhub.services.scheduling.free_index import rebuild_free_slots

            upgrade_to_head()
            with session_scope() as session:
                rows = rebuild_free_slots(session)
            print(f"free-slot index rebuilt: {rows} rows")
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
