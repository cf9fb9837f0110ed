#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""PostgreSQL clients and checks for phase pg of scripts/netns-demo.sh
(tests/netns/netns_pg.sh). Prints "ok - ..." / "FAIL - ..." lines, and
"# ..." for figures; never a value in clear.

  sql FILE              the psql INSERTs (rows 1-3) into FILE
  insert3 DSN           psycopg 3, parameters sent in Bind (rows 4-5)
  insert2 DSN           psycopg2, parameters interpolated (row 6)
  stored DSN            read people where the server keeps it: every
                        value masked, everything else as sent
  seed DSN              ledger: the same rows in clear, written on the
                        server's side
  select DSN            ledger through wiremask: DataRows masked
  rtt DSN N             N round trips of a SELECT returning a card:
                        masked, and the mean time of one
"""
import sys
import time

# (id, name, card, ssn, email); the name is no value: unchanged.
# Row 4's e-mail is 65 bytes: its Bind length is "\0\0\0A", a letter
# that, glued to the value, would begin the address.
ROWS = [
    (1, "psql one", "4111 1111 1111 1111", "123-45-6789", "jane.doe@example.org"),
    (2, "psql two", "5500000000000004", "234-56-7890", "joe@example.net"),
    (3, "psql three", "340000000000009", "345-67-8901", "x.y.z@example.com"),
    (4, "psycopg3 four", "4111-1111-1111-1111", "456-78-9012",
     "a.rather.long.local.part.of.fifty.three.bytes.xxxxxxx@example.org"),
    (5, "psycopg3 five", "6011000000000004", "567-89-0123", "mary@example.org"),
    (6, "psycopg2 six", "5500 0000 0000 0004", "678-90-1234", "bob@example.com"),
]
assert len(ROWS[3][4]) == 65
COLS = ("card", "ssn", "email")
INSERT = "INSERT INTO people (id, name, card, ssn, email) VALUES (%s, %s, %s, %s, %s)"


def ok(cond, what):
    print(("ok - " if cond else "FAIL - ") + what)
    return cond


def masked(kind, clear, got):
    """Same length, '*' where masked, every other byte as sent, and what
    the policy keeps kept (card: first 6 and last 4 digits; SSN: last 4;
    e-mail: the domain)."""
    if got is None or len(got) != len(clear) or got == clear:
        return False
    if any(g != c and g != "*" for g, c in zip(got, clear)):
        return False
    if kind == "email":
        return got.split("@", 1)[1] == clear.split("@", 1)[1]
    return got[-4:] == clear[-4:]


def check_rows(rows, what):
    """@rows: (id, name, card, ssn, email) read back: all six, masked."""
    want = {r[0]: r for r in ROWS}
    got = {r[0]: r for r in rows}
    ok(sorted(got) == sorted(want),
       "%s: every row there (ids %s)" % (what, sorted(got)))
    bad = []
    for i, w in want.items():
        g = got.get(i)
        if g is None:
            continue
        if g[1] != w[1]:
            bad.append("row %d name changed" % i)
        for k, kind in enumerate(COLS):
            if not masked(kind, w[2 + k], g[2 + k]):
                bad.append("row %d %s not masked as the policy says" % (i, kind))
    ok(not bad, "%s: every card, SSN and e-mail masked (same length, "
       "the rest as sent)%s" % (what, ": " + "; ".join(bad) if bad else ""))


def connect3(dsn):
    import psycopg
    return psycopg.connect(dsn, connect_timeout=10, autocommit=True)


def cmd_sql(path):
    with open(path, "w") as f:
        for r in ROWS[:3]:
            f.write("INSERT INTO people (id, name, card, ssn, email) VALUES "
                    "(%d, '%s', '%s', '%s', '%s');\n" % r)


def cmd_insert3(dsn):
    try:
        with connect3(dsn) as c:
            # Extended protocol: Parse, then Bind with the values.
            c.execute(INSERT, ROWS[3])
            # A named, prepared statement, then Bind again.
            c.execute(INSERT, ROWS[4], prepare=True)
        ok(True, "psycopg 3: two parameterised INSERTs (Parse/Bind/Execute) succeeded")
    except Exception as e:  # the message names no value
        ok(False, "psycopg 3 INSERT: %s" % type(e).__name__)


def cmd_insert2(dsn):
    try:
        import psycopg2
        c = psycopg2.connect(dsn, connect_timeout=10)
        with c, c.cursor() as cur:
            cur.execute(INSERT, ROWS[5])
        c.close()
        ok(True, "psycopg2: a parameterised INSERT (interpolated, simple Query) succeeded")
    except Exception as e:
        ok(False, "psycopg2 INSERT: %s" % type(e).__name__)


def read(dsn, table):
    with connect3(dsn) as c:
        return c.execute("SELECT id, name, card, ssn, email FROM %s ORDER BY id"
                         % table).fetchall()


def cmd_stored(dsn):
    check_rows(read(dsn, "people"), "the table as the server stored it "
               "(read in its own namespace)")


def cmd_seed(dsn):
    with connect3(dsn) as c:
        c.execute("CREATE TABLE ledger (id int PRIMARY KEY, name text, "
                  "card text, ssn text, email text)")
        with c.cursor() as cur:
            cur.executemany(INSERT.replace("people", "ledger"), ROWS)


def cmd_select(dsn):
    try:
        rows = read(dsn, "ledger")
    except Exception as e:
        ok(False, "SELECT through wiremask: %s" % type(e).__name__)
        return
    check_rows(rows, "SELECT through wiremask (stored in clear)")


def cmd_rtt(dsn, n):
    try:
        with connect3(dsn) as c:
            got = []
            t0 = time.monotonic()
            for _ in range(n):
                got.append(c.execute("SELECT card FROM ledger WHERE id = 2")
                           .fetchone()[0])
            dt = time.monotonic() - t0
    except Exception as e:
        # libpq's own words (a broken reply), never a server row.
        ok(False, "round trips through wiremask: %s: %s" % (
            type(e).__name__, str(e).splitlines()[0][:80] if e.args else ""))
        return
    ok(all(masked("card", ROWS[1][2], g) for g in got),
       "%d round trips (SELECT of one card): every answer masked" % n)
    print("# pg: %d round trips through wiremask, %.3f ms each (mean)"
          % (n, dt * 1000 / n))


def main(argv):
    cmd = argv[1]
    if cmd == "sql":
        cmd_sql(argv[2])
    elif cmd == "insert3":
        cmd_insert3(argv[2])
    elif cmd == "insert2":
        cmd_insert2(argv[2])
    elif cmd == "stored":
        cmd_stored(argv[2])
    elif cmd == "seed":
        cmd_seed(argv[2])
    elif cmd == "select":
        cmd_select(argv[2])
    elif cmd == "rtt":
        cmd_rtt(argv[2], int(argv[3]))
    else:
        sys.exit("unknown command %s" % cmd)


if __name__ == "__main__":
    main(sys.argv)
