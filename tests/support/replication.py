"""A real primary + hot-standby pair for tests, built on `PostgresServer` without changing it.

The primary is an ordinary `PostgresServer` with `wal_level=replica`. The standby is a second
`PostgresServer` whose data directory is filled by `pg_basebackup -R` (which writes `standby.signal`
and `primary_conninfo`) before `start()`: `start()` skips initdb when a data directory already exists,
and `write_conf()` appends the standby's own port and socket directory after the lines copied from the
primary, so the later lines win.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import time
from dataclasses import dataclass

from tests.support.postgres import PostgresServer, pg_bin

PRIMARY_CONF = {
    "wal_level": "replica",
    "max_wal_senders": "5",
    "hot_standby": "on",
}
STANDBY_CONF = {
    "hot_standby": "on",
    # Reports replay progress to the primary quickly, so pg_stat_replication is current in tests.
    "wal_receiver_status_interval": "1s",
    "log_connections": "on",
}


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class ReplicationPair:
    primary: PostgresServer
    standby: PostgresServer

    @classmethod
    def start(cls) -> ReplicationPair:
        primary = PostgresServer(extra_conf=dict(PRIMARY_CONF)).start()
        standby = PostgresServer(extra_conf=dict(STANDBY_CONF))
        pair = cls(primary, standby)
        try:
            pair._base_backup()
            standby.start()
            standby.wait_ready()
            pair.wait_streaming()
        except BaseException:
            pair.destroy()
            raise
        return pair

    def _base_backup(self) -> None:
        datadir = self.standby.datadir
        datadir.chmod(0o700)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(datadir, owner.pw_uid, owner.pw_gid)
        command = [pg_bin("pg_basebackup"), "-h", self.primary.host, "-p", str(self.primary.port),
                   "-U", self.primary.user, "-D", str(datadir / "data"), "-R", "-X", "stream",
                   "--checkpoint=fast", "--no-sync"]
        result = subprocess.run(_as_postgres(command), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"pg_basebackup failed: {result.stderr}")

    def wait_streaming(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1":
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not start streaming from the primary")

    def wait_caught_up(self, timeout: float = 30) -> None:
        """Wait until the standby has replayed all WAL the primary had inserted when this was called."""
        target = self.primary.psql("SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = self.standby.psql(f"SELECT pg_last_wal_replay_lsn() < '{target}'::pg_lsn")
            if behind == "f":
                return
            time.sleep(0.05)
        raise RuntimeError(f"the standby did not replay up to {target} within {timeout}s")

    def pause_replay(self) -> None:
        self.standby.psql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.standby.psql("SELECT pg_wal_replay_resume()")

    def stop_standby(self) -> None:
        self.standby.stop("fast")

    def start_standby(self) -> None:
        self.standby.start()
        self.standby.wait_ready()
        self.wait_streaming()

    def standby_log(self) -> str:
        log = self.standby.datadir / "server.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def destroy(self) -> None:
        self.standby.destroy()
        self.primary.destroy()
