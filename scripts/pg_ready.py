"""Exit 0 when the PostgreSQL server of a database URL accepts connections."""

import sys

import psycopg

url = sys.argv[1]
server = url.rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(server, connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
