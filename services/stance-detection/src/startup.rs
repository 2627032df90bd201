//! Start-up: load the models and the tracked claims, then run the shared
//! stage loop from `articles.entities` to `articles.enriched` and `stances`
//! on the service skeleton (`stancewire_stage::service`); and the `track`
//! command, which publishes a claim to track.

use std::sync::Arc;
use std::time::Duration;

use stancewire_proto::v1;
use stancewire_stage::{clock, config::LogSettings, stage, stage::Topics, topics, App, Service};

use crate::{
    config::StanceConfig,
    tracked::{self, TrackedClaims},
    transform::{Detect, Models},
};

/// Longest wait for the tracked claims before judging articles without them.
const CLAIMS_LOAD_LIMIT: Duration = Duration::from_secs(60);

pub struct StanceDetection;

/// stance-detection's commands besides `serve`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Publish a claim to track on the claims topic (or, with --delete,
    /// stop tracking it); every stance-detection instance picks it up.
    Track {
        /// The claim's id (the topic's key).
        id: String,
        /// The claim, as a short sentence.
        #[arg(required_unless_present = "delete")]
        text: Option<String>,
        /// Free-form labels for analytics.
        #[arg(long)]
        tag: Vec<String>,
        #[arg(long)]
        delete: bool,
    },
}

impl Service for StanceDetection {
    const NAME: &'static str = "stance-detection";
    type Config = StanceConfig;
    type Command = Command;

    fn log(config: &StanceConfig) -> &LogSettings {
        &config.stage.log
    }

    async fn build(config: &StanceConfig) -> anyhow::Result<App> {
        topics::ensure(&config.stage.kafka, &config.topics.specs()).await?;
        let threads = config.model.runtime.apply();
        let settings = config.model.clone();
        let models = tokio::task::spawn_blocking(move || Models::load(&settings)).await??;
        tracing::info!(
            stance = %models.stance.version,
            attribution = %models.attribution.version,
            statement = %models.statement.version,
            threads,
            "models loaded"
        );
        let tracked = TrackedClaims::new(config.limits.max_claim_chars);
        let transform = Arc::new(Detect::new(
            models,
            config.limits.clone(),
            config.topics.clone(),
            tracked.clone(),
        ));
        let app = App::bind(Self::NAME, config.stage.http.listen).await?;
        let (metrics, readiness) = (app.metrics().clone(), app.readiness().clone());
        let (kafka, claims_topic) = (
            app.stage_settings(config.stage.kafka.clone()),
            config.topics.claims.clone(),
        );
        let follower = (kafka.clone(), tracked.clone());
        let topics = Topics {
            input: config.topics.input.clone(),
            dead_letter: config.topics.dead_letter.clone(),
        };
        Ok(app
            .task("claims", move |shutdown| {
                tracked::follow(follower.0, claims_topic, follower.1, shutdown)
            })
            .task("stage", move |shutdown| async move {
                if !tracked.wait_caught_up(CLAIMS_LOAD_LIMIT).await {
                    tracing::warn!(
                        "tracked claims not loaded yet; judging articles with what has arrived"
                    );
                }
                stage::run(kafka, topics, transform, metrics, readiness, shutdown).await
            }))
    }

    async fn command(config: StanceConfig, command: Command) -> anyhow::Result<()> {
        let Command::Track {
            id,
            text,
            tag,
            delete,
        } = command;
        topics::ensure(&config.stage.kafka, &config.topics.specs()).await?;
        let claim = text.filter(|_| !delete).map(|text| v1::TrackedClaim {
            claim_id: id.clone(),
            text,
            created_at: Some(clock::now()),
            tags: tag,
        });
        tracked::publish(
            &config.stage.kafka,
            &config.topics.claims,
            &id,
            claim.as_ref(),
        )
        .await?;
        println!(
            "{} {id} on {}",
            if delete { "untracked" } else { "tracked" },
            config.topics.claims
        );
        Ok(())
    }
}
