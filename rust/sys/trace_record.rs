// SPDX-License-Identifier: GPL-2.0

//! What rspl's trace events fired, for the KUnit suites
//! (`trace_record.c`): a probe on every event records one cache's events,
//! or every shrinker scan, in order.

use crate::sys::shim;
use kernel::{error::to_result, prelude::*, str::CStr};

/// One event that fired, with its two numbers (`shim.h` says which).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) event: Event,
    pub(crate) a: usize,
    pub(crate) b: usize,
}

/// The events, as the recorder names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    GrowQueued,
    GrowDone,
    WaitTimeout,
    EmergencyAlloc,
    EmergencyFree,
    ReserveTake,
    MoveOffer,
    MoveAnswer,
    ShrinkScan,
    Unknown,
}

impl Event {
    fn from_raw(raw: u32) -> Self {
        match raw {
            shim::rspl_trace_event_RSPL_TRACE_GROW_QUEUED => Self::GrowQueued,
            shim::rspl_trace_event_RSPL_TRACE_GROW_DONE => Self::GrowDone,
            shim::rspl_trace_event_RSPL_TRACE_WAIT_TIMEOUT => Self::WaitTimeout,
            shim::rspl_trace_event_RSPL_TRACE_EMERGENCY_ALLOC => Self::EmergencyAlloc,
            shim::rspl_trace_event_RSPL_TRACE_EMERGENCY_FREE => Self::EmergencyFree,
            shim::rspl_trace_event_RSPL_TRACE_RESERVE_TAKE => Self::ReserveTake,
            shim::rspl_trace_event_RSPL_TRACE_MOVE_OFFER => Self::MoveOffer,
            shim::rspl_trace_event_RSPL_TRACE_MOVE_ANSWER => Self::MoveAnswer,
            shim::rspl_trace_event_RSPL_TRACE_SHRINK_SCAN => Self::ShrinkScan,
            _ => Self::Unknown,
        }
    }
}

/// The most events a recording keeps.
const MAX: usize = 256;

/// A recording in progress; one at a time (the suites run one case at a
/// time). Dropped without `stop`, it stops and forgets what it saw.
pub(crate) struct TraceRecord {
    stopped: bool,
}

impl TraceRecord {
    /// Starts recording the events of cache `name`.
    pub(crate) fn start(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; the recorder copies it.
        to_result(unsafe { shim::rspl_trace_record_start(name.as_char_ptr()) })?;
        Ok(Self { stopped: false })
    }

    /// Starts recording the shrinker's scans.
    pub(crate) fn start_shrinks() -> Result<Self> {
        // SAFETY: no cache named: the recorder takes the shrinker's events.
        to_result(unsafe { shim::rspl_trace_record_start(core::ptr::null()) })?;
        Ok(Self { stopped: false })
    }

    /// Stops, and returns the events seen in order (at most `MAX`) and how
    /// many there were.
    pub(crate) fn stop(mut self) -> Result<(KVec<Seen>, usize)> {
        let mut raw = KVec::<shim::rspl_trace_seen>::with_capacity(MAX, GFP_KERNEL)?;
        self.stopped = true;
        // SAFETY: `raw` has room for `MAX` entries, which the call fills
        // from the start.
        let n = unsafe { shim::rspl_trace_record_stop(raw.as_mut_ptr(), MAX as u32) } as usize;
        // SAFETY: the first `min(n, MAX)` entries were written just above.
        unsafe { raw.set_len(n.min(MAX)) };
        let mut seen = KVec::with_capacity(raw.len(), GFP_KERNEL)?;
        for r in raw.iter() {
            seen.push(
                Seen {
                    event: Event::from_raw(r.event),
                    a: r.a,
                    b: r.b,
                },
                GFP_KERNEL,
            )?;
        }
        Ok((seen, n))
    }
}

impl Drop for TraceRecord {
    fn drop(&mut self) {
        if !self.stopped {
            // SAFETY: copies nothing (`max` 0) and detaches the probes.
            unsafe { shim::rspl_trace_record_stop(core::ptr::null_mut(), 0) };
        }
    }
}
