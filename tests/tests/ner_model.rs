//! The shipped NER models (the default, distilled 2-layer `models/ner-fast`
//! and the 6-layer `models/ner` it learned from) on real text they never
//! trained on: the first 600 sentences of CoNLL-2003 dev, tagged the way the
//! service tags, in each precision this machine can run. The full dev scores
//! are in the model card (`stancewire-lab ner-eval`); this guards against a
//! model or a runtime change that quietly breaks tagging.

use stancewire_entity_recognition::model::{accurate_dir, shipped_dir, NerModel, MAX_PIECES};
use stancewire_lab::ner::{
    conll,
    eval::{self, LabelMap},
};
use stancewire_model::{Precision, Runtime};
use stancewire_tests::shared;

#[test]
fn shipped_models_tag_conll_dev_in_float32_and_int8() {
    let sentences: Vec<conll::Sentence> = conll::read(&shared("data/conll2003/dev.conll"))
        .unwrap()
        .into_iter()
        .take(600)
        .collect();
    for (dir, precision) in [
        (shipped_dir(), Precision::Float32),
        (shipped_dir(), Precision::Int8),
        (accurate_dir(), Precision::Float32),
        (accurate_dir(), Precision::Int8),
    ] {
        let runtime = Runtime {
            threads: 2,
            precision,
            ..Runtime::default()
        };
        runtime.apply();
        let model = NerModel::load(&dir, &runtime, MAX_PIECES).unwrap();
        assert_eq!(model.precision, precision);
        let report = eval::tag_and_score(&sentences, LabelMap::Conll, |words| model.tag(words));
        println!(
            "{}: F1 {:.2} {:?}",
            model.version, report.f1, report.per_type
        );
        assert!(
            report.f1 >= 93.0,
            "{}: dev-sample F1 {}",
            model.version,
            report.f1
        );
        for (kind, score) in &report.per_type {
            assert!(
                score.f1 >= 85.0,
                "{}: {kind} F1 {}",
                model.version,
                score.f1
            );
        }
    }
}
