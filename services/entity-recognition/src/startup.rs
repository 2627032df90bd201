//! Start-up: load the model, then run the shared stage loop from
//! `articles.raw` to `articles.entities` on the service skeleton
//! (`stancewire_stage::service`).

use std::sync::Arc;

use stancewire_stage::{
    config::LogSettings, service::NoCommand, stage::Topics, topics, App, Service,
};

use crate::{config::EntityConfig, model::NerModel, transform::Recognize};

pub struct EntityRecognition;

impl Service for EntityRecognition {
    const NAME: &'static str = "entity-recognition";
    type Config = EntityConfig;
    type Command = NoCommand;

    fn log(config: &EntityConfig) -> &LogSettings {
        &config.stage.log
    }

    async fn build(config: &EntityConfig) -> anyhow::Result<App> {
        topics::ensure(&config.stage.kafka, &config.topics.specs()).await?;
        let threads = config.model.runtime.apply();
        let (dir, runtime, max_pieces) = (
            config.model.dir(),
            config.model.runtime.clone(),
            config.model.max_pieces,
        );
        let model = tokio::task::spawn_blocking(move || NerModel::load(&dir, &runtime, max_pieces))
            .await??;
        tracing::info!(model = %model.version, threads, "NER model loaded");
        let transform = Arc::new(Recognize::new(
            model,
            config.limits.clone(),
            config.topics.output.clone(),
        ));
        let topics = Topics {
            input: config.topics.input.clone(),
            dead_letter: config.topics.dead_letter.clone(),
        };
        Ok(App::bind(Self::NAME, config.stage.http.listen)
            .await?
            .consume(config.stage.kafka.clone(), topics, transform))
    }

    async fn command(_: EntityConfig, command: NoCommand) -> anyhow::Result<()> {
        match command {}
    }
}
