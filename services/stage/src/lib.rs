//! The runtime every stancewire service runs on, written once.
//!
//! A service is a [`Transform`](stage::Transform) plus configuration: this
//! crate owns everything around it — loading settings ([`config`]), logs
//! ([`telemetry`]), the Kafka loop that consumes, transforms, produces,
//! commits and dead-letters ([`stage`]), record encoding ([`codec`]),
//! publishing ([`publisher`], [`dead_letter`]), dropping repeats
//! ([`repeat`]), health and Prometheus metrics ([`http`], [`metrics`]) and
//! graceful shutdown ([`shutdown`]).
//!
//! Delivery is at-least-once: outputs are produced by an idempotent producer
//! and offsets are committed only after every output of a batch has been
//! acknowledged. Outputs are deterministic and carry `(article_id, version)`,
//! so a repeat after a crash is identical and droppable. Kafka transactions
//! can be switched on with `kafka.delivery = "exactly-once"` for brokers that
//! support them ([`delivery`]).

pub mod codec;
pub mod config;
pub mod dead_letter;
pub mod delivery;
pub mod http;
pub mod metrics;
pub mod publisher;
pub mod record;
pub mod repeat;
pub mod shutdown;
pub mod stage;
pub mod telemetry;

pub use codec::WireFormat;
pub use config::{KafkaSettings, StageSettings};
pub use record::{content_version, derived_meta, Record};
pub use shutdown::Shutdown;
