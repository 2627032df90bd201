//! Configuration: built-in defaults, then an optional TOML file, then
//! environment variables, later sources overriding earlier ones.
//!
//! The defaults alone run everything against a broker on loopback
//! (`127.0.0.1:9092`), so the embedded default needs no file at all.
//! Environment variables use the `STANCEWIRE_` prefix and `__` for nesting:
//! `STANCEWIRE_KAFKA__BROKERS=kafka-0:9092,kafka-1:9092`,
//! `STANCEWIRE_HTTP__LISTEN=0.0.0.0:8080`, `STANCEWIRE_LOG__FORMAT=json`.
//! `STANCEWIRE_CONFIG` names the file when `--config` is not given.

use std::{collections::BTreeMap, net::SocketAddr, path::Path};

use figment::{
    providers::{Format, Serialized, Toml},
    Figment,
};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::codec::WireFormat;

/// Settings every service has.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StageSettings {
    pub kafka: KafkaSettings,
    pub http: HttpSettings,
    pub log: LogSettings,
}

impl StageSettings {
    /// Defaults for a service: its own consumer group and HTTP port.
    pub fn for_service(service: &str, http_port: u16) -> Self {
        StageSettings {
            kafka: KafkaSettings {
                group_id: format!("stancewire-{service}"),
                client_id: format!("stancewire-{service}"),
                ..KafkaSettings::default()
            },
            http: HttpSettings {
                listen: SocketAddr::from(([127, 0, 0, 1], http_port)),
            },
            log: LogSettings::default(),
        }
    }
}

impl Default for StageSettings {
    fn default() -> Self {
        StageSettings::for_service("stage", 8080)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct KafkaSettings {
    /// Bootstrap servers, comma-separated.
    pub brokers: String,
    pub client_id: String,
    /// Consumer group: instances of one service share it and split the
    /// input partitions between them.
    pub group_id: String,
    /// Encoding of the records this service produces.
    pub wire_format: WireFormat,
    /// Most records handled per batch.
    pub batch_size: usize,
    /// Longest wait to fill a batch once its first record has arrived.
    pub batch_linger_ms: u64,
    /// Most payload bytes handled per batch (a batch stops growing past it).
    pub batch_max_bytes: usize,
    /// Longest a batch may take, fetch to commit (the consumer's
    /// `max.poll.interval.ms`): past it the member is evicted and the batch
    /// is read again by another. `batch_size` must fit in it on the
    /// slowest input.
    pub max_batch_ms: u64,
    /// Broker-side wait for a fetch to fill; 10–50 ms suits low latency.
    pub fetch_wait_max_ms: u32,
    /// `exactly-once` (the default: one Kafka transaction per batch) or
    /// `at-least-once` (idempotent producer, commit after acks; for brokers
    /// without transactions).
    pub delivery: DeliveryMode,
    /// The exactly-once producer's `transactional.id`: unique among live
    /// instances and the same across one instance's restarts, so that a
    /// restarted instance fences its own zombie. Empty (the default):
    /// `{group_id}.{hostname}.{http port}`, which is both wherever each
    /// instance has its own host name or its own port.
    pub transactional_id: String,
    /// How many recent (key, version) pairs a consumer remembers to drop repeats.
    pub repeat_window: usize,
    /// How long to wait for a produce to be acknowledged before failing.
    pub message_timeout_ms: u64,
    /// Create the topics this service reads and writes at start-up, those
    /// missing only (see `topics`). Off where an operator owns the topics.
    pub create_topics: bool,
    /// Partitions of the article and dead-letter topics it creates: the
    /// most instances of one service that can share the work.
    pub partitions: i32,
    /// Replicas of every topic it creates (3 on a cluster).
    pub replication_factor: i32,
    /// How to reach a secured cluster (TLS, SASL), secrets from files.
    pub security: KafkaSecurity,
    /// Extra librdkafka properties, passed through unchanged, except those
    /// the delivery guarantees rest on (`kafka::GUARDED`), which are refused.
    /// Values are never logged.
    pub librdkafka: PassThrough,
}

/// `kafka.librdkafka`: properties by name. Its `Debug` shows the names only.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct PassThrough(pub BTreeMap<String, String>);

impl PassThrough {
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }
}

impl std::fmt::Debug for PassThrough {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "<redacted>")))
            .finish()
    }
}

/// `kafka.security`: TLS and SASL, with fields that environment variables
/// can reach (`STANCEWIRE_KAFKA__SECURITY__SASL_PASSWORD_FILE=/run/secrets/kafka`;
/// librdkafka's dotted names cannot be). A secret is given by a file
/// (`*_file`, the way for container secrets) or inline; it is never logged.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct KafkaSecurity {
    /// `plaintext` (empty: the default), `ssl`, `sasl_plaintext` or `sasl_ssl`.
    pub protocol: String,
    /// `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`.
    pub sasl_mechanism: String,
    pub sasl_username: String,
    pub sasl_password: String,
    pub sasl_password_file: Option<std::path::PathBuf>,
    /// CA certificate(s) to verify the brokers with (PEM file).
    pub ssl_ca_location: String,
    /// Client certificate and key, for mutual TLS (PEM files).
    pub ssl_certificate_location: String,
    pub ssl_key_location: String,
    pub ssl_key_password: String,
    pub ssl_key_password_file: Option<std::path::PathBuf>,
}

impl KafkaSecurity {
    /// The librdkafka properties these settings stand for.
    pub fn properties(&self) -> anyhow::Result<Vec<(&'static str, String)>> {
        let secret = |inline: &str, file: &Option<std::path::PathBuf>, name: &str| match file {
            Some(path) => std::fs::read_to_string(path)
                .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                .map_err(|e| anyhow::anyhow!("kafka.security.{name}_file {}: {e}", path.display())),
            None => Ok(inline.to_string()),
        };
        let mut out = Vec::new();
        let mut set = |k: &'static str, v: String| {
            if !v.is_empty() {
                out.push((k, v));
            }
        };
        set("security.protocol", self.protocol.clone());
        set("sasl.mechanisms", self.sasl_mechanism.clone());
        set("sasl.username", self.sasl_username.clone());
        set(
            "sasl.password",
            secret(
                &self.sasl_password,
                &self.sasl_password_file,
                "sasl_password",
            )?,
        );
        set("ssl.ca.location", self.ssl_ca_location.clone());
        set(
            "ssl.certificate.location",
            self.ssl_certificate_location.clone(),
        );
        set("ssl.key.location", self.ssl_key_location.clone());
        set(
            "ssl.key.password",
            secret(
                &self.ssl_key_password,
                &self.ssl_key_password_file,
                "ssl_key_password",
            )?,
        );
        Ok(out)
    }
}

impl std::fmt::Debug for KafkaSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("KafkaSecurity")
            .field("protocol", &self.protocol)
            .field("sasl_mechanism", &self.sasl_mechanism)
            .field("sasl_username", &self.sasl_username)
            .field("sasl_password", &hidden(&self.sasl_password))
            .field("sasl_password_file", &self.sasl_password_file)
            .field("ssl_ca_location", &self.ssl_ca_location)
            .field("ssl_certificate_location", &self.ssl_certificate_location)
            .field("ssl_key_location", &self.ssl_key_location)
            .field("ssl_key_password", &hidden(&self.ssl_key_password))
            .field("ssl_key_password_file", &self.ssl_key_password_file)
            .finish()
    }
}

impl Default for KafkaSettings {
    fn default() -> Self {
        KafkaSettings {
            brokers: "127.0.0.1:9092".into(),
            client_id: "stancewire".into(),
            group_id: "stancewire".into(),
            wire_format: WireFormat::Json,
            batch_size: 64,
            batch_linger_ms: 20,
            batch_max_bytes: 16 * 1024 * 1024,
            max_batch_ms: 300_000,
            fetch_wait_max_ms: 20,
            delivery: DeliveryMode::ExactlyOnce,
            transactional_id: String::new(),
            repeat_window: 100_000,
            message_timeout_ms: 30_000,
            create_topics: true,
            partitions: 6,
            replication_factor: 1,
            security: KafkaSecurity::default(),
            librdkafka: PassThrough::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Where `/healthz`, `/readyz`, `/metrics` (and any service API) listen.
    pub listen: SocketAddr,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

/// How a batch's outputs and its input offsets are made durable together
/// (see `delivery`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryMode {
    /// Idempotent producer, offsets committed after every output is
    /// acknowledged; a crash replays the batch, identically.
    AtLeastOnce,
    /// One Kafka transaction per batch; needs a broker that has them.
    #[default]
    ExactlyOnce,
}

impl KafkaSettings {
    /// The transactional id of the instance whose HTTP port is `port`:
    /// `kafka.transactional_id` if set, else derived (see the field).
    pub fn transactional_id_for(&self, port: u16) -> String {
        if !self.transactional_id.is_empty() {
            return self.transactional_id.clone();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".into());
        format!("{}.{host}.{port}", self.group_id)
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// For a terminal.
    #[default]
    Human,
    /// JSON lines, for a log pipeline.
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    pub format: LogFormat,
    /// An `EnvFilter` directive; `RUST_LOG` overrides it when set.
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Human,
            filter: "info,rdkafka=warn".into(),
        }
    }
}

/// Loads a service's configuration: `defaults`, then the TOML file (the
/// argument, else `STANCEWIRE_CONFIG`), then `STANCEWIRE_*` variables.
pub fn load<T>(defaults: T, file: Option<&Path>) -> Result<T, Box<figment::Error>>
where
    T: Serialize + DeserializeOwned,
{
    let from_env = std::env::var_os("STANCEWIRE_CONFIG").map(std::path::PathBuf::from);
    let file = file.map(Path::to_path_buf).or(from_env);
    load_from(defaults, file.as_deref(), std::env::vars())
}

/// [`load`] with the variables given instead of the process's: what a
/// deployment file's environment makes of a service (`STANCEWIRE_A__B=v`
/// sets `a.b`, the value read as TOML would read it).
pub fn load_from<T>(
    defaults: T,
    file: Option<&Path>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<T, Box<figment::Error>>
where
    T: Serialize + DeserializeOwned,
{
    let mut figment = Figment::from(Serialized::defaults(defaults));
    if let Some(path) = file {
        if !path.exists() {
            return Err(Box::new(figment::Error::from(format!(
                "configuration file {} does not exist",
                path.display()
            ))));
        }
        figment = figment.merge(Toml::file(path));
    }
    for (name, value) in vars {
        let Some(path) = name.strip_prefix("STANCEWIRE_") else {
            continue;
        };
        if path == "CONFIG" {
            continue;
        }
        let key = path.to_lowercase().replace("__", ".");
        let value: figment::value::Value = value.parse().unwrap_or_else(|_| value.into());
        figment = figment.merge(Serialized::default(&key, value));
    }
    figment.extract().map_err(Box::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's test jail fixes the closure's type
    fn file_overrides_defaults_and_env_overrides_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "svc.toml",
                "[kafka]\nbrokers = \"a:1\"\nbatch_size = 8\n[http]\nlisten = \"0.0.0.0:9000\"\n",
            )?;
            jail.set_env("STANCEWIRE_KAFKA__BATCH_SIZE", "16");
            let s = load(
                StageSettings::for_service("x", 1),
                Some(Path::new("svc.toml")),
            )
            .map_err(|e| *e)?;
            assert_eq!(s.kafka.brokers, "a:1");
            assert_eq!(s.kafka.batch_size, 16);
            assert_eq!(s.kafka.group_id, "stancewire-x");
            assert_eq!(s.http.listen.port(), 9000);
            Ok(())
        });
    }

    #[test]
    fn overrides_that_undo_the_guarantees_are_refused_and_secrets_never_printed() {
        let dir = tempfile_dir();
        let secret_file = dir.join("pw");
        std::fs::write(&secret_file, "hunter2-hunter2\n").unwrap();
        let mut settings = KafkaSettings::default();
        settings.security.protocol = "sasl_ssl".into();
        settings.security.sasl_mechanism = "SCRAM-SHA-512".into();
        settings.security.sasl_username = "ingest".into();
        settings.security.sasl_password_file = Some(secret_file);
        settings.librdkafka.0.insert(
            "ssl.endpoint.identification.algorithm".into(),
            "https".into(),
        );
        let mut config = rdkafka::ClientConfig::new();
        crate::kafka::apply_overrides(&mut config, &settings).unwrap();
        assert_eq!(config.get("sasl.password"), Some("hunter2-hunter2"));
        assert_eq!(config.get("security.protocol"), Some("sasl_ssl"));
        assert!(!format!("{settings:?}").contains("hunter2"));
        for (k, v) in [
            ("enable.auto.commit", "true"),
            ("acks", "1"),
            ("enable.idempotence", "false"),
            ("Isolation.Level", "read_uncommitted"),
        ] {
            let mut bad = settings.clone();
            bad.librdkafka.0.insert(k.into(), v.into());
            let err = crate::kafka::apply_overrides(&mut rdkafka::ClientConfig::new(), &bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains(k), "{err}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("stancewire-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_missing_file_is_an_error_not_a_silent_default() {
        let err = load(
            StageSettings::default(),
            Some(Path::new("/nonexistent.toml")),
        );
        assert!(err.unwrap_err().to_string().contains("does not exist"));
    }
}
