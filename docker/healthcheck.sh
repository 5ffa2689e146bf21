#!/bin/bash
# healthcheck.sh - the image's HEALTHCHECK: GET /healthz from mentionsift's
# HTTP endpoint and succeed only on "200". Needs nothing but bash (its
# /dev/tcp), which debian:12-slim has; /bin/sh there is dash, without /dev/tcp.
#
#   bash healthcheck.sh [HOST:PORT]     default: $MENTIONSIFT_HTTP_LISTEN
#
# A wildcard listen address (0.0.0.0, [::]) is probed on loopback.
set -u
listen=${1:-${MENTIONSIFT_HTTP_LISTEN:-127.0.0.1:9464}}
if [[ $listen == off ]]; then
    echo "healthcheck: the HTTP endpoint is off (http.listen: off); run with --no-healthcheck" >&2
    exit 1
fi
port=${listen##*:}
host=${listen%:*}
case $host in
    0.0.0.0 | '' | localhost) host=127.0.0.1 ;;
    '[::]') host=::1 ;;
    \[*\]) host=${host#[}; host=${host%]} ;;
esac
if ! exec 3<>"/dev/tcp/$host/$port"; then
    echo "healthcheck: cannot connect to $host:$port" >&2
    exit 1
fi
printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
status=
IFS=$' \t\r' read -r -t 2 proto code _ <&3 && status=$code
exec 3<&-
if [[ $status == 200 ]]; then
    exit 0
fi
echo "healthcheck: GET http://$host:$port/healthz answered '${proto:-} ${status:-(nothing)}'" >&2
exit 1
