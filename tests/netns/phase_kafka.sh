# SPDX-License-Identifier: BSD-3-Clause
# scripts/netns-demo.sh phase kafka (sourced by it): Kafka through the
# protocol stage. A broker of the tests' own (kafka_broker.py: checks
# every batch's CRC32C as Kafka's does, CORRUPT_MESSAGE otherwise) in the
# server's namespace on 10.99.1.2:9092, reached through wiremask ports
# 0/1; kcat (librdkafka) and python3-kafka on the client's side.

phase_kafka() {
	local log=$W/kafka-broker.log rc hdr=ops.lead@example.net i
	echo "# phase kafka: kcat, python3-kafka -> wiremask ports 0/1 -> kafka_broker.py 10.99.1.2:9092"
	if ! command -v kcat >/dev/null 2>&1; then
		fail "kafka: kcat not found (scripts/deps.sh installs it)"
		return
	fi
	"$PY" "$T/kafka_check.py" gen "$W/src/kafka-rec.txt" --seed 31 --records 200 &&
		"$PY" "$T/kafka_check.py" gen "$W/src/kafka-py.txt" --seed 32 --records 200 &&
		"$PY" "$T/kafka_check.py" gen "$W/srv/kafka-seed.txt" --seed 33 --records 200 ||
		{ fail "kafka: cannot generate the records"; return; }
	start "$NS_SRV" kafka_broker "$W/kafka-broker.out" "$PY" "$T/kafka_broker.py" \
		--host 10.99.1.2 --port 9092 --log "$log" --ready "$W/srv/kafka-ready" \
		--seed "seed=$W/srv/kafka-seed.txt"
	local broker=$last_pid
	for ((i = 0; i < 50; i++)); do
		[ -s "$W/srv/kafka-ready" ] && break
		sleep 0.1
	done
	wm_start kafka
	if wait_path kafka 10.99.1.2; then
		# 1. kcat produces, uncompressed, a header on every record.
		ip netns exec "$NS_CLI" timeout 60 kcat -P -b 10.99.1.2:9092 -t pii -K '|' \
			-X compression.codec=none -H "mail=$hdr" -l "$W/src/kafka-rec.txt" \
			>"$W/kafka-produce.log" 2>&1
		rc=$?
		[ $rc -eq 0 ] || fail "kafka 1. kcat -P exited with status $rc (see $W/kafka-produce.log)"
		judge "$PY" "$T/kafka_check.py" check "$log" "$W/src/kafka-rec.txt" --log --topic pii \
			--what "kafka 1. kcat produce: the broker stored every batch (CRC32C valid)"
		if grep -q "$hdr" "$log"; then
			fail "kafka 1. the header value reached the broker in clear"
		else
			ok "kafka 1. header values masked"
		fi
		# 2. kcat consumes, CRCs checked: records the broker had in clear.
		ip netns exec "$NS_CLI" timeout 60 kcat -C -b 10.99.1.2:9092 -t seed -o beginning -e \
			-X check.crcs=true -f '%k|%s\n' >"$W/cli/kafka-seed.out" 2>"$W/kafka-consume.log"
		rc=$?
		[ $rc -eq 0 ] || fail "kafka 2. kcat -C exited with status $rc"
		if grep -qi 'crc\|corrupt' "$W/kafka-consume.log"; then
			fail "kafka 2. librdkafka refused a batch: $(grep -i 'crc\|corrupt' "$W/kafka-consume.log" | head -1)"
		fi
		judge "$PY" "$T/kafka_check.py" check "$W/cli/kafka-seed.out" "$W/srv/kafka-seed.txt" \
			--what "kafka 2. kcat consume (check.crcs=true): fetched batches masked, CRCs valid"
		# 3. and back what it produced.
		ip netns exec "$NS_CLI" timeout 60 kcat -C -b 10.99.1.2:9092 -t pii -o beginning -e \
			-X check.crcs=true -f '%k|%s\n' >"$W/cli/kafka-pii.out" 2>>"$W/kafka-consume.log"
		judge "$PY" "$T/kafka_check.py" check "$W/cli/kafka-pii.out" "$W/src/kafka-rec.txt" \
			--what "kafka 3. kcat consume of what kcat produced"
		# 4. python3-kafka produces.
		if ip netns exec "$NS_CLI" "$PY" -c 'import kafka' 2>/dev/null; then
			ip netns exec "$NS_CLI" timeout 60 "$PY" "$T/kafka_py_produce.py" 10.99.1.2:9092 py \
				"$W/src/kafka-py.txt" >"$W/kafka-py.log" 2>&1
			rc=$?
			[ $rc -eq 0 ] || fail "kafka 4. python3-kafka producer exited with status $rc (see $W/kafka-py.log)"
			judge "$PY" "$T/kafka_check.py" check "$log" "$W/src/kafka-py.txt" --log --topic py \
				--what "kafka 4. python3-kafka produce: every record acknowledged, masked"
		else
			fail "kafka 4. python3-kafka not installed (scripts/deps.sh installs it)"
		fi
	fi
	wm_stop kafka
	stop_pid "$broker" 3
	counters kafka \
		"directions identified as Kafka|c('proto.kafka') >= 2|c('proto.kafka')" \
		"batches walked|c('kafka.batches') >= 4|c('kafka.batches')" \
		"batch CRCs rewritten after masking|c('kafka.crc_fixed') >= 4|c('kafka.crc_fixed')" \
		"no batch came corrupt, none unfixable|c('kafka.crc_bad') + c('kafka.crc_failed') == 0|(c('kafka.crc_bad'), c('kafka.crc_failed'))" \
		"nothing compressed or too large|c('kafka.compressed') + c('kafka.batch_too_large') == 0|c('kafka.compressed')" \
		"nothing passed unjudged|not passed()|passed()"
}
