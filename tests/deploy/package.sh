#!/usr/bin/env bash
# The Debian package, installed and used the way README's "Put it on a server" says, on this
# machine: dpkg -i, the units checked by systemd-analyze, the service's own command run as the
# lendhub user with the installed settings (systemd is not the init here), signing in through
# Caddy over HTTPS (tls internal, the client trusting Caddy's local root), the daily backup's own
# command, an upgrade to a newer version, then dpkg --purge. Run as root, from the checkout, after `cargo deb` (or pass the .deb).
#
# What a person would notice is asserted: the cookie is Secure, HSTS is sent, five wrong
# passwords from one client lock that client out and not another, the backup is there, purging
# leaves no process and keeps the data.
set -euo pipefail
cd "$(dirname "$0")/../.."

deb=${1:-$(ls -t target/debian/lendhub_*.deb | head -n 1)}
work=$(mktemp -d)
bind=127.0.0.1:18080
https_port=18443
site=https://localhost:$https_port
caddy_pid=
lendhub_pid=

fail() {
  echo "FAILED: $*" >&2
  exit 1
}
cleanup() {
  [ -n "$caddy_pid" ] && kill "$caddy_pid" 2>/dev/null || true
  [ -n "$lendhub_pid" ] && kill "$lendhub_pid" 2>/dev/null || true
  if dpkg -s lendhub >/dev/null 2>&1; then LENDHUB_PURGE_DATA=yes dpkg --purge lendhub >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A package left by an earlier run on this machine goes first, data and all.
if dpkg -s lendhub >/dev/null 2>&1; then LENDHUB_PURGE_DATA=yes dpkg --purge lendhub; fi
rm -rf /var/lib/lendhub

echo "--- dpkg -i $deb"
dpkg -i "$deb" | tee "$work/install.txt"
grep -q "journalctl -u lendhub -g setup -n 1" "$work/install.txt" || fail "installing does not say how to get the set-up link"
getent passwd lendhub >/dev/null || fail "no lendhub user"
[ "$(stat -c '%U:%G %a' /var/lib/lendhub)" = "lendhub:lendhub 750" ] || fail "/var/lib/lendhub: $(stat -c '%U:%G %a' /var/lib/lendhub)"
[ -d /var/lib/lendhub/backups ] || fail "no backups folder"
[ "$(stat -c '%U:%G %a' /etc/lendhub/lendhub.env)" = "root:lendhub 640" ] || fail "lendhub.env: $(stat -c '%U:%G %a' /etc/lendhub/lendhub.env)"
dpkg-query -W -f='${Conffiles}\n' lendhub | grep -q /etc/lendhub/lendhub.env || fail "lendhub.env is not a conffile"
lendhub --version | grep -Eq '^lendhub [0-9.]+ \(commit [0-9a-f]+' || fail "--version: $(lendhub --version)"

echo "--- systemd-analyze verify"
units=(/usr/lib/systemd/system/lendhub.service /usr/lib/systemd/system/lendhub-backup.service /usr/lib/systemd/system/lendhub-backup.timer)
systemd-analyze verify "${units[@]}"
grep -q '^ExecStart=/usr/bin/lendhub --env-file /etc/lendhub/lendhub.env serve$' "${units[0]}" || fail "unexpected ExecStart"

echo "--- the settings a volunteer changes, then lendhubctl"
sed -i "s|^LENDHUB_PUBLIC_URL=.*|LENDHUB_PUBLIC_URL=$site|; s|^LENDHUB_BIND=.*|LENDHUB_BIND=$bind|" /etc/lendhub/lendhub.env
LENDHUB_PASSWORD='correct horse battery' lendhubctl user create --role admin --email admin@example.org \
  --name 'Ada Admin' --organisation 'Test Scheme' --prefix TST
[ "$(stat -c %U /var/lib/lendhub/lendhub.db)" = lendhub ] || fail "the database is not the lendhub user's"

echo "--- the service's command, as the lendhub user"
exec_start=$(sed -n 's/^ExecStart=//p' "${units[0]}")
(cd /var/lib/lendhub && exec setpriv --reuid=lendhub --regid=lendhub --init-groups --no-new-privs -- $exec_start) \
  >"$work/lendhub.log" 2>&1 &
lendhub_pid=$!
for _ in $(seq 1 50); do curl -sf "http://$bind/readyz" >/dev/null && break; sleep 0.2; done
curl -sf "http://$bind/readyz" >/dev/null || { cat "$work/lendhub.log"; fail "lendhub did not become ready"; }
[ "$(ps -o user= -p "$lendhub_pid" | tr -d ' ')" = lendhub ] || fail "lendhub is not running as the lendhub user"

echo "--- Caddy in front, tls internal"
cat >"$work/Caddyfile" <<EOF
{
	admin off
	local_certs
	skip_install_trust
	http_port 18081
	https_port $https_port
	storage file_system $work/caddy
}
localhost:$https_port {
	reverse_proxy $bind
}
EOF
caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/caddy.log" 2>&1 &
caddy_pid=$!
root=$work/caddy/pki/authorities/local/root.crt
for _ in $(seq 1 50); do [ -f "$root" ] && curl -sf --cacert "$root" "$site/healthz" >/dev/null && break; sleep 0.2; done
[ -f "$root" ] || { cat "$work/caddy.log"; fail "Caddy made no local root"; }

# Two clients on two addresses of this machine; Caddy reaches lendhub from 127.0.0.1.
client() {
  local from=$1
  shift
  curl -s --cacert "$root" --interface "$from" --resolve "localhost:$https_port:$from" "$@"
}
sign_in() {
  client "$1" -o /dev/null -D - -w '%{http_code}\n' -X POST "$site/login" \
    --data-urlencode "email=admin@example.org" --data-urlencode "password=$2" "${@:3}"
}

echo "--- signing in over HTTPS"
answer=$(sign_in 127.0.0.2 'correct horse battery')
echo "$answer" | grep -i '^set-cookie: lendhub_session=' | grep -q '; Secure' || fail "the session cookie is not Secure: $answer"
echo "$answer" | grep -qi '^strict-transport-security: max-age=' || fail "no HSTS: $answer"
cookie=$(echo "$answer" | sed -n 's/^[Ss]et-[Cc]ookie: \(lendhub_session=[^;]*\).*/\1/p')
[ "$(client 127.0.0.2 -o /dev/null -w '%{http_code}' -b "$cookie" "$site/devices")" = 200 ] || fail "the cookie does not open /devices"

echo "--- throttling counts the client, not Caddy"
for _ in 1 2 3 4 5; do
  [ "$(sign_in 127.0.0.2 wrong | tail -n 1)" = 422 ] || fail "a wrong password was not refused with 422"
done
[ "$(sign_in 127.0.0.2 'correct horse battery' | tail -n 1)" = 429 ] || fail "the sixth try from 127.0.0.2 was not throttled"
[ "$(sign_in 127.0.0.2 'correct horse battery' -H 'X-Forwarded-For: 127.0.0.9' | tail -n 1)" = 429 ] \
  || fail "a client escaped the throttle by writing its own X-Forwarded-For"
[ "$(sign_in 127.0.0.3 'correct horse battery' | tail -n 1)" = 303 ] || fail "another client was throttled too"

echo "--- /metrics: this machine, not through the proxy"
curl -sf "http://$bind/metrics" | grep -q '^lendhub_http_requests_total{' || fail "no request counts in /metrics"
[ "$(client 127.0.0.2 -o /dev/null -w '%{http_code}' "$site/metrics")" = 403 ] || fail "/metrics answered through the proxy"

echo "--- the daily backup's command, as the lendhub user"
backup=$(sed -n 's/^ExecStart=//p' "${units[1]}")
(cd /var/lib/lendhub && setpriv --reuid=lendhub --regid=lendhub --init-groups --no-new-privs -- $backup)
ls /var/lib/lendhub/backups/lendhub-*.db >/dev/null || fail "no backup was written"

echo "--- an upgrade: a newer version over this one keeps the settings, the user and the data"
kill "$lendhub_pid"
wait "$lendhub_pid" || fail "lendhub did not stop cleanly on SIGTERM"
lendhub_pid=
dpkg-deb -R "$deb" "$work/newer"
sed -i 's/^Version: .*/&+upgrade1/' "$work/newer/DEBIAN/control"
dpkg-deb -b "$work/newer" "$work/newer.deb" >/dev/null
dpkg -i "$work/newer.deb" >"$work/upgrade.txt"
grep -q "lendhub is installed" "$work/upgrade.txt" && fail "the first-install message was shown again on upgrade"
dpkg-query -W -f='${Version}' lendhub | grep -q '+upgrade1$' || fail "the newer version is not installed"
grep -q "^LENDHUB_PUBLIC_URL=$site$" /etc/lendhub/lendhub.env || fail "the upgrade lost the edited settings"
(cd /var/lib/lendhub && exec setpriv --reuid=lendhub --regid=lendhub --init-groups --no-new-privs -- $exec_start) \
  >>"$work/lendhub.log" 2>&1 &
lendhub_pid=$!
for _ in $(seq 1 50); do curl -sf "http://$bind/readyz" >/dev/null && break; sleep 0.2; done
[ "$(sign_in 127.0.0.3 'correct horse battery' | tail -n 1)" = 303 ] || fail "the admin cannot sign in after the upgrade"

echo "--- dpkg --purge"
uid=$(id -u lendhub)
dpkg --purge lendhub
# The process is this script's child: gone, or a zombie waiting to be reaped.
case "$(ps -o stat= -p "$lendhub_pid" || true)" in
  "" | Z*) wait "$lendhub_pid" 2>/dev/null || true ;;
  *) fail "lendhub still runs after purging" ;;
esac
lendhub_pid=
if pgrep -U "$uid" >/dev/null; then fail "a process of the lendhub user is left"; fi
[ -e /etc/lendhub ] && fail "/etc/lendhub is left"
[ -f /var/lib/lendhub/lendhub.db ] || fail "purging deleted the data without LENDHUB_PURGE_DATA=yes"
getent passwd lendhub >/dev/null || fail "purging removed the user who owns the data kept"

echo "--- installed again and purged with LENDHUB_PURGE_DATA=yes: nothing is left"
dpkg -i "$deb" >/dev/null
[ -f /var/lib/lendhub/lendhub.db ] || fail "reinstalling lost the data kept"
LENDHUB_PURGE_DATA=yes dpkg --purge lendhub
[ -e /var/lib/lendhub ] && fail "/var/lib/lendhub is left after purging with LENDHUB_PURGE_DATA=yes"
getent passwd lendhub >/dev/null && fail "the lendhub user is left after purging with LENDHUB_PURGE_DATA=yes"
echo "the package installs, serves behind HTTPS, backs up and purges cleanly"
