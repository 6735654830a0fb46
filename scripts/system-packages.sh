#!/usr/bin/env bash
# Install the Debian packages a target needs, if they are missing; quiet when all are there.
#
#   scripts/system-packages.sh run    # what the pages need to print PDFs (Pango, Latin and CJK fonts), and
#                                     # pg_dump/pg_restore for `rectoplan registry backup`
#   scripts/system-packages.sh test   # that, plus chromium for the browser tests, nginx and
#                                     # openssl for the deployment tests, and Node.js with
#                                     # npm for the identity provider of the sign-in tests
#
# `make run`, `make test` and `.ci/run` call it so a fresh Debian machine needs no hand set-up.
# It installs only as root (as on CI); otherwise it names the missing packages and, for `test`,
# fails, because the browser tests must not be skipped silently.
set -euo pipefail

RUNTIME=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core postgresql-client)
RUNTIME+=(fonts-noto-cjk)  # Chinese in PDFs and figures (Noto Sans CJK SC, found by fontconfig)
TESTING=(chromium)
TESTING+=(nginx openssl)  # two instances behind a real load balancer, TLS (tests/deployment)

case "${1:-}" in
  run) wanted=("${RUNTIME[@]}") ;;
  test) wanted=("${RUNTIME[@]}" "${TESTING[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js and npm run the test identity provider (tests/oidc, scripts/oidc-provider.sh);
# checked as commands, since a machine may have them from elsewhere than Debian's packages
if [ "$1" = test ] && ! { command -v node && command -v npm; } >/dev/null; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages: ${missing[*]} (install them: apt-get install ${missing[*]})" >&2
  [ "$1" = run ] && exit 0  # the pages work; only PDFs need Pango, PostgreSQL backups pg_dump
  exit 1
fi
echo "installing Debian packages: ${missing[*]} ..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
