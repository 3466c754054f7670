#!/usr/bin/env bash
# Installs Debian's Chromium, and a colour emoji font for the Slack-style page, for the
# editor screenshots and the browser check (npm run screenshots, npm run test:e2e).
# Does nothing when both are there. Needs root (or sudo) and Debian's package sources.
# Prints the browser's path. CHROMIUM_PATH: a browser to use instead of /usr/bin/chromium.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
emoji_font=/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf
packages=()
[ -x "$browser" ] || packages+=(chromium)
[ -f "$emoji_font" ] || packages+=(fonts-noto-color-emoji)
if [ "${#packages[@]}" -eq 0 ]; then
	echo "$browser"
	exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo -n)
else
	echo "install-chromium: needs root or sudo to run: apt-get install ${packages[*]}" >&2
	exit 1
fi
echo "install-chromium: installing ${packages[*]} from Debian's packages …" >&2
export DEBIAN_FRONTEND=noninteractive
# Waits for another apt or dpkg run instead of failing on its lock.
apt=(apt-get -o DPkg::Lock::Timeout=600 -qq)
# A fresh container has no package lists; a stale one may name versions that are gone.
"${as_root[@]}" "${apt[@]}" update >&2
"${as_root[@]}" "${apt[@]}" install -y --no-install-recommends "${packages[@]}" >&2
if [ ! -x "$browser" ]; then
	echo "install-chromium: apt-get finished but $browser is still missing" >&2
	exit 1
fi
echo "$browser"
