//! Progress for long work (training, evaluation): a bar on a terminal, and a
//! log line every half minute on a pipe (a background run's log file), so
//! that a job started with `nohup` still says how far it is and when it ends.

use std::io::{self, IsTerminal};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// How often a piped bar logs its state.
const LOG_EVERY: Duration = Duration::from_secs(30);

pub fn bar(len: u64, what: &str) -> ProgressBar {
    let terminal = io::stderr().is_terminal();
    let (target, template) = if terminal {
        (
            ProgressDrawTarget::stderr(),
            "{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} ({per_sec}, eta {eta}) {msg}",
        )
    } else {
        (
            ProgressDrawTarget::term_like_with_hz(Box::new(LogLines::default()), 1),
            "{prefix}: {pos}/{len} after {elapsed_precise} ({per_sec}, eta {eta}) {msg}",
        )
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar.set_prefix(what.to_string());
    bar
}

/// A "terminal" that turns the bar's redraws into `tracing` lines, at most
/// one every [`LOG_EVERY`].
#[derive(Debug, Default)]
struct LogLines {
    last: Mutex<Option<Instant>>,
}

impl TermLike for LogLines {
    fn width(&self) -> u16 {
        200
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, line: &str) -> io::Result<()> {
        let line = line.trim();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if !line.is_empty() && last.is_none_or(|t| t.elapsed() >= LOG_EVERY) {
            *last = Some(Instant::now());
            tracing::info!(target: "progress", "{line}");
        }
        Ok(())
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.write_line(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}
