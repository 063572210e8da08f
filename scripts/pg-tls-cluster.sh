#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback that accepts only TLS
# (hostssl lines, SCRAM password), with a CA and a server certificate for
# `localhost` made by the openssl command: for trying warroom's sslmodes
# by hand and for scripts/measure.sh pg. The same setup as the tests'
# (tests/common/pg_tls.rs). Debian's postgresql package; as root the
# cluster runs as the `postgres` account.
#
#   scripts/pg-tls-cluster.sh start DIR [PORT]   prints the URLs to use
#   scripts/pg-tls-cluster.sh stop DIR           stops it and removes DIR
#
# PGTLS_PLAIN=1 also accepts plain TCP (hostnossl), to compare both on one
# server; PGTLS_PASSWORD sets the password (default: random).
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a new folder}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [[ $cmd == stop ]]; then
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
  rm -rf "$dir"
  exit 0
fi

port=${3:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
password=${PGTLS_PASSWORD:-tls-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')}
mkdir -p "$dir/certs"
chmod 755 "$dir" "$dir/certs"
cd "$dir/certs"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
for ca in ca wrong-ca; do
  openssl req -x509 "${ec[@]}" -keyout "$ca.key" -out "$ca.crt" -days 3 \
    -subj "/CN=warroom trial $ca" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
done
openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3 \
  -extfile server.ext -out server.crt 2>/dev/null
chmod 644 ca.crt wrong-ca.crt
cd - >/dev/null
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
as_owner "$bin/initdb" -A trust -U warroom --no-sync -E UTF8 -D "$dir/data" >/dev/null
install -m 600 "$dir/certs/server.crt" "$dir/certs/server.key" "$dir/data/"
printf 'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\n' > "$dir/data/pg_hba.conf"
[[ ${PGTLS_PLAIN:-} == 1 ]] && echo 'hostnossl all all 127.0.0.1/32 scram-sha-256' >> "$dir/data/pg_hba.conf"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/data/server.crt" "$dir/data/server.key" "$dir/data/pg_hba.conf"
as_owner "$bin/pg_ctl" -w -D "$dir/data" -l "$dir/log" -o \
  "-c ssl=on -c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c max_connections=200" \
  start >/dev/null
as_owner "$bin/psql" -q -h "$dir" -p "$port" -U warroom -d postgres \
  -c "ALTER ROLE warroom PASSWORD '$password'" -c "CREATE DATABASE trial"
echo "tls_url=postgresql://warroom:$password@localhost:$port/trial?sslmode=verify-full&sslrootcert=$dir/certs/ca.crt"
echo "socket_url=postgresql://warroom@/trial?host=$dir&port=$port"
echo "plain_url=postgresql://warroom:$password@127.0.0.1:$port/trial?sslmode=disable"
echo "admin=$bin/psql -h $dir -p $port -U warroom -d postgres"
