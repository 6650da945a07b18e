#!/bin/bash
# Start one PostgreSQL node of the reference stack in the role given by PG_ROLE:
#   primary  - serve read-write; on an empty data dir, copy the seed (/seed) or initdb;
#              with standby.signal in the data dir (a rejoined old primary) run as a standby;
#              with recovery.signal (a pgBackRest restore) replay WAL to the restore target first;
#              archive WAL into the pgBackRest repository on the backup volume (/backup/pgbackrest)
#   standby  - clone the primary with pg_basebackup (replication slot pg_standby), stream from it
#   backup   - the repository's keeper: owns the backup volume; backups are taken by the harness
#              on the current primary (`pgbackrest backup`), `odoo-chaos backup list` reads them here
#   seed     - an initdb'd, unreplicated server whose data dir (/seed) is committed as a snapshot
# Passwords come from the environment (generated per run) and are never echoed.
set -euo pipefail
log() { echo "pg-entrypoint[$PG_ROLE]: $*"; }

PG_ROLE=${PG_ROLE:-primary}
PRIMARY_HOST=${PRIMARY_HOST:-pg-primary}
export PGCONNECT_TIMEOUT=2

common_flags=(
  -c listen_addresses='*'
  -c wal_level=replica
  -c max_wal_senders=10
  -c max_replication_slots=10
  -c hot_standby=on
  -c hot_standby_feedback=on
  -c wal_log_hints=on
  -c max_connections=200
  -c shared_buffers=128MB
  -c log_line_prefix='%m [%p] %q%u@%d '
)

init_cluster() {  # $1 = data dir
  initdb -D "$1" -U postgres -E UTF8 --locale=C.UTF-8 --data-checksums \
         --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  cat >> "$1/pg_hba.conf" <<HBA
host all         all        0.0.0.0/0 scram-sha-256
host replication replicator 0.0.0.0/0 scram-sha-256
HBA
}

set_passwords() {  # single-user mode: runs before the server listens, so no window with old passwords
  postgres --single -D "$PGDATA" postgres >/dev/null <<SQL
DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='replicator') THEN CREATE ROLE replicator WITH REPLICATION LOGIN; END IF; END \$\$;
DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='odoo') THEN CREATE ROLE odoo WITH LOGIN CREATEDB; END IF; END \$\$;
ALTER ROLE postgres PASSWORD '${POSTGRES_PASSWORD:?}';
ALTER ROLE replicator PASSWORD '${REPLICATION_PASSWORD:?}';
ALTER ROLE odoo PASSWORD '${ODOO_DB_PASSWORD:?}';
SQL
}

wait_for_primary() {
  until pg_isready -q -h "$PRIMARY_HOST" -p 5432; do sleep 0.2; done
}

# pgBackRest archives each WAL file once; a file already in the repository with the same checksum
# (the other node pushed it before a failover or switchback) counts as done, a different one is refused.
ARCHIVE='pgbackrest --stanza=odoo archive-push %p'

rm -f /var/run/postgresql/.s.PGSQL.* /var/run/postgresql/*.pid 2>/dev/null || true
mkdir -p /var/run/postgresql 2>/dev/null || true

case "$PG_ROLE" in
  seed)
    export PGDATA=/seed
    [ -f /seed/PG_VERSION ] || init_cluster /seed
    set_passwords
    exec postgres -D /seed "${common_flags[@]}"
    ;;
  primary)
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      if [ -f /seed/PG_VERSION ]; then log "restoring the database snapshot"; cp -a /seed/. "$PGDATA/"
      else log "initdb"; init_cluster "$PGDATA"; fi
      chmod 700 "$PGDATA"
    fi
    rm -f "$PGDATA/postmaster.pid"
    if [ -f "$PGDATA/standby.signal" ]; then
      # rejoined as a standby after a failover (harness/stack/db.py wrote standby.signal and
      # primary_conninfo): stay a standby; single-user mode cannot run on a standby
      log "standby.signal present: starting as a standby of the promoted node"
    elif [ -f "$PGDATA/recovery.signal" ]; then
      # restored by pgBackRest (harness/stack/backup.py): replay WAL to the target, then promote;
      # the restored roles already carry this run's passwords
      log "recovery.signal present: replaying WAL from the repository to the restore target"
    else
      set_passwords
      mkdir -p /backup/pgbackrest
      pgbackrest --stanza=odoo --no-online stanza-create >/dev/null || log "pgbackrest stanza-create failed"
    fi
    exec postgres -D "$PGDATA" "${common_flags[@]}" \
      -c archive_mode=on -c archive_timeout=15 \
      -c archive_command="$ARCHIVE"
    ;;
  standby)
    export PGPASSWORD=${REPLICATION_PASSWORD:?}
    if [ ! -f "$PGDATA/PG_VERSION" ]; then
      wait_for_primary
      log "cloning $PRIMARY_HOST with pg_basebackup"
      pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream -c fast -C -S pg_standby \
        || pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream -c fast -S pg_standby
      chmod 700 "$PGDATA"
    fi
    rm -f "$PGDATA/postmaster.pid"
    exec postgres -D "$PGDATA" "${common_flags[@]}" -c archive_mode=on \
      -c archive_command="$ARCHIVE" \
      -c cluster_name=pg-standby
    ;;
  backup)
    mkdir -p /backup/pgbackrest
    log "repository ready (pgBackRest, /backup/pgbackrest)"
    trap 'exit 0' TERM INT
    while :; do sleep 1 & wait $!; done
    ;;
  *) echo "pg-entrypoint: unknown PG_ROLE '$PG_ROLE' (primary, standby, backup, seed)" >&2; exit 2 ;;
esac
