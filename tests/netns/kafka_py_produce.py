#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Produce FILE's records ("key|value" lines) to TOPIC with python3-kafka
(kafka-python), uncompressed, acks=1, and wait for every answer: exit 0
only if every record was acknowledged (scripts/netns-demo.sh phase kafka).

Usage: kafka_py_produce.py BROKER TOPIC FILE
"""
import sys

from kafka import KafkaProducer


def main():
    broker, topic, path = sys.argv[1:4]
    p = KafkaProducer(bootstrap_servers=broker, acks=1,
                      compression_type=None, api_version=(1, 0, 0),
                      linger_ms=5, request_timeout_ms=10000)
    futs = []
    for line in open(path, "rb").read().splitlines():
        k, _, v = line.partition(b"|")
        futs.append(p.send(topic, key=k, value=v,
                           headers=[("src", b"python3-kafka")]))
    p.flush(timeout=20)
    for f in futs:
        f.get(timeout=20)    # raises on CORRUPT_MESSAGE and the like
    p.close(timeout=5)
    print("produced %d records" % len(futs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
