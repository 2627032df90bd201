//! The load command, run as a user runs it (`scripts/load` wraps it): a
//! broker and the three services as processes, real BBC articles posted at
//! a set rate after a warm-up, and its report checked — every accepted
//! article came out enriched, the figures are there and sane (the CPU of
//! each process among them), and the chart was drawn. The speed itself is
//! a benchmark's business (README), never asserted here.

use std::process::Command;

use stancewire_tests::process::service_binaries;

#[test]
fn load_command_reports_every_accepted_article_enriched_with_its_figures() {
    let bin = service_binaries(false);
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_stancewire-load"))
        .args([
            "--rate",
            "2",
            "--minutes",
            "0.1",
            "--window",
            "2",
            "--claims",
            "5",
        ])
        .args(["--stance-instances", "1", "--drain-minutes", "10"])
        .args(["--warm-up", "3"])
        .arg("--bin")
        .arg(&bin)
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("stancewire-load runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // The table's header, then the last line: one JSON object.
    assert!(stdout.contains("p99 ms"), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    let figures: serde_json::Value = serde_json::from_str(last).expect(last);
    assert_eq!(figures["posted"], 12, "{figures}");
    let accepted = figures["accepted"].as_u64().unwrap();
    assert!(accepted >= 10, "{figures}");
    assert_eq!(figures["enriched"].as_u64(), Some(accepted), "{figures}");
    assert_eq!(figures["dead_lettered"], 0, "{figures}");
    assert_eq!(figures["lost"], 0, "{figures}");
    // The warm-up's articles went through and are not in the figures.
    assert_eq!(figures["warm_up"], 3, "{figures}");
    assert!(
        figures["articles_per_s"].as_f64().unwrap() > 0.0,
        "{figures}"
    );
    let (p50, p99, max) = (
        figures["p50_ms"].as_f64().unwrap(),
        figures["p99_ms"].as_f64().unwrap(),
        figures["max_ms"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max, "{figures}");
    for service in ["ingest", "entity-recognition", "stance-detection"] {
        let mb = figures["rss_mb"][service].as_f64().unwrap();
        assert!(mb > 1.0, "{service}: {figures}");
    }
    // Where the CPU went: each process of the run was found and counted (a
    // model service reads each article with its networks: milliseconds).
    let cpu = &figures["cpu_ms_per_article"];
    for process in ["entity-recognition", "stance-detection", "Apache Kafka"] {
        let ms = cpu[process].as_f64().unwrap();
        assert!(ms > 1.0, "{process}: {figures}");
    }
    // Ingest and the driver may use less than a clock tick in so short a
    // run: they must be there, counted.
    for process in ["ingest", "load driver"] {
        assert!(
            cpu[process].as_f64().unwrap() >= 0.0,
            "{process}: {figures}"
        );
    }
    assert!(figures["cores_busy"].as_f64().unwrap() > 0.0, "{figures}");
    let svg = std::fs::read_to_string(out.path().join("load-rate-2-0.1min.svg")).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 9, "{svg}");
    let json = std::fs::read_to_string(out.path().join("load-rate-2-0.1min.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        figures
    );
}
