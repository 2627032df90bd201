//! Article extraction on the 60 real dev pages of the public
//! article-extraction benchmark, scored the benchmark's way, through
//! ingest's own HTML path. Guards the quality the README reports.

use stancewire_lab::extraction::{extract_file, score_pages};
use stancewire_tests::shared;

#[test]
fn dev_pages_extract_with_body_f1_of_at_least_0_97() {
    let scores = score_pages(
        &shared("data/article-extraction/ground-truth.json"),
        &shared("data/article-extraction/html"),
    )
    .unwrap();
    assert_eq!(scores["pages"], 60);
    let f1 = scores["f1"].as_f64().unwrap();
    assert!(f1 >= 0.97, "body F1 {f1:.4} fell below 0.97: {scores}");
}

#[test]
fn every_dev_page_yields_an_article_with_metadata() {
    let mut files: Vec<_> = std::fs::read_dir(shared("data/article-extraction/html"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut titled = 0;
    for f in &files {
        let e = extract_file(f);
        assert!(e.error.is_none(), "{}: {:?}", e.file, e.error);
        assert!(
            e.body.split_whitespace().count() > 30,
            "{}: almost no body",
            e.file
        );
        assert_ne!(e.language, "und", "{}", e.file);
        titled += usize::from(!e.title.is_empty());
    }
    assert_eq!(titled, files.len(), "every page has a title");
}
