#!/bin/bash
# Patroni's custom bootstrap (bootstrap.method: seed) for the first node: the cluster starts from
# the Odoo database snapshot baked at /seed (see harness/stack/seed.py), not from initdb, so Odoo's
# database exists without `odoo -i`. Patroni calls this with --scope=... --datadir=... while no
# server runs; afterwards Patroni writes its own postgresql.conf and pg_hba.conf, starts the server
# and sets the superuser and replication passwords itself (post_bootstrap).
set -euo pipefail
datadir=""
for arg in "$@"; do case "$arg" in --datadir=*) datadir=${arg#--datadir=} ;; esac; done
: "${datadir:?--datadir is required}"
if [ ! -f /seed/PG_VERSION ]; then
  echo "patroni-seed-bootstrap: no database snapshot in /seed (run the seed image of this Odoo image," \
       "odoo-chaos/patroni-seed:<key>, or set HA_BOOTSTRAP=initdb)" >&2
  exit 1
fi
mkdir -p "$datadir"
cp -a /seed/. "$datadir/"
chmod 700 "$datadir"
rm -f "$datadir/postmaster.pid" "$datadir/standby.signal" "$datadir/recovery.signal"
# The other nodes' replication slots (permanent in Patroni's configuration, but the leader would
# create them only on its first loop after this bootstrap, one loop_wait later) and this run's
# passwords, before the server listens: one single-user session, as pg-entrypoint does.
slots=""
for member in $(echo "${HA_MEMBERS:-pg-primary,pg-standby}" | tr ',' ' '); do
  [ "$member" = "${HA_NODE:-}" ] && continue  # Patroni removes PATRONI_* from its children's environment
  slots="$slots SELECT pg_create_physical_replication_slot('${member//-/_}');"
done
postgres --single -D "$datadir" postgres >/dev/null <<SQL
DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='replicator') THEN CREATE ROLE replicator WITH REPLICATION LOGIN; END IF; END \$\$;
DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='odoo') THEN CREATE ROLE odoo WITH LOGIN CREATEDB; END IF; END \$\$;
ALTER ROLE postgres PASSWORD '${POSTGRES_PASSWORD:?}';
ALTER ROLE replicator PASSWORD '${REPLICATION_PASSWORD:?}';
ALTER ROLE odoo PASSWORD '${ODOO_DB_PASSWORD:?}';
$slots
SQL
# the backup repository's stanza, from the copied control file (the server is not running)
if [ -d /backup ]; then
  mkdir -p /backup/pgbackrest
  pgbackrest --stanza=odoo --no-online --pg1-path="$datadir" stanza-create >/dev/null \
    || echo "patroni-seed-bootstrap: pgbackrest stanza-create failed (WAL archiving will retry)" >&2
fi
echo "patroni-seed-bootstrap: snapshot copied into $datadir"
