#!/bin/sh
# One etcd member of the HA mode's DCS. Required: ETCD_NAME (this member, also its DNS name on the
# stack's networks). Optional: MEMBERS (comma-separated member names, default etcd-a,etcd-b,etcd-c),
# ETCD_INITIAL_CLUSTER_TOKEN (set it to the run id: members of two runs never join each other),
# and any other ETCD_* flag (ETCD_HEARTBEAT_INTERVAL, ETCD_ELECTION_TIMEOUT, ...), read by etcd.
# Data lives in the container (/var/lib/etcd/<name>) unless a volume is mounted there: a killed
# and restarted container keeps it; a recreated one must join as a new member.
set -eu
: "${ETCD_NAME:?ETCD_NAME (this member's name) is required}"
members=${MEMBERS:-etcd-a,etcd-b,etcd-c}
cluster=""
for member in $(echo "$members" | tr ',' ' '); do
  cluster="${cluster:+$cluster,}$member=http://$member:2380"
done
export ETCD_INITIAL_CLUSTER="${ETCD_INITIAL_CLUSTER:-$cluster}"
export ETCD_INITIAL_ADVERTISE_PEER_URLS="${ETCD_INITIAL_ADVERTISE_PEER_URLS:-http://$ETCD_NAME:2380}"
export ETCD_ADVERTISE_CLIENT_URLS="${ETCD_ADVERTISE_CLIENT_URLS:-http://$ETCD_NAME:2379}"
export ETCD_LISTEN_PEER_URLS="${ETCD_LISTEN_PEER_URLS:-http://0.0.0.0:2380}"
export ETCD_LISTEN_CLIENT_URLS="${ETCD_LISTEN_CLIENT_URLS:-http://0.0.0.0:2379}"
export ETCD_DATA_DIR="${ETCD_DATA_DIR:-/var/lib/etcd/$ETCD_NAME}"
export ETCD_INITIAL_CLUSTER_STATE="${ETCD_INITIAL_CLUSTER_STATE:-new}"
export ETCD_INITIAL_CLUSTER_TOKEN="${ETCD_INITIAL_CLUSTER_TOKEN:-odoo-chaos}"
export ETCD_LOGGER="${ETCD_LOGGER:-zap}" ETCD_LOG_OUTPUTS="${ETCD_LOG_OUTPUTS:-stderr}"
# Pre-vote (off by default in 3.4): a member cut off by a partition keeps raising its term; without
# pre-vote it forces a new election the moment it is back, etcd answers nobody for a second or two,
# and Patroni's leader (retry_timeout 3 s) demotes itself: a second outage when the network heals.
# Measured by the patroni-primary-isolated drill; see README.
export ETCD_PRE_VOTE="${ETCD_PRE_VOTE:-true}"
unset MEMBERS
echo "etcd-entrypoint: $ETCD_NAME in $ETCD_INITIAL_CLUSTER"
exec etcd
