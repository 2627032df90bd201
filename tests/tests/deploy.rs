//! `deploy/docker-compose.yml` cannot run here (no container engine), so it
//! is checked against what can: the Kafka settings the tests and
//! `scripts/cluster` run (`deploy/kafka/server.properties`), the pinned
//! Kafka version (`deploy/kafka/pom.xml`), and each service's own
//! configuration loader, fed the compose file's environment.

use std::collections::BTreeMap;

use serde_yaml::Value;
use stancewire_entity_recognition::config::EntityConfig;
use stancewire_ingest::config::IngestConfig;
use stancewire_stage::{
    config::{self, DeliveryMode},
    KafkaSettings,
};
use stancewire_stance_detection::config::StanceConfig;
use stancewire_tests::{project, KAFKA_VERSION};

fn compose() -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(project("deploy/docker-compose.yml")).unwrap())
        .expect("docker-compose.yml is YAML")
}

/// A service's environment as name → value strings.
fn environment(service: &Value) -> BTreeMap<String, String> {
    service["environment"]
        .as_mapping()
        .expect("an environment mapping")
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other).unwrap().trim().to_string(),
            };
            (k.as_str().unwrap().to_string(), v)
        })
        .collect()
}

fn kafka_nodes(compose: &Value) -> Vec<(String, BTreeMap<String, String>)> {
    compose["services"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, s)| {
            s["image"]
                .as_str()
                .is_some_and(|i| i.starts_with("apache/kafka"))
        })
        .map(|(name, s)| (name.as_str().unwrap().to_string(), environment(s)))
        .collect()
}

#[test]
fn the_compose_cluster_is_three_kraft_nodes_of_the_pinned_kafka() {
    let compose = compose();
    let pom = std::fs::read_to_string(project("deploy/kafka/pom.xml")).unwrap();
    assert!(
        pom.contains(&format!("<kafka.version>{KAFKA_VERSION}</kafka.version>")),
        "the tests and deploy/kafka/pom.xml pin the same Kafka"
    );
    let nodes = kafka_nodes(&compose);
    assert_eq!(nodes.len(), 3, "three nodes");
    for (name, _) in &nodes {
        assert_eq!(
            compose["services"][name.as_str()]["image"].as_str(),
            Some(format!("apache/kafka:{KAFKA_VERSION}").as_str()),
            "{name} runs the pinned version"
        );
    }
    let voters = &nodes[0].1["KAFKA_CONTROLLER_QUORUM_VOTERS"];
    let mut ids: Vec<&str> = Vec::new();
    for (name, env) in &nodes {
        assert_eq!(&env["KAFKA_CONTROLLER_QUORUM_VOTERS"], voters, "{name}");
        assert_eq!(env["KAFKA_PROCESS_ROLES"], "broker,controller", "{name}");
        assert!(
            voters.contains(&format!("{}@{name}:9093", env["KAFKA_NODE_ID"])),
            "{name} is a voter under its own id"
        );
        assert!(env["KAFKA_ADVERTISED_LISTENERS"].contains(&format!("//{name}:9092")));
        ids.push(&env["KAFKA_NODE_ID"]);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "node ids are unique");
}

#[test]
fn the_compose_cluster_keeps_the_guarantees_the_tests_run_with() {
    // Every broker setting of the template that a guarantee rests on, as
    // a 3-node cluster fills it in.
    let template = std::fs::read_to_string(project("deploy/kafka/server.properties")).unwrap();
    let settings: BTreeMap<&str, String> = template
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, v.replace("@REPLICATION@", "3").replace("@MIN_ISR@", "2")))
        .collect();
    for (name, env) in kafka_nodes(&compose()) {
        for key in [
            "auto.create.topics.enable",
            "default.replication.factor",
            "min.insync.replicas",
            "offsets.topic.replication.factor",
            "transaction.state.log.replication.factor",
            "transaction.state.log.min.isr",
            "group.initial.rebalance.delay.ms",
            "message.max.bytes",
            "replica.fetch.max.bytes",
        ] {
            let var = format!("KAFKA_{}", key.to_uppercase().replace('.', "_"));
            assert_eq!(
                env.get(&var),
                Some(&settings[key]),
                "{name}: {var} as deploy/kafka/server.properties has {key}"
            );
        }
    }
}

#[test]
fn every_service_is_configured_for_exactly_once_on_the_cluster() {
    let compose = compose();
    let nodes: Vec<String> = kafka_nodes(&compose)
        .into_iter()
        .map(|(n, _)| format!("{n}:9092"))
        .collect();
    let check = |service: &str, kafka: &KafkaSettings, listen: std::net::SocketAddr| {
        let mut brokers: Vec<&str> = kafka.brokers.split(',').collect();
        brokers.sort();
        assert_eq!(brokers, nodes, "{service} knows every node");
        assert_eq!(kafka.delivery, DeliveryMode::ExactlyOnce, "{service}");
        assert_eq!(kafka.replication_factor, 3, "{service}");
        assert!(kafka.create_topics, "{service} creates its topics");
        assert!(
            kafka.transactional_id.is_empty(),
            "{service}: a fixed transactional id would be shared by scaled replicas"
        );
        let health = serde_yaml::to_string(&compose["services"][service]["healthcheck"]).unwrap();
        assert!(
            health.contains(&format!("localhost:{}/readyz", listen.port())),
            "{service}'s health check asks the port it listens on"
        );
    };
    // Every variable names a setting the service has: a misspelt one
    // would otherwise be ignored without a word.
    let vars = |service: &str, defaults: serde_json::Value| -> Vec<(String, String)> {
        let env = environment(&compose["services"][service]);
        for name in env.keys() {
            let path = name
                .strip_prefix("STANCEWIRE_")
                .unwrap_or_else(|| panic!("{service}: {name} is not a stancewire setting"));
            let mut at = &defaults;
            for part in path.to_lowercase().split("__") {
                at = at
                    .get(part)
                    .unwrap_or_else(|| panic!("{service}: {name} names no setting"));
            }
        }
        env.into_iter().collect()
    };
    let ingest: IngestConfig = config::load_from(
        IngestConfig::default(),
        None,
        vars(
            "ingest",
            serde_json::to_value(IngestConfig::default()).unwrap(),
        ),
    )
    .unwrap();
    check("ingest", &ingest.stage.kafka, ingest.stage.http.listen);
    // The API is authenticated and rate-limited in a deployment, its
    // tokens from a secret file the compose file mounts.
    let tokens = ingest
        .api
        .tokens_file
        .as_ref()
        .expect("ingest has a tokens file");
    let secret = tokens.file_name().unwrap().to_str().unwrap();
    assert!(tokens.starts_with("/run/secrets"), "{}", tokens.display());
    assert!(
        compose["secrets"][secret]["file"].is_string(),
        "the secret {secret} is declared"
    );
    assert!(ingest.api.tokens.is_empty(), "no token in the environment");
    assert!(ingest.api.rate_per_s > 0.0, "a rate per client");
    let er: EntityConfig = config::load_from(
        EntityConfig::default(),
        None,
        vars(
            "entity-recognition",
            serde_json::to_value(EntityConfig::default()).unwrap(),
        ),
    )
    .unwrap();
    check("entity-recognition", &er.stage.kafka, er.stage.http.listen);
    assert!(er.model.dir().ends_with("models/ner-fast"));
    let sd: StanceConfig = config::load_from(
        StanceConfig::default(),
        None,
        vars(
            "stance-detection",
            serde_json::to_value(StanceConfig::default()).unwrap(),
        ),
    )
    .unwrap();
    check("stance-detection", &sd.stage.kafka, sd.stage.http.listen);
}

#[test]
fn a_wrongly_typed_variable_is_refused_by_the_loader() {
    let bad = vec![(
        "STANCEWIRE_KAFKA__REPLICATION_FACTOR".to_string(),
        "three".to_string(),
    )];
    assert!(config::load_from(EntityConfig::default(), None, bad).is_err());
}
