#!/usr/bin/env bash
# Installs the Kerberos peers of the GSS-API (RFC 1961) tests and builds a Dante with GSS-API.
#
# Debian's dante-server is configured --without-gssapi, so the tests need a sockd built from Debian's own source
# package with libkrb5-dev present (see /work/shared/gssapi-notes.md). The build (about 70-100 s on 2 cores) runs
# once per Dante version; its sockd and libdsocksd.so are kept under $SOCKSIFY_GSSAPI_CACHE/dante-gssapi-<version>/
# and reused on every later run. Any failure exits non-zero. Run as root on Debian 12; idempotent.
#
#   bash scripts/gssapi-peers.sh            (setup.sh calls it)
#
# Environment:
#   SOCKSIFY_GSSAPI_CACHE=/dir    cache root (default /var/cache/socksify)
#   SOCKSIFY_GSSAPI_REBUILD=1     build again even when the cache holds this version
#
# /etc/apt is never changed: the deb-src line lives in a private sources list under the cache, derived from the
# machine's own Debian sources (the same archive the binary packages come from).
set -euo pipefail

DANTE_VERSION=1.4.2+dfsg-7   # Debian 12's dante; the integration tests read the cache dir by this version
CACHE_ROOT=${SOCKSIFY_GSSAPI_CACHE:-/var/cache/socksify}
CACHE_DIR="$CACHE_ROOT/dante-gssapi-$DANTE_VERSION"

PACKAGES=(
    krb5-kdc krb5-admin-server krb5-user  # krb5kdc, kdb5_util; kadmin.local; kinit, klist, kdestroy
    dpkg-dev gcc make libc6-dev autoconf automake libtool libtool-bin flex bison libkrb5-dev  # the Dante build
)

cleanup=()
on_exit() { local c; for c in "${cleanup[@]}"; do eval "$c"; done; }
trap on_exit EXIT

log() { printf 'gssapi-peers.sh: %s\n' "$*"; }
die() { printf 'gssapi-peers.sh: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (it installs Debian packages)"

is_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
    is_installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    apt-get update -q
    # krb5-kdc's postinst would start a system KDC for a realm nobody configured; forbid starting daemons during
    # the install as setup.sh does (an existing policy is left alone).
    policy=/usr/sbin/policy-rc.d
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\n# temporary, written by socksify scripts/gssapi-peers.sh\nexit 101\n' > "$policy"
        chmod 755 "$policy"
        cleanup+=("rm -f '$policy'")
    fi
    log "apt-get install -y ${missing[*]}"
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The tests run their own KDC in the foreground on free ports; the packages' system services are never wanted.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now krb5-kdc.service krb5-admin-server.service >/dev/null 2>&1 || true
else
    for svc in krb5-kdc krb5-admin-server; do
        if [[ -x /etc/init.d/$svc ]]; then
            /etc/init.d/$svc stop >/dev/null 2>&1 || true
            update-rc.d "$svc" disable >/dev/null 2>&1 || true
        fi
    done
fi
for exe in krb5kdc kdb5_util kadmin.local kinit klist kdestroy; do
    PATH="$PATH:/usr/sbin:/sbin" command -v "$exe" >/dev/null || die "$exe not found after install"
done

if [[ -x $CACHE_DIR/sockd && -f $CACHE_DIR/libdsocksd.so && ${SOCKSIFY_GSSAPI_REBUILD:-0} != 1 ]]; then
    log "cached GSS-API Dante $DANTE_VERSION: $CACHE_DIR"
else
    # The deb-src line: the first deb822 or one-line Debian source on this machine that carries bookworm main.
    uri=$(
        {
            awk 'BEGIN { RS = ""; FS = "\n" }
                 /(^|\n)Suites:[^\n]*[[:space:]]bookworm([[:space:]]|\n|$)/ && /(^|\n)Components:[^\n]*main/ {
                     for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { split($i, u, /[[:space:]]+/); print u[2] }
                 }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
            awk '$1 == "deb" && $3 == "bookworm" { print $2 }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                2>/dev/null || true
        } | head -n 1
    )
    [[ -n $uri ]] || die "no Debian bookworm 'main' source in /etc/apt/sources.list{,.d}; cannot fetch Dante's source"
    work=$(mktemp -d /tmp/socksify-dante-build.XXXXXX)
    cleanup+=("rm -rf '$work'")
    mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
    printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s bookworm main\n' "$uri" \
        > "$work/apt/sources.list"
    apt_private=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=-"
                 -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache")
    log "fetching Dante's Debian source package (private source list: $uri bookworm main)"
    apt-get "${apt_private[@]}" update -q >"$work/apt-update.log" 2>&1 \
        || { cat "$work/apt-update.log" >&2; die "apt-get update of the private deb-src list failed"; }
    (cd "$work/src" && apt-get "${apt_private[@]}" source --download-only -q "dante=$DANTE_VERSION") \
        >"$work/apt-source.log" 2>&1 || { cat "$work/apt-source.log" >&2; die "apt-get source dante failed"; }
    dsc=$(ls "$work"/src/dante_*.dsc 2>/dev/null | head -n 1)
    [[ -n $dsc ]] || die "apt-get source left no dante_*.dsc in $work/src"
    (cd "$work/src" && dpkg-source -x "$dsc" dante) >"$work/dpkg-source.log" 2>&1 \
        || { cat "$work/dpkg-source.log" >&2; die "dpkg-source -x $dsc failed"; }
    log "building sockd and libdsocksd.so with GSS-API (about 1-2 minutes)"
    jobs=$(nproc 2>/dev/null || echo 2)
    (
        set -e
        cd "$work/src/dante"
        # Debian's patches touch configure.ac; without a fresh autoreconf make asks for aclocal-1.13.
        autoreconf -fi
        ./configure --without-ldap --without-upnp --without-libwrap --without-pam
        grep -q '^#define HAVE_GSSAPI 1' include/autoconf.h
        make -j"$jobs" -C libscompat
        make -C lib config_parse.c config_scan.c
        make -j"$jobs" -C sockd
        make -j"$jobs" -C dlib
    ) >"$work/build.log" 2>&1 || { tail -n 60 "$work/build.log" >&2; die "building Dante with GSS-API failed"; }
    lib=$(find "$work/src/dante/dlib" -name 'libdsocksd.so*' -type f | head -n 1)
    [[ -x $work/src/dante/sockd/sockd && -n $lib ]] || die "the build produced no sockd or libdsocksd.so"
    staging="$CACHE_DIR.tmp.$$"
    rm -rf "$staging"
    mkdir -p "$staging"
    install -m 755 "$work/src/dante/sockd/sockd" "$staging/sockd"
    install -m 755 "$lib" "$staging/libdsocksd.so"
    "$staging/sockd" -v > "$staging/VERSION" 2>&1 || true
    rm -rf "$CACHE_DIR"
    mv "$staging" "$CACHE_DIR"   # atomic: a half-built cache is never taken for a finished one
    log "built GSS-API Dante $DANTE_VERSION into $CACHE_DIR"
fi
# Not "ldd | grep -q": under pipefail, grep -q's early exit can kill ldd with SIGPIPE and fail a linked binary.
linked=$(ldd "$CACHE_DIR/sockd") || die "ldd cannot read $CACHE_DIR/sockd"
[[ $linked == *libgssapi_krb5* ]] || die "$CACHE_DIR/sockd is not linked against libgssapi_krb5"
log "sockd: $CACHE_DIR/sockd ($(head -n 1 "$CACHE_DIR/VERSION" 2>/dev/null))"
