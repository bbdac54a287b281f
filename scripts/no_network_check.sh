#!/usr/bin/env bash
# Prove that the workbench makes no network connection without the online-tiles opt-in:
# start it under Xvfb with strace, let it load the sample data and draw the map, zoom
# and pan the map so that tiles render, then check that no AF_INET or AF_INET6 connect
# (or sendto) was attempted. Needs xvfb, xdotool and strace (Debian packages).
# Usage: scripts/no_network_check.sh [path/to/compound-atlas]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/debug/compound-atlas}
work=$(mktemp -d)
display=:$((90 + RANDOM % 9))
cleanup() {
    [ -n "${app:-}" ] && pkill -KILL -P "$app" 2>/dev/null || true
    [ -n "${xvfb:-}" ] && kill "$xvfb" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

Xvfb "$display" -screen 0 1400x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 2
# A fresh home, so that no remembered opt-in from an earlier run applies.
HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" DISPLAY="$display" \
    strace -f -qq -e trace=connect,sendto,sendmsg -o "$work/trace" "$binary" >"$work/app.log" 2>&1 &
app=$!
sleep 12
# Zoom in and pan over the map (the central area) so that more tiles render.
for _ in 1 2 3; do
    DISPLAY="$display" xdotool mousemove 800 420 click 4 || true
    sleep 1
done
DISPLAY="$display" xdotool mousemove 800 420 mousedown 1 mousemove 700 380 mousemove 600 340 mouseup 1 || true
sleep 4
# Close the workbench itself (strace's child); strace then ends and flushes its log.
pkill -TERM -P "$app" || true
wait "$app" 2>/dev/null || true
app=

if ! grep -q 'AF_UNIX' "$work/trace"; then
    echo "no-network check: strace saw no connection at all (not even to the X server);" \
        "the trace did not work" >&2
    cat "$work/app.log" >&2
    exit 1
fi
if grep -E 'AF_INET6?[,}]' "$work/trace"; then
    echo "no-network check FAILED: the workbench attempted the network connections above" >&2
    exit 1
fi
echo "no-network check passed: $(grep -c 'AF_UNIX' "$work/trace") local socket calls, no AF_INET or AF_INET6"
