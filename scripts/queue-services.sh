#!/usr/bin/env bash
# Installs what the queue-mode end-to-end suite runs n8n on: PostgreSQL and Redis, Debian's
# (or Ubuntu's) packages. Idempotent: does nothing when both are installed. The suite starts
# its own servers on free loopback ports in temporary folders; no system service is used.
set -euo pipefail

have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null; }
have_redis() { command -v redis-server >/dev/null; }

if have_postgres && have_redis; then
	echo "queue services: PostgreSQL and Redis already installed"
	exit 0
fi

packages=()
have_postgres || packages+=(postgresql)
have_redis || packages+=(redis-server)

command -v apt-get >/dev/null || {
	echo "queue services: no apt-get here; install ${packages[*]} (PostgreSQL's initdb and redis-server) yourself" >&2
	exit 1
}

as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "queue services: need root or sudo to install ${packages[*]}" >&2
		exit 1
	}
	as_root=(sudo -n)
fi

started=$(date +%s)
echo "queue services: installing ${packages[*]} …"
# The packages' own services stay off: the suite runs its own servers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
	"${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
	trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "queue services: installed ${packages[*]} in $(($(date +%s) - started)) s"
