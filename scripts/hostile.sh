#!/usr/bin/env bash
# Measures what anonymous or careless clients cost the servers, as
# docs/benchmarks.md reports it ("Hostile input"):
#
#   1. 150 MiB of anonymous multipart forms (3 × 50 MiB, no cookie, no token;
#      net/http keeps a file part of 32 MiB at most in memory, then spools it
#      to a temporary file) posted to the sign-in pages of both sides: bytes
#      left in the servers' temporary folder;
#   2. 30 sign-ins with a 7 MiB login (with the page's CSRF token), then 30
#      with a 60 KiB one (within the forms' bound): growth of the school
#      server's log;
#   3. 16 PUTs of an 8 MiB snapshot at once, with one school's token: the
#      extranet server's peak resident memory (VmHWM).
#
# It builds the binary and runs `school serve` and `extranet serve` on
# loopback ports, in a temporary folder it removes. Needs curl.
set -euo pipefail

cd "$(dirname "$0")/.."
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bin="$work/passerelle"
CGO_ENABLED=0 go build -o "$bin" ./cmd/passerelle
mkdir "$work/tmp" "$work/mail"
xurl=http://127.0.0.1:18781 surl=http://127.0.0.1:18780

token=$("$bin" extranet school add --db "sqlite:$work/x.db" --fase 4242 --name "École Saint-Joseph" | tail -n 1)
"$bin" school import --db "sqlite:$work/s.db" --fase 4242 --name "École Saint-Joseph" school/demodata/demo.csv >/dev/null
echo "un mot de passe assez long" | "$bin" school user add --db "sqlite:$work/s.db" --login direction --name "Direction" --direction --password-stdin >/dev/null

TMPDIR="$work/tmp" "$bin" extranet serve --db "sqlite:$work/x.db" --addr 127.0.0.1:18781 \
  --mail-dir "$work/mail" --portal-url "$xurl/" --night-at off --log-format json 2>"$work/x.log" >/dev/null &
xpid=$!
pids+=("$xpid")
TMPDIR="$work/tmp" "$bin" school serve --db "sqlite:$work/s.db" --addr 127.0.0.1:18780 --log-format json 2>"$work/s.log" >/dev/null &
pids+=($!)
for u in "$xurl/healthz" "$surl/healthz"; do
  for _ in $(seq 100); do curl -fs -o /dev/null "$u" && break; sleep 0.1; done
done

# 1. Anonymous multipart.
head -c $((50 << 20)) /dev/zero >"$work/50MiB"
codes=""
for path in "$xurl/connexion" "$xurl/console/connexion" "$surl/connexion"; do
  codes+=" $(curl -s -o /dev/null -w '%{http_code}' -F "fichier=@$work/50MiB" "$path")"
done
files=$(find "$work/tmp" -type f | wc -l)
bytes=$(find "$work/tmp" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
echo "1. 150 MiB of anonymous multipart: answers$codes; left in the temporary folder: $files files, $bytes bytes"

# 2. 30 sign-ins with a 7 MiB login.
curl -s -c "$work/jar" -o "$work/page.html" "$surl/connexion"
csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$work/page.html" | head -n 1)
{ printf 'csrf=%s&mot_de_passe=x&identifiant=' "$csrf"; head -c $((7 << 20)) /dev/zero | tr '\0' a; } >"$work/login"
before=$(stat -c %s "$work/s.log")
codes=""
for _ in $(seq 30); do
  codes+=" $(curl -s -b "$work/jar" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary "@$work/login" "$surl/connexion")"
done
after=$(stat -c %s "$work/s.log")
echo "2. 30 × 7 MiB logins: answers$(echo $codes | tr ' ' '\n' | sort | uniq -c | awk '{printf " %s×%s", $1, $2}'); log grew by $((after - before)) bytes"
# The same with logins of 60 KiB, within the forms' bound: read, refused,
# throttled and logged, capped.
{ printf 'csrf=%s&mot_de_passe=x&identifiant=' "$csrf"; head -c $((60 << 10)) /dev/zero | tr '\0' b; } >"$work/login60"
before=$after
codes=""
for _ in $(seq 30); do
  codes+=" $(curl -s -b "$work/jar" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary "@$work/login60" "$surl/connexion")"
done
after=$(stat -c %s "$work/s.log")
echo "   30 × 60 KiB logins: answers$(echo $codes | tr ' ' '\n' | sort | uniq -c | awk '{printf " %s×%s", $1, $2}'); log grew by $((after - before)) bytes"

# 3. 16 concurrent 8 MiB PUTs from one school.
entry='{"lastName":"Dupont-Van den Bossche","firstName":"Jean-Baptiste","birthDate":"1980-05-04","matricule":"18005040123","email":"jean-baptiste.dupont-vandenbossche@ecole-saint-joseph.be","role":"Enseignant"}'
n=$(((8 << 20) / (${#entry} + 1) - 10))
awk -v n="$n" -v e="$entry" 'BEGIN { printf "{\"schoolYear\":\"2026-2027\",\"staff\":["; for (i = 0; i < n; i++) printf "%s%s", (i ? "," : ""), e; printf "]}" }' >"$work/snapshot.json"
size=$(stat -c %s "$work/snapshot.json")
base=$(awk '/VmHWM/ {print $2}' "/proc/$xpid/status")
puts=()
for i in $(seq 16); do
  curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data-binary "@$work/snapshot.json" "$xurl/api/v1/schools/4242/staff" >"$work/put.$i" &
  puts+=($!)
done
wait "${puts[@]}"
peak=$(awk '/VmHWM/ {print $2}' "/proc/$xpid/status")
echo "3. 16 concurrent PUTs of $size bytes: answers$(cat "$work"/put.* | sort | uniq -c | awk '{printf " %s×%s", $1, $2}'); extranet VmHWM $((base / 1024)) MiB before, $((peak / 1024)) MiB after"
