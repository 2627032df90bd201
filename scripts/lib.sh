# Shared by the scripts: where caches live, and small helpers.
# Caches live outside the checkout so a fresh clone reuses them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${STANCEWIRE_CACHE:-$HOME/.cache/stancewire}"
NISSHI_VERSION=0.8.1
NISSHI_BIN="${NISSHI_BIN:-$CACHE/nisshi-$NISSHI_VERSION/bin/nisshi}"
DATA="${STANCEWIRE_DATA:-$ROOT/.stancewire}"
BROKER_PORT="${STANCEWIRE_BROKER_PORT:-9092}"
export NISSHI_BIN

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# wait_for_port PORT SECONDS
wait_for_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ((SECONDS > deadline)); then return 1; fi
    sleep 0.1
  done
}

# wait_for_http URL SECONDS
wait_for_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS "$url" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then return 1; fi
    sleep 0.2
  done
}
