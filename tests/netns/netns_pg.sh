# SPDX-License-Identifier: BSD-3-Clause
# Phase pg of scripts/netns-demo.sh (sourced by it: its helpers, $W, the
# namespaces). A real PostgreSQL through wiremask:
#
#   cli 10.99.1.1  psql, psycopg 3, psycopg2 ==== wiremask ====
#   srv 10.99.1.2  postgres (its own cluster: initdb as user postgres on
#                  a temporary directory, port 5432)
#
# Authentication: scram-sha-256 for 10.99.1.0/24 (the SASL exchange
# goes through wiremask, which must leave it whole), trust on the
# cluster's own Unix socket, where the checks read what the server
# stored without going through wiremask.

PG_PORT=5432
PG_PASS=wm-demo-not-a-secret
pg_pid=
pg_dir=
pg_skip=
pg_bin=

# pg_start: the cluster in the server namespace; 1 (pg_skip says why)
# where it cannot run.
pg_start() {
	local i sock
	pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/postgres" ] || [ ! -x "$pg_bin/initdb" ]; then
		pg_skip="no PostgreSQL server under /usr/lib/postgresql (postgresql: scripts/deps.sh)"
		return 1
	fi
	command -v psql >/dev/null 2>&1 || { pg_skip="'psql' not found (postgresql-client)"; return 1; }
	id postgres >/dev/null 2>&1 || { pg_skip="no user 'postgres' to run the server as"; return 1; }
	"$PY" -c 'import psycopg, psycopg2' 2>/dev/null ||
		{ pg_skip="python3-psycopg or python3-psycopg2 missing (scripts/deps.sh)"; return 1; }
	pg_dir=$(mktemp -d /tmp/wm-pg.XXXXXX) && chown postgres: "$pg_dir" || {
		pg_skip="cannot make a directory for the cluster"
		return 1
	}
	sock=$pg_dir
	if ! setpriv --reuid=postgres --regid=postgres --init-groups \
		"$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A trust \
		>"$W/pg-initdb.log" 2>&1; then
		pg_skip="initdb failed: $(tail -n 2 "$W/pg-initdb.log" | tr '\n' ' ')"
		return 1
	fi
	echo "host all all 10.99.1.0/24 scram-sha-256" >>"$pg_dir/data/pg_hba.conf"
	# setpriv execs: the pid is the postmaster's (SIGTERM: smart shutdown).
	start "$NS_SRV" postgres "$W/postgres.log" \
		setpriv --reuid=postgres --regid=postgres --init-groups \
		"$pg_bin/postgres" -D "$pg_dir/data" -p "$PG_PORT" \
		-c listen_addresses=10.99.1.2 -c unix_socket_directories="$sock" \
		-c ssl=off -c fsync=off -c password_encryption=scram-sha-256
	pg_pid=$last_pid
	for ((i = 0; i < 100; i++)); do
		ip netns exec "$NS_SRV" psql -h "$sock" -p "$PG_PORT" -U postgres -Atq \
			-c 'SELECT 1' >/dev/null 2>&1 && break
		kill -0 "$pg_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! pg_local postgres -c "CREATE ROLE wm LOGIN PASSWORD '$PG_PASS'" ||
		! pg_local postgres -c "CREATE DATABASE shop OWNER wm" ||
		! pg_local shop -c "CREATE TABLE people (id int PRIMARY KEY, name text, card text, ssn text, email text); ALTER TABLE people OWNER TO wm"; then
		pg_skip="the server did not start or refused set-up: $(tail -n 3 "$W/postgres.log" | tr '\n' ' ')"
		pg_stop
		return 1
	fi
	"$PY" "$T/pg_client.py" seed "$(pg_dsn_local shop)" &&
		pg_local shop -c "ALTER TABLE ledger OWNER TO wm" || {
		pg_skip="cannot write the clear rows on the server's side"
		pg_stop
		return 1
	}
}

# pg_local DB ARGS...: psql as postgres on the cluster's own socket, in
# the server's namespace (not through wiremask).
pg_local() {
	local db=$1
	shift
	ip netns exec "$NS_SRV" psql -h "$pg_dir" -p "$PG_PORT" -U postgres -d "$db" \
		-X -q -v ON_ERROR_STOP=1 "$@" >>"$W/pg-local.log" 2>&1
}

pg_dsn_local() {
	echo "host=$pg_dir port=$PG_PORT user=postgres dbname=$1"
}

pg_stop() {
	[ -z "$pg_pid" ] || stop_pid "$pg_pid" 10
	pg_pid=
	[ -z "$pg_dir" ] || rm -rf "$pg_dir"
	pg_dir=
}

# pg_cli CMD...: CMD in the client namespace with the password for wm.
pg_cli() {
	ip netns exec "$NS_CLI" env PGPASSWORD="$PG_PASS" PGCONNECT_TIMEOUT=10 "$@"
}

phase_pg() {
	local dsn="host=10.99.1.2 port=$PG_PORT user=wm password=$PG_PASS dbname=shop"
	local rc out
	echo "# phase pg: client 10.99.1.1 -> wiremask ports 0/1 (its PostgreSQL stage) -> postgres 10.99.1.2:$PG_PORT"
	if ! pg_start; then
		echo "# 24. SKIP (PostgreSQL cannot run here): $pg_skip"
		return 0
	fi
	echo "# pg: $("$pg_bin/postgres" --version), psql $(psql --version | awk '{print $3}')"
	wm_extra=(--metrics-listen "$METRICS")
	wm_start pg
	wm_extra=()
	if wait_path pg 10.99.1.2; then
		# 24. psql: three INSERTs, values inside the query text.
		judge "$PY" "$T/pg_client.py" sql "$W/pg-inserts.sql"
		out=$(pg_cli psql -h 10.99.1.2 -p "$PG_PORT" -U wm -d shop -X -v ON_ERROR_STOP=1 \
			-f "$W/pg-inserts.sql" 2>"$W/pg-psql.err")
		rc=$?
		if [ $rc -eq 0 ] && [ "$(grep -c '^INSERT 0 1$' <<<"$out")" -eq 3 ]; then
			ok "24. psql (scram-sha-256 login through wiremask): three INSERTs, each 'INSERT 0 1'"
		else
			fail "24. psql INSERTs: exit $rc: $(head -c 300 "$W/pg-psql.err" | tr '\n' ' ')"
		fi
		# 25. parameterised: psycopg 3 (Bind), psycopg2 (interpolated).
		judge pg_cli "$PY" "$T/pg_client.py" insert3 "$dsn"
		judge pg_cli "$PY" "$T/pg_client.py" insert2 "$dsn"
		# 26. what the server stored, read in its own namespace.
		judge ip netns exec "$NS_SRV" "$PY" "$T/pg_client.py" stored "$(pg_dsn_local shop)"
		# 27. rows stored in clear come back masked (DataRow).
		judge pg_cli "$PY" "$T/pg_client.py" select "$dsn"
		# 28. round trips: each answer ends with ReadyForQuery ('I'),
		# decided at its framing, never held to the hold timeout.
		metrics_snap "$W/pg.m19.metrics"
		judge pg_cli "$PY" "$T/pg_client.py" rtt "$dsn" 200
		sleep 0.3 # a hold timeout, had there been one, is counted by now
		metrics_snap "$W/pg.m20.metrics"
	fi
	wm_stop pg
	# 29. for comparison, the same round trips with the stage off for
	# 5432 (ports = { raw = [5432]; }): figures only. As the raw stream,
	# a reply's last letter (the 'N' answering SSLRequest, the end of a
	# SCRAM nonce, ReadyForQuery's 'I') waits for the hold timeout and
	# leaves masked: libpq refuses it.
	if [ -n "$pg_pid" ]; then
		# Into the default policy's pins, or as its only protocols.
		if grep -q 'protocols = { ports = {' "$CONFIG"; then
			sed '0,/protocols = { ports = {/s//protocols = { ports = { raw = [5432];/' \
				"$CONFIG" >"$W/pg-raw.cfg"
		else
			sed '0,/default = {/s//default = {\n\t\tprotocols = { ports = { raw = [5432]; }; };/' \
				"$CONFIG" >"$W/pg-raw.cfg"
		fi
		wm_extra=(--metrics-listen "$METRICS")
		wm_start pg-raw "$W/pg-raw.cfg"
		wm_extra=()
		if wait_path pg-raw 10.99.1.2; then
			metrics_snap "$W/pg-raw.m0.metrics"
			for m in prefer disable; do
				pg_cli "$PY" "$T/pg_client.py" rtt "$dsn sslmode=$m" 200 |
					sed "s/^/# stage off (raw), sslmode=$m: /"
			done
			sleep 0.3
			metrics_snap "$W/pg-raw.m1.metrics"
			"$PY" - "$W/pg-raw.m0.metrics" "$W/pg-raw.m1.metrics" "$W/pg.m19.metrics" \
				"$W/pg.m20.metrics" <<'EOF'
import re, sys
def load(p):
    m = {}
    for line in open(p):
        r = re.match(r"^wiremask_(\w+?)_total (\S+)$", line)
        if r:
            m[r.group(1)] = float(r.group(2))
    return m
names = ("stream_held", "stream_hold_timeout", "stream_hold_early", "proto_message_end")
for what, a, b in (("pg stage", sys.argv[3], sys.argv[4]),
                   ("stage off (raw)", sys.argv[1], sys.argv[2])):
    a, b = load(a), load(b)
    print("# pg: 200 round trips, %s: %s" % (what, ", ".join(
        "%s +%d" % (n.replace("_", ".", 1), b.get(n, 0) - a.get(n, 0)) for n in names)))
EOF
		fi
		wm_stop pg-raw
	fi
	pg_stop
	counters pg --before "$W/pg.m19.metrics" --after "$W/pg.m20.metrics" \
		"28. no hold timeout in 200 round trips|d('stream.hold_timeout') == 0 and d('mask.at_timeout') == 0|(d('stream.hold_timeout'), d('stream.held'), d('mask.values'))" \
		"28. the answers' values masked|d('mask.values') >= 200|d('mask.values')"
	counters pg \
		"both PostgreSQL directions identified|c('proto.pg') >= 2|c('proto.pg')" \
		"no parser error or lost place|c('proto.error') == 0 and c('proto.lost') == 0|(c('proto.error'), c('proto.lost'))" \
		"no hold timeout in the whole phase|c('stream.hold_timeout') == 0|(c('stream.hold_timeout'), c('stream.held'))" \
		"no late match|c('mask.late_match') == 0|c('mask.late_match')" \
		"nothing passed unjudged, nothing dropped|not passed() and not drops()|(passed(), drops())"
}
