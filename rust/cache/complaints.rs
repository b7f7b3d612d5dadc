// SPDX-License-Identifier: GPL-2.0

//! Messages about a consumer's mistakes, rate-limited per cache and kind,
//! so that a bug in a loop cannot flood the log: the first mistake of a
//! kind is reported in full, later ones are counted, and a report with the
//! count so far goes out at most once every `INTERVAL_MS`.

use core::{
    fmt,
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::time::Ktime;

/// The shortest time between two reports of one kind for one cache.
pub(crate) const INTERVAL_MS: u64 = 5000;

/// A consumer's mistake that rspl refuses or corrects, and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mistake {
    /// A free refused: a double free, or a pointer that is no object.
    BadFree = 0,
    /// A free of NULL.
    NullFree,
    /// Allocation flags rspl does not know.
    BadFlags,
    /// `KM_SLEEP` in atomic context (served as `KM_NOSLEEP`).
    SleepInAtomic,
    /// A reap in atomic context (refused).
    ReapInAtomic,
    /// A call through a handle that is no live cache.
    BadHandle,
}

const KINDS: usize = 6;

/// One kind's count and the time of its last report.
struct Kind {
    count: AtomicU64,
    /// Milliseconds since boot (plus one: 0 means never) of the last report.
    reported_ms: AtomicU64,
    reports: AtomicU64,
}

impl Kind {
    const fn new() -> Self {
        Self {
            count: AtomicU64::new(0),
            reported_ms: AtomicU64::new(0),
            reports: AtomicU64::new(0),
        }
    }
}

/// The mistakes made on one cache (or, for `BadHandle`, on none).
pub(crate) struct Complaints {
    kinds: [Kind; KINDS],
}

/// How many of a kind a report stands for, shown after its message.
pub(crate) struct SoFar(u64);

impl fmt::Display for SoFar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 {
            write!(
                f,
                " ({} times so far; reported at most every {} s)",
                self.0,
                INTERVAL_MS / 1000
            )?;
        }
        Ok(())
    }
}

impl Complaints {
    pub(crate) const fn new() -> Self {
        Self {
            kinds: [const { Kind::new() }; KINDS],
        }
    }

    /// Counts one `mistake`; returns the count to report with when a
    /// message should go out now (the first, or the first for a while).
    pub(crate) fn note(&self, mistake: Mistake) -> Option<SoFar> {
        let kind = &self.kinds[mistake as usize];
        let n = kind.count.fetch_add(1, Ordering::Relaxed) + 1;
        let last = kind.reported_ms.load(Ordering::Relaxed);
        let now = now_ms();
        if last != 0 && now.saturating_sub(last) < INTERVAL_MS {
            return None;
        }
        // One of the racing callers reports.
        kind.reported_ms
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .ok()?;
        kind.reports.fetch_add(1, Ordering::Relaxed);
        Some(SoFar(n))
    }

    /// Mistakes of this kind so far.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn count(&self, mistake: Mistake) -> u64 {
        self.kinds[mistake as usize].count.load(Ordering::Relaxed)
    }

    /// Messages printed for this kind so far.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn reports(&self, mistake: Mistake) -> u64 {
        self.kinds[mistake as usize].reports.load(Ordering::Relaxed)
    }
}

/// Milliseconds since boot, plus one so that 0 can mean "never".
fn now_ms() -> u64 {
    Ktime::ktime_get().to_ms().max(0) as u64 + 1
}
