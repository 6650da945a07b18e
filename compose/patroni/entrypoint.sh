#!/bin/bash
# One PostgreSQL node of the HA mode, run by Patroni (etcd3 DCS). See patroni_config.py for the
# environment it reads. Passwords come from the stack's variables (POSTGRES_PASSWORD,
# REPLICATION_PASSWORD, ODOO_DB_PASSWORD: generated per run, never echoed) and reach Patroni
# through its own PATRONI_*_PASSWORD variables (Patroni removes them from its environment).
# With a command (e.g. `pg-entrypoint`), that command runs instead of Patroni.
set -euo pipefail
if [ "$#" -gt 0 ]; then exec "$@"; fi

# a container killed and started again keeps its /var/run: stale sockets/locks stop PostgreSQL
rm -f /var/run/postgresql/.s.PGSQL.* /var/run/postgresql/*.pid 2>/dev/null || true
mkdir -p /var/run/postgresql

python3 /usr/local/lib/odoo-chaos/patroni_config.py > /etc/patroni/patroni.yml.new
mv /etc/patroni/patroni.yml.new /etc/patroni/patroni.yml
chmod 600 /etc/patroni/patroni.yml

export HA_NODE="$PATRONI_NAME"  # Patroni pops PATRONI_* from its environment; the bootstrap script needs the name
export PATRONI_SUPERUSER_PASSWORD="${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
export PATRONI_REPLICATION_PASSWORD="${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
: "${ODOO_DB_PASSWORD:?ODOO_DB_PASSWORD is required}"
mkdir -p /backup/pgbackrest 2>/dev/null || true
echo "patroni-entrypoint: $PATRONI_NAME (bootstrap: ${HA_BOOTSTRAP:-none}) ttl=${HA_TTL:-30}" \
     "loop_wait=${HA_LOOP_WAIT:-10} retry_timeout=${HA_RETRY_TIMEOUT:-10}" \
     "synchronous_mode=${HA_SYNCHRONOUS_MODE:-off} failsafe_mode=${HA_FAILSAFE_MODE:-false}"
exec patroni /etc/patroni/patroni.yml
