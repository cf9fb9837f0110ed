# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# Phases redis and mqtt of scripts/netns-demo.sh (sourced by it: its
# helpers start, wm_start, wm_stop, judge, counters, metrics_snap, ...).
# Real servers in the server namespace, real clients in the client's,
# wiremask between; what the servers stored or delivered is read back
# on the server's side, not through wiremask. tests/netns/netns_kv.py
# makes the traffic and judges it.

KV=$T/netns_kv.py

# kv_wait WHAT CMD...: retry CMD (quietly) for up to 10 s.
kv_wait() {
	local what=$1 i
	shift
	for ((i = 0; i < 100; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# $what: not ready within 10 s"
	return 1
}

# redis_start PORT: redis-server in the server namespace on 10.99.1.2
# and 127.0.0.1, nothing saved; the pid in last_pid.
redis_start() {
	local d=$W/redis
	start "$NS_SRV" "redis-server :$1" "$d/redis-$1.log" redis-server \
		--port "$1" --bind "10.99.1.2 127.0.0.1" --protected-mode no \
		--save '' --appendonly no --dir "$d" --daemonize no
	kv_wait "redis-server :$1" ip netns exec "$NS_SRV" \
		redis-cli -h 127.0.0.1 -p "$1" ping
}

phase_redis() {
	local d=$W/redis p1 p2 kv=("$PY" "$KV")
	echo "# phase redis: redis-cli 10.99.1.1 -> wiremask ports 0/1 (its RESP stage) -> redis-server 10.99.1.2"
	echo "#   port 6379 pinned to redis in the config, 6380 identified by content"
	if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
		echo "# phase redis: SKIP: redis-server or redis-cli not found (redis-server package: scripts/deps.sh)"
		return 0
	fi
	mkdir -p "$d"
	if ! redis_start 6379; then
		echo "# phase redis: SKIP: redis-server cannot run here: $(tail -n 2 "$d/redis-6379.log" | tr '\n' ' ')"
		return 0
	fi
	p1=$last_pid
	redis_start 6380 || fail "redis: the second redis-server (port 6380) did not start"
	p2=$last_pid
	wm_extra=(--metrics-listen "$METRICS")
	wm_start redis
	wm_extra=()
	if wait_path redis 10.99.1.2; then
		metrics_snap "$W/redis.m0.metrics"
		# 16. SET, HSET, XADD, and a pipelined batch, RESP2, pinned port.
		judge ip netns exec "$NS_CLI" "${kv[@]}" redis-put "$d/sent-6379.json" \
			--host 10.99.1.2 --port 6379 --seed 41 --count 10 \
			--what "16. redis-cli SET/HSET/XADD and --pipe through wiremask (port 6379, pinned)"
		judge ip netns exec "$NS_SRV" "${kv[@]}" redis-check "$d/sent-6379.json" \
			--host 127.0.0.1 --port 6379 \
			--what "16. what redis-server stored (read inside its namespace)"
		metrics_snap "$W/redis.m1.metrics"
		# 17. the same in RESP3 (HELLO 3) to a port no pin names.
		judge ip netns exec "$NS_CLI" "${kv[@]}" redis-put "$d/sent-6380.json" \
			--host 10.99.1.2 --port 6380 --seed 42 --count 5 --resp3 \
			--what "17. redis-cli -3 (RESP3) through wiremask (port 6380, identified by content)"
		judge ip netns exec "$NS_SRV" "${kv[@]}" redis-check "$d/sent-6380.json" \
			--host 127.0.0.1 --port 6380 \
			--what "17. what the second redis-server stored"
		# 18. values stored in clear on the server's side come back masked.
		judge ip netns exec "$NS_SRV" "${kv[@]}" redis-seed "$d/seeded-6379.json" \
			--host 127.0.0.1 --port 6379 --seed 43
		judge ip netns exec "$NS_SRV" "${kv[@]}" redis-seed "$d/seeded-6380.json" \
			--host 127.0.0.1 --port 6380 --seed 44
		judge ip netns exec "$NS_CLI" "${kv[@]}" redis-get "$d/seeded-6379.json" \
			--host 10.99.1.2 --port 6379 \
			--what "18. GET and HGETALL replies (RESP2) through wiremask"
		judge ip netns exec "$NS_CLI" "${kv[@]}" redis-get "$d/seeded-6380.json" \
			--host 10.99.1.2 --port 6380 --resp3 \
			--what "18. GET and HGETALL replies (RESP3: a map) through wiremask"
	fi
	wm_stop redis
	stop_pid "$p1" 5
	stop_pid "$p2" 5
	counters redis --before "$W/redis.m0.metrics" --after "$W/redis.m1.metrics" \
		"16. every command's end found by its framing|d('proto.message_end') >= 2 * (10 * 4 + 200)|d('proto.message_end')" \
		"16. values ending a command decided at once: no hold timeout|d('stream.hold_timeout') == 0 and d('mask.at_timeout') == 0|(d('stream.hold_timeout'), d('mask.at_timeout'), d('stream.held'))"
	counters redis \
		"Redis directions identified (pinned and by content)|c('proto.redis') >= 4|c('proto.redis')" \
		"cards, SSNs and e-mails masked|m('card') > 0 and m('ssn') > 0 and m('email') > 0|(m('card'), m('ssn'), m('email'))" \
		"no parser error or lost place|c('proto.error') == 0 and c('proto.lost') == 0|(c('proto.error'), c('proto.lost'))" \
		"no hold timeout in the whole phase|c('stream.hold_timeout') == 0|(c('stream.hold_timeout'), c('stream.held'))" \
		"no late match|c('mask.late_match') == 0|c('mask.late_match')" \
		"nothing passed unjudged, nothing dropped|not passed() and not drops()|(passed(), drops())"
}

# mqtt_sub NS NAME OUT ARGS...: mosquitto_sub in NS, in the background,
# printing "topic TAB user-properties TAB payload" (or ARGS' own -F).
mqtt_sub() {
	local ns=$1 name=$2 out=$3
	shift 3
	ip netns exec "$ns" mosquitto_sub -W 60 "$@" >"$out" 2>"$out.err" &
	procs[$!]=$name
	last_pid=$!
}

# mqtt_wait_subs N: the broker has N subscriptions.
mqtt_subs() {
	[ "$(grep -c 'Received SUBSCRIBE' "$W/mqtt/mosquitto.log")" -ge "$1" ]
}
mqtt_wait_subs() {
	kv_wait "mosquitto subscriptions" mqtt_subs "$1"
}

# mqtt_done PID...: wait for subscribers (they exit after -C messages).
mqtt_done() {
	local pid rc=0
	for pid in "$@"; do
		wait "$pid" || rc=1
		unset "procs[$pid]"
	done
	return $rc
}

phase_mqtt() {
	local d=$W/mqtt n=12 pb s1 s2 s3 f1 f2 kv=("$PY" "$KV")
	local fmt='%t\t%P\t%p'
	echo "# phase mqtt: mosquitto_pub/sub 10.99.1.1 -> wiremask ports 0/1 (its MQTT stage) -> mosquitto 10.99.1.2"
	echo "#   port 1883 pinned to mqtt in the config, 1885 identified by content; 127.0.0.1:1884 the broker's own side"
	for pb in mosquitto mosquitto_pub mosquitto_sub; do
		if ! command -v "$pb" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$pb" ]; then
			echo "# phase mqtt: SKIP: '$pb' not found (mosquitto, mosquitto-clients: scripts/deps.sh)"
			return 0
		fi
	done
	mkdir -p "$d"
	cat >"$d/mosquitto.conf" <<EOF
listener 1883 10.99.1.2
listener 1884 127.0.0.1
listener 1885 10.99.1.2
allow_anonymous true
persistence false
log_dest stderr
log_type all
user root
EOF
	start "$NS_SRV" mosquitto "$d/mosquitto.log" "$(command -v mosquitto || echo /usr/sbin/mosquitto)" \
		-c "$d/mosquitto.conf"
	pb=$last_pid
	if ! kv_wait mosquitto ip netns exec "$NS_SRV" mosquitto_pub -h 127.0.0.1 -p 1884 -t wm/ping -m x; then
		echo "# phase mqtt: SKIP: mosquitto cannot run here: $(tail -n 2 "$d/mosquitto.log" | tr '\n' ' ')"
		stop_pid "$pb" 3
		return 0
	fi
	"${kv[@]}" mqtt-gen "$d/sent.json" --seed 51 --count "$n"
	"$PY" "$T/netns_data.py" records "$d/file.json" --seed 52 --records 300
	wm_extra=(--metrics-listen "$METRICS")
	wm_start mqtt
	wm_extra=()
	if wait_path mqtt 10.99.1.2; then
		# Subscribers: the broker's own side (what it got from the
		# publisher), and through wiremask (what it delivers), v5 on
		# the pinned port, v3.1.1 on the other.
		mqtt_sub "$NS_SRV" sub-srv "$d/srv.txt" -h 127.0.0.1 -p 1884 -V mqttv5 \
			-t 'wm/msg/#' -C "$n" -F "$fmt"
		s1=$last_pid
		mqtt_sub "$NS_CLI" sub-cli5 "$d/cli5.txt" -h 10.99.1.2 -p 1883 -V mqttv5 \
			-t 'wm/msg/#' -C "$n" -F "$fmt"
		s2=$last_pid
		mqtt_sub "$NS_CLI" sub-cli311 "$d/cli311.txt" -h 10.99.1.2 -p 1885 -V mqttv311 \
			-t 'wm/msg/#' -C "$n" -F "$fmt"
		s3=$last_pid
		mqtt_sub "$NS_SRV" sub-srv-file "$d/srv-file.json" -h 127.0.0.1 -p 1884 \
			-t wm/file -C 1 -N
		f1=$last_pid
		mqtt_sub "$NS_CLI" sub-cli-file "$d/cli-file.json" -h 10.99.1.2 -p 1885 \
			-t wm/file -C 1 -N
		f2=$last_pid
		mqtt_wait_subs 5 || fail "mqtt: the subscribers did not subscribe within 10 s"
		metrics_snap "$W/mqtt.m0.metrics"
		# 20. payloads ending with an e-mail, topics and v5 user
		# properties holding some.
		judge ip netns exec "$NS_CLI" "${kv[@]}" mqtt-pub "$d/sent.json" \
			--host 10.99.1.2 --port 1883 \
			--what "20. mosquitto_pub through wiremask (port 1883, pinned)"
		mqtt_done "$s1" "$s2" "$s3" || fail "mqtt: a subscriber did not get its $n messages within 60 s"
		sleep 0.3 # a hold timeout, had there been one, would be counted by now
		metrics_snap "$W/mqtt.m1.metrics"
		judge "${kv[@]}" mqtt-check "$d/srv.txt" "$d/sent.json" --props \
			--what "20. what the broker got from the publisher (its own subscriber, v5)"
		judge "${kv[@]}" mqtt-check "$d/cli5.txt" "$d/sent.json" --props \
			--what "21. what the broker delivered through wiremask (v5 subscriber)"
		judge "${kv[@]}" mqtt-check "$d/cli311.txt" "$d/sent.json" \
			--what "21. what the broker delivered through wiremask (v3.1.1 subscriber, port 1885 by content)"
		# 22. a 40 KB JSON payload in many segments.
		if ip netns exec "$NS_CLI" mosquitto_pub -h 10.99.1.2 -p 1885 -q 1 -t wm/file \
			-f "$d/file.json"; then
			mqtt_done "$f1" "$f2" || fail "22. a subscriber did not get the file within 60 s"
			# A pause of the sender's inside a value (a loaded machine)
			# ends its hold: the bytes held are masked as the value
			# they might begin would be, fill and never clear.
			judge "$PY" "$CHECK" check "$d/srv-file.json" "$d/file.json" \
				--policy default --hold-masked-ok --what "22. a 40 KB JSON payload as the broker got it"
			judge "$PY" "$CHECK" check "$d/cli-file.json" "$d/file.json" \
				--policy default --hold-masked-ok --what "22. the same delivered through wiremask"
		else
			fail "22. mosquitto_pub -f of a 40 KB JSON payload failed"
		fi
	fi
	wm_stop mqtt
	stop_pid "$pb" 5
	counters mqtt --before "$W/mqtt.m0.metrics" --after "$W/mqtt.m1.metrics" \
		"20. each packet's end found by its framing|d('proto.message_end') >= 3 * $n|d('proto.message_end')" \
		"20. payloads ending with an e-mail decided at once: no hold timeout|d('stream.hold_timeout') == 0 and d('mask.at_timeout') == 0|(d('stream.hold_timeout'), d('mask.at_timeout'), d('stream.held'))"
	counters mqtt \
		"MQTT directions identified (pinned and by CONNECT)|c('proto.mqtt') >= 4|c('proto.mqtt')" \
		"e-mails in topics and user properties counted, not masked|c('mask.protected') > 0|c('mask.protected')" \
		"no parser error or lost place|c('proto.error') == 0 and c('proto.lost') == 0|(c('proto.error'), c('proto.lost'))" \
		"no late match|c('mask.late_match') == 0|c('mask.late_match')" \
		"nothing passed unjudged, nothing dropped|not passed() and not drops()|(passed(), drops())"
}
