#!/usr/bin/env bash
# OS parts landbank needs: SpatiaLite, PostGIS for the running PostgreSQL, GDAL's
# command-line tools (benchmark comparisons), and the test database with PostGIS.
# Idempotent and quiet when everything is there.
set -euo pipefail

need=()
[ -e /usr/lib/x86_64-linux-gnu/mod_spatialite.so ] || ls /usr/lib/*/mod_spatialite.so >/dev/null 2>&1 \
  || need+=(libsqlite3-mod-spatialite)
command -v ogr2ogr >/dev/null || need+=(gdal-bin)
# the tests open the HTML report in a real browser and the Excel ledger in LibreOffice
command -v chromium >/dev/null || need+=(chromium)
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
# the case documents (.docx) are converted to PDF by LibreOffice Writer
[ -e /usr/lib/libreoffice/program/libswlo.so ] || need+=(libreoffice-writer-nogui)
# nginx in front of several serve processes (tests and the scale bench run their own
# with -c; the system's service is not enabled)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
# a CJK font, so Chinese labels draw in screenshots of maps and reports
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need+=(fonts-wqy-microhei)
pg_major=""
if command -v pg_lsclusters >/dev/null; then
  pg_major=$(pg_lsclusters --no-header | awk 'NR==1 {print $1}')
fi
if [ -n "$pg_major" ] && ! ls /usr/share/postgresql/"$pg_major"/extension/postgis.control >/dev/null 2>&1; then
  need+=("postgresql-${pg_major}-postgis-3")
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  if [[ " ${need[*]} " == *" nginx "* ]] && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true  # landbank runs its own
  fi
fi

if [ -n "$pg_major" ]; then
  if ! pg_lsclusters --no-header | awk 'NR==1 {print $4}' | grep -q online; then
    pg_ctlcluster --skip-systemctl-redirect "$pg_major" main start
  fi
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  PSQL=(psql -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1)
  if ! "${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname='landbank_test'" | grep -q 1; then
    "${PSQL[@]}" -c "CREATE DATABASE landbank_test" >/dev/null
  fi
  "${PSQL[@]}" -d landbank_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null 2>&1
fi
