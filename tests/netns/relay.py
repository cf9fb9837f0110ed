#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""An AF_PACKET relay between two interfaces, for the network-namespace
demo (scripts/netns-demo.sh): the impairments tc netem would give, and
802.1Q tagging, where the kernel has neither netem nor 8021q.

Every frame received on A is sent out of B and the other way round.

  --loss P      drop a TCP frame with probability P (per direction)
  --reorder P   hold a TCP frame with probability P and send it after
                the next frame of its direction (or after --hold-ms if
                none comes): a swap, as a real path reorders
  --drop-nth N  drop the N-th TCP frame with payload of every connection
                from A to B (that one frame: the sender's retransmission
                passes)
  --drop-after RE
                drop, once per connection from A to B, the frame with
                payload that follows one whose payload matches the
                regular expression RE (anchor it with $ to look at how a
                segment ends, e.g. inside a card number)
  --delay-ms D  every frame leaves D ms after it came, in both
                directions (a path of 2D ms round trip; order kept)
  --seed N      decisions come from random.Random(N) (one generator per
                direction): the same seed makes the same decisions for
                the same sequence of frames
  --vlan VID    A is an access port, B a trunk: frames from A leave B
                tagged with VID (802.1Q); frames from B must carry VID
                and leave A untagged (others are dropped and counted)

SYN segments are never dropped or held (a lost SYN costs a 1 s retry
and tests nothing), nor are frames other than IPv4/IPv6 TCP (ARP).
The kernel strips a received 802.1Q tag into the packet's metadata
(PACKET_AUXDATA); the relay puts it back before forwarding, so tags
pass unchanged when --vlan is not given.

On SIGTERM or SIGINT it prints its counters (one JSON line) to stdout,
and to --stats FILE if given, then exits.
"""
import argparse
import collections
import json
import random
import re
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6
AUXDATA = struct.Struct("=IIIHHHH")
ETH_P_8021Q = 0x8100


class Stop(Exception):
    pass


def on_signal(sig, frame):
    raise Stop()


def open_if(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((name, ETH_P_ALL))
    s.setblocking(False)
    return s


def frame_with_tag(data, anc):
    """The frame as it was on the wire: the kernel's stripped tag back."""
    for level, typ, cdata in anc:
        if level != SOL_PACKET or typ != PACKET_AUXDATA:
            continue
        st, _, _, _, _, tci, tpid = AUXDATA.unpack_from(cdata)
        if st & TP_STATUS_VLAN_VALID:
            if not st & TP_STATUS_VLAN_TPID_VALID or tpid == 0:
                tpid = ETH_P_8021Q
            return data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
    return data


class Tcp:
    """What the relay needs of a TCP segment in an Ethernet frame."""
    __slots__ = ("syn", "conn", "payload")

    def __init__(self, syn, conn, payload):
        self.syn, self.conn, self.payload = syn, conn, payload


def tcp_parse(frame):
    """The TCP segment of an Ethernet frame (after up to two tags), or
    None when it carries none."""
    off = 12
    etype = struct.unpack_from("!H", frame, off)[0]
    for _ in range(2):
        if etype not in (0x8100, 0x88a8):
            break
        off += 4
        etype = struct.unpack_from("!H", frame, off)[0]
    off += 2
    if etype == 0x0800 and len(frame) >= off + 20 and frame[off + 9] == 6:
        l4 = off + (frame[off] & 0x0f) * 4
        end = off + struct.unpack_from("!H", frame, off + 2)[0]
        addrs = frame[off + 12:off + 20]
    elif etype == 0x86dd and len(frame) >= off + 40 and frame[off + 6] == 6:
        l4 = off + 40
        end = l4 + struct.unpack_from("!H", frame, off + 4)[0]
        addrs = frame[off + 8:off + 40]
    else:
        return None
    if len(frame) < l4 + 20:
        return None
    start = l4 + (frame[l4 + 12] >> 4) * 4
    return Tcp(bool(frame[l4 + 13] & 0x02), addrs + frame[l4:l4 + 4],
               frame[start:min(end, len(frame))])


class Direction:
    def __init__(self, name, src, dst, rng, args, tag=None, untag=None,
                 targeted=False):
        self.name, self.src, self.dst, self.rng = name, src, dst, rng
        self.loss, self.reorder = args.loss, args.reorder
        self.tag, self.untag = tag, untag
        # Targeted drops (--drop-nth, --drop-after) apply from A to B.
        self.drop_nth = args.drop_nth if targeted else 0
        self.drop_after = args.drop_after if targeted else None
        self.held = None        # (frame, since)
        self.delay = args.delay_ms / 1000.0
        self.late = collections.deque()  # (due, frame) with --delay-ms
        self.ndata = {}         # connection -> data frames seen
        self.tail = {}          # connection -> drop_after state
        self.c = {"frames": 0, "sent": 0, "dropped": 0, "reordered": 0,
                  "vlan_dropped": 0, "send_errors": 0, "targeted": 0}

    def send(self, frame):
        if self.delay:
            self.late.append((time.monotonic() + self.delay, frame))
            return
        self.put(frame)

    def put(self, frame):
        try:
            self.dst.send(frame)
            self.c["sent"] += 1
        except OSError:
            self.c["send_errors"] += 1

    def vlan(self, frame):
        if self.tag is not None:
            return frame[:12] + struct.pack("!HH", ETH_P_8021Q,
                                            self.tag) + frame[12:]
        if self.untag is not None:
            if (len(frame) < 18 or
                    struct.unpack_from("!H", frame, 12)[0] != ETH_P_8021Q or
                    struct.unpack_from("!H", frame, 14)[0] & 0x0fff !=
                    self.untag):
                self.c["vlan_dropped"] += 1
                return None
            return frame[:12] + frame[16:]
        return frame

    def targeted(self, seg):
        """Is @seg (with payload) one of the frames to drop on purpose?"""
        n = self.ndata[seg.conn] = self.ndata.get(seg.conn, 0) + 1
        if n == self.drop_nth:
            return True
        if self.drop_after is None:
            return False
        # Per connection: True once a payload ended as drop_after says
        # (the next one is dropped), "done" after that drop.
        state = self.tail.get(seg.conn)
        if state == "done":
            return False
        if state is True:
            self.tail[seg.conn] = "done"
            return True
        self.tail[seg.conn] = bool(self.drop_after.search(seg.payload))
        return False

    def handle(self, frame):
        self.c["frames"] += 1
        frame = self.vlan(frame)
        if frame is None:
            return
        seg = tcp_parse(frame)
        if seg is not None and seg.payload and self.targeted(seg):
            self.c["dropped"] += 1
            self.c["targeted"] += 1
            return
        if seg is not None and not seg.syn:
            # Draw both numbers for every frame: the decisions for a
            # given frame sequence do not depend on earlier outcomes.
            r_loss, r_reorder = self.rng.random(), self.rng.random()
            if r_loss < self.loss:
                self.c["dropped"] += 1
                return
            if self.held is None and r_reorder < self.reorder:
                self.held = (frame, time.monotonic())
                return
        self.send(frame)
        if self.held is not None:
            self.send(self.held[0])
            self.c["reordered"] += 1
            self.held = None

    def due(self, now):
        """Send the delayed frames whose time has come; seconds until
        the next one (None: none waits)."""
        while self.late and self.late[0][0] <= now:
            self.put(self.late.popleft()[1])
        return self.late[0][0] - now if self.late else None

    def tick(self, now, hold):
        if self.held is not None and now - self.held[1] >= hold:
            self.send(self.held[0])
            self.c["reordered"] += 1
            self.held = None


def main():
    p = argparse.ArgumentParser(description="AF_PACKET relay")
    p.add_argument("--a", required=True, help="interface A (access side)")
    p.add_argument("--b", required=True, help="interface B (trunk side)")
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--reorder", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vlan", type=int)
    p.add_argument("--drop-nth", type=int, default=0)
    p.add_argument("--drop-after", type=lambda r: re.compile(r.encode()),
                   help="regex (bytes) that a payload's end matches")
    p.add_argument("--hold-ms", type=float, default=5.0)
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--stats")
    p.add_argument("--ready", help="file written once both sockets are open")
    a = p.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sa, sb = open_if(a.a), open_if(a.b)
    dirs = {
        sa.fileno(): Direction("a_to_b", sa, sb, random.Random(a.seed * 2),
                               a, tag=a.vlan, targeted=True),
        sb.fileno(): Direction("b_to_a", sb, sa,
                               random.Random(a.seed * 2 + 1), a,
                               untag=a.vlan),
    }
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("ready\n")
    hold = a.hold_ms / 1000.0
    poll = select.poll()
    for fd in dirs:
        poll.register(fd, select.POLLIN)
    try:
        while True:
            wait = a.hold_ms / 2
            now = time.monotonic()
            for d in dirs.values():
                nxt = d.due(now)
                if nxt is not None:
                    wait = min(wait, max(nxt * 1000.0, 0.0))
            events = poll.poll(wait)
            for fd, _ in events:
                d = dirs[fd]
                for _ in range(64):
                    try:
                        data, anc, _, addr = d.src.recvmsg(
                            65536, socket.CMSG_SPACE(AUXDATA.size))
                    except BlockingIOError:
                        break
                    if addr[2] == PACKET_OUTGOING:
                        continue        # our own transmission, seen back
                    d.handle(frame_with_tag(data, anc))
            now = time.monotonic()
            for d in dirs.values():
                d.tick(now, hold)
                d.due(now)
    except Stop:
        pass
    out = json.dumps({d.name: d.c for d in dirs.values()}, sort_keys=True)
    print(out, flush=True)
    if a.stats:
        with open(a.stats, "w") as f:
            f.write(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
