//! Duplicate detection across submissions, surviving restarts.
//!
//! State lives in a SQLite file (`dedup.path`, default
//! `.stancewire/ingest-dedup.sqlite`), one row per story produced, and
//! reaches back `dedup.window_days` (default 30): older rows are pruned at
//! start-up and hourly. A story is a duplicate when, within the window,
//!
//! * the same content was seen (exact hash of the normalised title + body), or
//! * the same canonical URL was seen with nearly the same text, or
//! * nearly the same text was seen at any URL — a wire story re-published
//!   with a new byline: SimHash distance ≤ `dedup.max_distance` bits.
//!
//! The same canonical URL with substantially different text is an update:
//! it keeps the article id and gets a new version.
//!
//! Near-duplicate search splits the 64-bit SimHash into `max_distance + 1`
//! bands, each indexed: two hashes within that distance agree on at least
//! one band (pigeonhole), so only rows sharing a band are compared.
//!
//! A story is written here only after the broker has acknowledged it, so a
//! crash can never mark as seen a story that was not produced. While it is
//! in flight it is reserved: a concurrent twin (same content, same URL or
//! nearly the same text) is not answered at once but waits until the first
//! copy settles, then is decided against the store like any story. So a
//! twin is a duplicate only of a story that was produced, and a correction
//! at the same URL becomes an update, whichever arrives first.

use std::{
    collections::HashMap,
    path::Path,
    sync::Mutex,
    time::{SystemTime, UNIX_EPOCH},
};

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::fingerprint::hamming;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DedupSettings {
    /// SQLite file holding the fingerprints; `:memory:` keeps none across restarts.
    pub path: String,
    /// How far back duplicates are detected.
    pub window_days: u32,
    /// Largest SimHash distance (bits) still counted as the same story (0–15).
    pub max_distance: u32,
}

impl Default for DedupSettings {
    fn default() -> Self {
        DedupSettings {
            path: ".stancewire/ingest-dedup.sqlite".into(),
            window_days: 30,
            max_distance: 4,
        }
    }
}

/// What one story looks like to the detector.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// The id the story gets if it is new (from its URL, else its content).
    pub article_id: String,
    pub version: String,
    pub canonical_url: Option<String>,
    pub content_hash: String,
    pub simhash: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not seen: produce it under its own id.
    New,
    /// Same URL, different text: produce it under the earlier id, new version.
    Update { article_id: String },
    /// Already produced as `article_id`.
    Duplicate {
        article_id: String,
        reason: &'static str,
    },
}

/// What [`Dedup::check`] found.
#[derive(Debug)]
pub enum Check {
    /// Decided. Unless a duplicate, the story is now reserved until
    /// [`Dedup::confirm`] or [`Dedup::release`]; `reserved_at` (Unix
    /// seconds) is when it was first reserved, kept across failed attempts
    /// so that a retried story's record is the same bytes.
    Decided { verdict: Verdict, reserved_at: i64 },
    /// A twin is being produced right now: wait for it to settle, then
    /// check again.
    Wait(Settled),
}

/// Resolves once an in-flight twin is confirmed or released.
#[derive(Debug)]
pub struct Settled(watch::Receiver<()>);

impl Settled {
    pub async fn wait(mut self) {
        // The sender is dropped when the reservation ends.
        while self.0.changed().await.is_ok() {}
    }
}

/// A story reserved to be produced whose production was not confirmed:
/// what a crash between producing and remembering leaves behind, for
/// [`crate::recovery`] to settle.
#[derive(Debug, Clone)]
pub struct Pending {
    pub fingerprint: Fingerprint,
    /// The id it is produced under (an update keeps the earlier story's).
    pub article_id: String,
    /// When it was reserved (Unix seconds).
    pub since: i64,
}

pub struct Dedup {
    conn: Mutex<Connection>,
    bands: Vec<(u32, u32)>,
    max_distance: u32,
    window_secs: i64,
    in_flight: Mutex<HashMap<String, InFlight>>,
}

struct InFlight {
    fingerprint: Fingerprint,
    /// Dropped when the reservation ends, which wakes the waiting twins.
    settled: watch::Sender<()>,
}

#[derive(Debug, thiserror::Error)]
#[error("dedup store: {0}")]
pub struct DedupError(#[from] rusqlite::Error);

impl Dedup {
    pub fn open(settings: &DedupSettings) -> Result<Self, DedupError> {
        if settings.path != ":memory:" {
            if let Some(dir) = Path::new(&settings.path).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
        }
        let conn = Connection::open(&settings.path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // In WAL mode, NORMAL syncs at checkpoints, not per story: a process
        // crash loses nothing, an OS crash can lose the last few stories
        // remembered (a resubmission repeats their record, same bytes) but
        // never corrupts the file, which OFF could.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let max_distance = settings.max_distance.min(15);
        let bands = bands(max_distance + 1);
        let band_columns: String = (0..bands.len())
            .map(|i| format!(", band{i} INTEGER NOT NULL"))
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS stories_b{n} (
                article_id TEXT NOT NULL,
                version TEXT NOT NULL,
                canonical_url TEXT,
                content_hash TEXT NOT NULL,
                simhash INTEGER NOT NULL,
                seen_at INTEGER NOT NULL{band_columns}
            );
            CREATE INDEX IF NOT EXISTS stories_b{n}_url ON stories_b{n}(canonical_url);
            CREATE INDEX IF NOT EXISTS stories_b{n}_hash ON stories_b{n}(content_hash);
            CREATE INDEX IF NOT EXISTS stories_b{n}_seen ON stories_b{n}(seen_at);",
            n = bands.len()
        ))?;
        // Stories reserved to be produced, until remembered or released:
        // written before the record is produced, so that a crash in between
        // leaves a trace to settle at the next start (`recovery`).
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS pending (
                content_hash TEXT PRIMARY KEY,
                article_id TEXT NOT NULL,
                own_article_id TEXT NOT NULL,
                version TEXT NOT NULL,
                canonical_url TEXT,
                simhash INTEGER NOT NULL,
                since INTEGER NOT NULL
            );",
        )?;
        // The last failure of each feed and feed item, so that one that
        // keeps failing the same way is dead-lettered once, not every poll.
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS failures (
                origin TEXT PRIMARY KEY,
                error TEXT NOT NULL,
                seen_at INTEGER NOT NULL
            );",
        )?;
        for i in 0..bands.len() {
            conn.execute_batch(&format!(
                "CREATE INDEX IF NOT EXISTS stories_b{n}_band{i} ON stories_b{n}(band{i});",
                n = bands.len()
            ))?;
        }
        let dedup = Dedup {
            conn: Mutex::new(conn),
            bands,
            max_distance,
            window_secs: i64::from(settings.window_days) * 86_400,
            in_flight: Mutex::new(HashMap::new()),
        };
        dedup.prune()?;
        Ok(dedup)
    }

    fn table(&self) -> String {
        format!("stories_b{}", self.bands.len())
    }

    /// Forgets stories older than the window. Returns how many.
    pub fn prune(&self) -> Result<usize, DedupError> {
        let cutoff = now() - self.window_secs;
        let conn = self.conn.lock().expect("dedup lock");
        conn.execute("DELETE FROM failures WHERE seen_at < ?1", params![cutoff])?;
        Ok(conn.execute(
            &format!("DELETE FROM {} WHERE seen_at < ?1", self.table()),
            params![cutoff],
        )?)
    }

    /// Notes that `origin` (a feed, a feed item) failed with `error`.
    /// True if that is news: the first failure, or a different one.
    pub fn note_failure(&self, origin: &str, error: &str) -> Result<bool, DedupError> {
        let conn = self.conn.lock().expect("dedup lock");
        let last: Option<String> = conn
            .prepare_cached("SELECT error FROM failures WHERE origin = ?1")?
            .query_row(params![origin], |r| r.get(0))
            .optional()?;
        conn.prepare_cached(
            "INSERT INTO failures (origin, error, seen_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (origin) DO UPDATE SET error = excluded.error, seen_at = excluded.seen_at",
        )?
        .execute(params![origin, error, now()])?;
        Ok(last.as_deref() != Some(error))
    }

    /// Forgets `origin`'s last failure (it worked this time).
    pub fn forget_failure(&self, origin: &str) -> Result<(), DedupError> {
        let conn = self.conn.lock().expect("dedup lock");
        conn.prepare_cached("DELETE FROM failures WHERE origin = ?1")?
            .execute(params![origin])?;
        Ok(())
    }

    /// Is this URL already known? (Lets a feed poller skip fetching a page.)
    pub fn knows_url(&self, canonical_url: &str) -> Result<bool, DedupError> {
        let conn = self.conn.lock().expect("dedup lock");
        Ok(conn
            .query_row(
                &format!(
                    "SELECT 1 FROM {} WHERE canonical_url = ?1 LIMIT 1",
                    self.table()
                ),
                params![canonical_url],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Decides what `fp` is and, unless it is a duplicate, reserves it until
    /// [`Dedup::confirm`] or [`Dedup::release`]. If a twin is in flight,
    /// decides nothing and says what to wait for.
    pub fn check(&self, fp: &Fingerprint) -> Result<Check, DedupError> {
        let mut in_flight = self.in_flight.lock().expect("dedup lock");
        if let Some(twin) = in_flight
            .values()
            .find(|o| self.same_story(&o.fingerprint, fp))
        {
            return Ok(Check::Wait(Settled(twin.settled.subscribe())));
        }
        let verdict = self.check_stored(fp)?;
        let produced_as = match &verdict {
            Verdict::Duplicate { .. } => {
                return Ok(Check::Decided {
                    verdict,
                    reserved_at: 0,
                })
            }
            Verdict::New => &fp.article_id,
            Verdict::Update { article_id } => article_id,
        };
        let reserved_at: i64 = self
            .conn
            .lock()
            .expect("dedup lock")
            .prepare_cached(
                "INSERT INTO pending (content_hash, article_id, own_article_id, \
                 version, canonical_url, simhash, since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (content_hash) DO UPDATE SET article_id = excluded.article_id, \
                 own_article_id = excluded.own_article_id, version = excluded.version, \
                 canonical_url = excluded.canonical_url, simhash = excluded.simhash \
                 RETURNING since",
            )?
            .query_row(
                params![
                    fp.content_hash,
                    produced_as,
                    fp.article_id,
                    fp.version,
                    fp.canonical_url,
                    fp.simhash as i64,
                    now()
                ],
                |r| r.get(0),
            )?;
        in_flight.insert(
            fp.content_hash.clone(),
            InFlight {
                fingerprint: fp.clone(),
                settled: watch::channel(()).0,
            },
        );
        Ok(Check::Decided {
            verdict,
            reserved_at,
        })
    }

    fn same_story(&self, a: &Fingerprint, b: &Fingerprint) -> bool {
        a.content_hash == b.content_hash
            || (a.canonical_url.is_some() && a.canonical_url == b.canonical_url)
            || hamming(a.simhash, b.simhash) <= self.max_distance
    }

    fn check_stored(&self, fp: &Fingerprint) -> Result<Verdict, DedupError> {
        let conn = self.conn.lock().expect("dedup lock");
        let table = self.table();
        let exact: Option<String> = conn
            .prepare_cached(&format!(
                "SELECT article_id FROM {table} WHERE content_hash = ?1 LIMIT 1"
            ))?
            .query_row(params![fp.content_hash], |r| r.get(0))
            .optional()?;
        if let Some(article_id) = exact {
            return Ok(Verdict::Duplicate {
                article_id,
                reason: "same_content",
            });
        }
        if let Some(url) = &fp.canonical_url {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT article_id, simhash FROM {table} WHERE canonical_url = ?1 ORDER BY seen_at DESC"
            ))?;
            let rows: Vec<(String, i64)> = stmt
                .query_map(params![url], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            if let Some((article_id, _)) = rows
                .iter()
                .find(|(_, h)| hamming(*h as u64, fp.simhash) <= self.max_distance)
            {
                return Ok(Verdict::Duplicate {
                    article_id: article_id.clone(),
                    reason: "same_url",
                });
            }
            if let Some((article_id, _)) = rows.first() {
                return Ok(Verdict::Update {
                    article_id: article_id.clone(),
                });
            }
        }
        for (i, &(shift, width)) in self.bands.iter().enumerate() {
            let band = band_value(fp.simhash, shift, width);
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT article_id, simhash FROM {table} WHERE band{i} = ?1"
            ))?;
            let mut rows = stmt.query(params![band])?;
            while let Some(row) = rows.next()? {
                let h: i64 = row.get(1)?;
                if hamming(h as u64, fp.simhash) <= self.max_distance {
                    return Ok(Verdict::Duplicate {
                        article_id: row.get(0)?,
                        reason: "near_duplicate",
                    });
                }
            }
        }
        Ok(Verdict::New)
    }

    /// Records a produced story (the broker acknowledged it) and ends its reservation.
    pub fn confirm(&self, fp: &Fingerprint, article_id: &str) -> Result<(), DedupError> {
        let result = {
            let conn = self.conn.lock().expect("dedup lock");
            let mut columns =
                String::from("article_id, version, canonical_url, content_hash, simhash, seen_at");
            let mut values = String::from("?1, ?2, ?3, ?4, ?5, ?6");
            let mut bound: Vec<rusqlite::types::Value> = vec![
                article_id.to_string().into(),
                fp.version.clone().into(),
                fp.canonical_url.clone().into(),
                fp.content_hash.clone().into(),
                (fp.simhash as i64).into(),
                now().into(),
            ];
            for (i, &(shift, width)) in self.bands.iter().enumerate() {
                columns.push_str(&format!(", band{i}"));
                values.push_str(&format!(", ?{}", i + 7));
                bound.push(band_value(fp.simhash, shift, width).into());
            }
            // The same SQL text every time, so the prepared statement is reused.
            conn.prepare_cached(&format!(
                "INSERT INTO {} ({columns}) VALUES ({values})",
                self.table()
            ))
            .and_then(|mut stmt| stmt.execute(rusqlite::params_from_iter(bound)))
            .and_then(|_| Self::forget_pending(&conn, fp))
        };
        self.release(fp);
        result?;
        Ok(())
    }

    /// Ends a reservation without recording the story (producing it
    /// failed, or its outcome is unknown). Its pending row stays: a retry
    /// gets the same `reserved_at`, and if the story did reach the topic
    /// after all, the next start-up's recovery finds and remembers it.
    pub fn release(&self, fp: &Fingerprint) {
        self.in_flight
            .lock()
            .expect("dedup lock")
            .remove(&fp.content_hash);
    }

    fn forget_pending(conn: &Connection, fp: &Fingerprint) -> rusqlite::Result<usize> {
        conn.prepare_cached("DELETE FROM pending WHERE content_hash = ?1")?
            .execute(params![fp.content_hash])
    }

    /// The stories reserved but neither remembered nor released: produced
    /// or not, a crash came before the answer was written down.
    pub fn pending(&self) -> Result<Vec<Pending>, DedupError> {
        let conn = self.conn.lock().expect("dedup lock");
        let mut stmt = conn.prepare(
            "SELECT content_hash, article_id, own_article_id, version, canonical_url, simhash, since \
             FROM pending ORDER BY since",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Pending {
                    fingerprint: Fingerprint {
                        content_hash: r.get(0)?,
                        article_id: r.get(2)?,
                        version: r.get(3)?,
                        canonical_url: r.get(4)?,
                        simhash: r.get::<_, i64>(5)? as u64,
                    },
                    article_id: r.get(1)?,
                    since: r.get(6)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Settles a pending story: remembered if the topic holds it,
    /// forgotten (so a resubmission produces it) if not.
    pub fn settle(&self, p: &Pending, produced: bool) -> Result<(), DedupError> {
        if produced {
            self.confirm(&p.fingerprint, &p.article_id)
        } else {
            Self::forget_pending(&self.conn.lock().expect("dedup lock"), &p.fingerprint)?;
            self.release(&p.fingerprint);
            Ok(())
        }
    }
}

/// Splits 64 bits into `n` bands as (shift, width), widths differing by at most one.
fn bands(n: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut shift = 0;
    for i in 0..n {
        let width = 64 / n + u32::from(i < 64 % n);
        out.push((shift, width));
        shift += width;
    }
    out
}

fn band_value(h: u64, shift: u32, width: u32) -> i64 {
    ((h >> shift) & ((1u64 << width) - 1)) as i64
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(id: &str, url: Option<&str>, hash: &str, simhash: u64) -> Fingerprint {
        Fingerprint {
            article_id: id.into(),
            version: format!("v-{hash}"),
            canonical_url: url.map(str::to_string),
            content_hash: hash.into(),
            simhash,
        }
    }

    /// The verdict of a check that must not have to wait.
    fn verdict(d: &Dedup, f: &Fingerprint) -> Verdict {
        match d.check(f).unwrap() {
            Check::Decided { verdict, .. } => verdict,
            Check::Wait(_) => panic!("{} had to wait for a twin", f.article_id),
        }
    }

    #[test]
    fn verdicts_and_persistence() {
        let dir = tempfile::tempdir().unwrap();
        let settings = DedupSettings {
            path: dir.path().join("d.sqlite").display().to_string(),
            ..Default::default()
        };
        {
            let d = Dedup::open(&settings).unwrap();
            let a = fp("a", Some("https://x/1"), "h1", 0xF0F0_0000_FFFF_1234);
            assert_eq!(verdict(&d, &a), Verdict::New);
            // A concurrent twin waits while the first is in flight.
            assert!(matches!(d.check(&a).unwrap(), Check::Wait(_)));
            d.confirm(&a, "a").unwrap();
        }
        // Reopened: the state survived.
        let d = Dedup::open(&settings).unwrap();
        assert!(d.knows_url("https://x/1").unwrap());
        let same = fp("other", None, "h1", 0);
        assert!(matches!(
            verdict(&d, &same),
            Verdict::Duplicate {
                reason: "same_content",
                ..
            }
        ));
        let near = fp(
            "b",
            Some("https://y/2"),
            "h2",
            0xF0F0_0000_FFFF_1234 ^ 0b1011,
        );
        assert_eq!(
            verdict(&d, &near),
            Verdict::Duplicate {
                article_id: "a".into(),
                reason: "near_duplicate"
            }
        );
        let update = fp("a", Some("https://x/1"), "h3", !0xF0F0_0000_FFFF_1234);
        assert_eq!(
            verdict(&d, &update),
            Verdict::Update {
                article_id: "a".into()
            }
        );
        d.release(&update);
        let new = fp("c", None, "h4", 0x0F0F_FFFF_0000_0000);
        assert_eq!(verdict(&d, &new), Verdict::New);
    }

    #[tokio::test]
    async fn a_twin_waits_for_the_first_copy_and_is_decided_by_its_fate() {
        let d = std::sync::Arc::new(
            Dedup::open(&DedupSettings {
                path: ":memory:".into(),
                ..Default::default()
            })
            .unwrap(),
        );
        let a = fp("a", Some("https://x/1"), "h1", 0x1234_5678_9ABC_DEF0);
        let Check::Decided { reserved_at, .. } = d.check(&a).unwrap() else {
            panic!("the first copy is decided at once");
        };
        // The first copy fails: its twin, waiting, becomes the story, with
        // the same reservation time (the same record bytes).
        let Check::Wait(settled) = d.check(&a).unwrap() else {
            panic!("a twin waits");
        };
        d.release(&a);
        settled.wait().await;
        let Check::Decided {
            verdict: Verdict::New,
            reserved_at: again,
        } = d.check(&a).unwrap()
        else {
            panic!("after a failure the twin is new");
        };
        assert_eq!(again, reserved_at);
        // A correction at the same URL waits too, and once the first copy
        // is produced it is an update.
        let correction = fp("a", Some("https://x/1"), "h2", !0x1234_5678_9ABC_DEF0);
        let Check::Wait(settled) = d.check(&correction).unwrap() else {
            panic!("a correction waits for the copy in flight");
        };
        let waiting = tokio::spawn(settled.wait());
        d.confirm(&a, "a").unwrap();
        waiting.await.unwrap();
        assert_eq!(
            verdict(&d, &correction),
            Verdict::Update {
                article_id: "a".into()
            }
        );
    }

    #[test]
    fn bands_cover_64_bits() {
        let b = bands(5);
        assert_eq!(b.iter().map(|(_, w)| w).sum::<u32>(), 64);
        assert_eq!(b.last().map(|(s, w)| s + w), Some(64));
    }
}
