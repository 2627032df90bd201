//! The runtime every stancewire service runs on, written once.
//!
//! A service is a [`Transform`](stage::Transform) plus configuration: this
//! crate owns everything around it — the skeleton every service's `main`
//! and start-up share ([`service`]), loading settings ([`config`]), logs
//! ([`telemetry`]), Kafka clients ([`kafka`]), the loop that consumes,
//! transforms, produces, commits and dead-letters ([`stage`], [`delivery`]),
//! record encoding and headers ([`codec`], [`record`]), publishing
//! ([`publisher`], [`dead_letter`]), why a record failed ([`failure`]),
//! what a model stage accepts ([`limits`]), dropping repeats ([`repeat`]),
//! creating topics ([`topics`]), health and Prometheus metrics ([`http`], [`metrics`]), wall-clock time
//! ([`clock`]) and graceful shutdown ([`shutdown`]).
//!
//! Delivery is at-least-once: outputs are produced by an idempotent producer
//! and offsets are committed only after every output of a batch has been
//! acknowledged. Outputs are deterministic and carry `(article_id, version)`,
//! so a repeat after a crash is identical and droppable. Kafka transactions
//! can be switched on with `kafka.delivery = "exactly-once"` for brokers that
//! support them ([`delivery`]).

pub mod clock;
pub mod codec;
pub mod config;
pub mod dead_letter;
pub mod delivery;
pub mod failure;
pub mod http;
pub mod kafka;
pub mod limits;
pub mod metrics;
pub mod publisher;
pub mod record;
pub mod repeat;
pub mod service;
pub mod shutdown;
pub mod stage;
pub mod telemetry;
pub mod topics;

pub use codec::WireFormat;
pub use config::{KafkaSettings, StageSettings};
pub use failure::{Failure, FailureKind};
pub use record::{content_version, derived_meta, Record};
pub use service::{App, Service};
pub use shutdown::Shutdown;
