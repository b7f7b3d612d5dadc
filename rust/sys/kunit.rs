// SPDX-License-Identifier: GPL-2.0

//! KUnit suites written in Rust (6.12 has no macro for them).
//! Upstream: the `#[kunit_tests]` attribute (after 6.12) replaces it.
//!
//! [`kunit_suite!`] registers a suite by placing a pointer to its
//! `struct kunit_suite` in the `.kunit_test_suites` section of the module:
//! KUnit runs it when the module loads. A case is a plain function taking
//! a [`Test`]; [`kassert!`] and [`kassert_eq!`] fail the case with a KTAP
//! diagnostic and return from it.

use crate::sys::shim;
use core::fmt;
use kernel::bindings;
use kernel::ffi::c_char;
use kernel::{error::Error, error::Result, str::CStr};

/// A case stopped at a failed assertion (already reported to KUnit).
pub(crate) struct Failed;

/// What a test case returns.
pub(crate) type CaseResult = Result<(), Failed>;

/// The running KUnit case.
///
/// # Invariants
///
/// `raw` points to the `struct kunit` of the case being run, which KUnit
/// keeps alive for as long as the case function runs.
pub(crate) struct Test {
    raw: *mut bindings::kunit,
    /// A failure was reported.
    failed: bool,
}

impl Test {
    /// Marks the case failed and prints `msg` as its diagnostic.
    /// `file` must end with a NUL (the assertion macros add it).
    pub(crate) fn fail(&mut self, file: &'static str, line: u32, msg: fmt::Arguments<'_>) {
        self.failed = true;
        let mut text = MessageBuf::new();
        let _ = fmt::write(&mut text, msg);
        let bytes = text.as_bytes();
        // SAFETY: `raw` is the running case (type invariant); `file` is
        // NUL-terminated (see above) and `bytes` is valid for its length.
        unsafe {
            shim::rspl_kunit_fail(
                self.raw.cast(),
                file.as_ptr().cast(),
                line,
                bytes.as_ptr().cast(),
                bytes.len() as _,
            )
        };
    }

    /// Prints `msg` as a KTAP diagnostic of the case (`# msg`), as a
    /// stress case's `figures:` line is printed.
    pub(crate) fn info(&mut self, msg: fmt::Arguments<'_>) {
        let mut text = MessageBuf::new();
        let _ = fmt::write(&mut text, msg);
        let bytes = text.as_bytes();
        // SAFETY: `raw` is the running case (type invariant); `bytes` is
        // valid for its length.
        unsafe { shim::rspl_kunit_info(self.raw.cast(), bytes.as_ptr().cast(), bytes.len() as _) };
    }
}

/// Formats a failure message into a fixed buffer, cutting what does not fit.
struct MessageBuf {
    bytes: [u8; 512],
    len: usize,
}

impl MessageBuf {
    fn new() -> Self {
        Self {
            bytes: [0; 512],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl fmt::Write for MessageBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Runs `case` as the KUnit case `raw`.
///
/// # Safety
///
/// `raw` must be the `struct kunit` KUnit passed to the running case.
pub(crate) unsafe fn run_case(raw: *mut bindings::kunit, case: fn(&mut Test) -> CaseResult) {
    // INVARIANT: the caller passes the running case.
    let mut test = Test { raw, failed: false };
    // An early return with no failure reported (`?` on an operation the
    // case needed, such as a create) fails the case too.
    if case(&mut test).is_err() && !test.failed {
        test.fail(
            concat!(file!(), "\0"),
            line!(),
            format_args!("the case returned early: an operation it needed failed"),
        );
    }
}

/// A case entry for a suite's case table. `name` must end with a NUL.
pub(crate) const fn case(
    name: &'static str,
    run: unsafe extern "C" fn(*mut bindings::kunit),
) -> bindings::kunit_case {
    // SAFETY: all-zero is a valid `kunit_case` (null pointers, `None`
    // callbacks, zero enums), as C's designated initializers leave it.
    let mut c: bindings::kunit_case = unsafe { core::mem::zeroed() };
    c.run_case = Some(run);
    c.name = name.as_ptr().cast();
    c
}

/// The all-zero entry that ends a case table.
pub(crate) const fn case_end() -> bindings::kunit_case {
    // SAFETY: see `case`.
    unsafe { core::mem::zeroed() }
}

/// A suite named `name` running the zero-terminated table `cases`.
pub(crate) const fn suite(name: &str, cases: *mut bindings::kunit_case) -> bindings::kunit_suite {
    // SAFETY: all-zero is a valid `kunit_suite`, as in `case`.
    let mut s: bindings::kunit_suite = unsafe { core::mem::zeroed() };
    let bytes = name.as_bytes();
    assert!(bytes.len() < s.name.len(), "KUnit suite name too long");
    let mut i = 0;
    while i < bytes.len() {
        s.name[i] = bytes[i] as c_char;
        i += 1;
    }
    s.test_cases = cases;
    s
}

/// A pointer to a suite, as the `.kunit_test_suites` section holds them.
#[repr(transparent)]
pub(crate) struct SuiteEntry(pub(crate) *mut bindings::kunit_suite);

// SAFETY: only KUnit reads the pointer, under its own run lock.
unsafe impl Sync for SuiteEntry {}

/// Registers a KUnit suite of the functions named in the list:
/// `kunit_suite!(module_name, "suite_name", [case_a, case_b]);`
macro_rules! kunit_suite {
    ($module:ident, $name:literal, [$($case:ident),+ $(,)?]) => {
        mod $module {
            $(
                #[allow(non_snake_case)]
                pub(super) mod $case {
                    /// The case as KUnit calls it.
                    ///
                    /// # Safety
                    ///
                    /// `test` must be the running `struct kunit` of this case.
                    pub(crate) unsafe extern "C" fn run(test: *mut kernel::bindings::kunit) {
                        // SAFETY: KUnit calls a case with its running test.
                        unsafe { $crate::sys::kunit::run_case(test, super::super::$case) }
                    }
                }
            )+

            const CASES_LEN: usize = [$(stringify!($case)),+].len() + 1;

            static mut CASES: [kernel::bindings::kunit_case; CASES_LEN] = [
                $($crate::sys::kunit::case(concat!(stringify!($case), "\0"), $case::run),)+
                $crate::sys::kunit::case_end(),
            ];

            static mut SUITE: kernel::bindings::kunit_suite =
                $crate::sys::kunit::suite($name, (&raw mut CASES).cast());

            #[used]
            #[link_section = ".kunit_test_suites"]
            static SUITE_ENTRY: $crate::sys::kunit::SuiteEntry = $crate::sys::kunit::SuiteEntry(&raw mut SUITE);
        }
    };
}
pub(crate) use kunit_suite;

/// Fails the case and returns from it unless `cond` holds.
macro_rules! kassert {
    ($test:expr, $cond:expr $(,)?) => {
        $crate::sys::kunit::kassert!($test, $cond, "Expected {} to be true", stringify!($cond))
    };
    ($test:expr, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            $test.fail(concat!(file!(), "\0"), line!(), format_args!($($msg)+));
            return Err($crate::sys::kunit::Failed);
        }
    };
}
pub(crate) use kassert;

/// Fails the case and returns from it unless `left == right`, printing both.
macro_rules! kassert_eq {
    ($test:expr, $left:expr, $right:expr $(,)?) => {
        match (&$left, &$right) {
            (left, right) => {
                $crate::sys::kunit::kassert!(
                    $test,
                    *left == *right,
                    "Expected {} == {}\n        left: {:?}\n        right: {:?}",
                    stringify!($left),
                    stringify!($right),
                    left,
                    right
                )
            }
        }
    };
}
pub(crate) use kassert_eq;

/// CPUs online now.
pub(crate) fn online_cpus() -> u32 {
    // SAFETY: reads a counter.
    unsafe { shim::rspl_kunit_online_cpus() }
}

/// Runs `f` on CPU `cpu` and waits for it; `false` if the CPU is offline.
pub(crate) fn on_cpu<F: FnMut() + Send>(cpu: u32, mut f: F) -> bool {
    /// # Safety
    ///
    /// `arg` points to a live `F` that nothing else uses during the call.
    unsafe extern "C" fn call<F: FnMut() + Send>(
        arg: *mut core::ffi::c_void,
    ) -> kernel::ffi::c_long {
        // SAFETY: `arg` is the `&mut F` below, alive until work_on_cpu()
        // returns, and used by this call alone.
        let f = unsafe { &mut *arg.cast::<F>() };
        f();
        0
    }
    // SAFETY: `call::<F>` matches the callback type; `f` outlives the
    // call, which work_on_cpu() waits for.
    let ret = unsafe { shim::rspl_kunit_on_cpu(cpu, Some(call::<F>), (&mut f as *mut F).cast()) };
    ret == 0
}

/// A CPU taken offline for a test, brought back online on drop (so that
/// a failing case leaves the next ones their CPUs).
pub(crate) struct CpuOffline(u32);

impl CpuOffline {
    /// Takes CPU `cpu` offline; `None` if the kernel refuses.
    pub(crate) fn take(cpu: u32) -> Option<Self> {
        // SAFETY: process context, holding no lock.
        // `then`: a value made on failure would bring the CPU up on drop.
        (unsafe { shim::rspl_kunit_cpu_offline(cpu) } == 0).then(|| Self(cpu))
    }
}

impl Drop for CpuOffline {
    fn drop(&mut self) {
        // SAFETY: process context, holding no lock.
        let ret = unsafe { shim::rspl_kunit_cpu_online(self.0) };
        if ret != 0 {
            kernel::pr_err!("CPU {} did not come back online: {}\n", self.0, ret);
        }
    }
}

/// Keeps the running test on its CPU while alive (it may still sleep).
pub(crate) struct StayOnCpu {
    // Undone on the task that did it.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl StayOnCpu {
    pub(crate) fn new() -> Self {
        // SAFETY: balanced by `drop` on the same task.
        unsafe { shim::rspl_kunit_migrate_disable() };
        Self {
            _not_send: core::marker::PhantomData,
        }
    }
}

impl Drop for StayOnCpu {
    fn drop(&mut self) {
        // SAFETY: balances `new`.
        unsafe { shim::rspl_kunit_migrate_enable() };
    }
}

/// Reads up to `buf.len()` bytes of the file at `path` the way a reader in
/// user space would; returns how many bytes were read.
pub(crate) fn read_file(path: &CStr, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: `path` is NUL-terminated and `buf` is writable for its length.
    let ret = unsafe {
        shim::rspl_read_file(path.as_char_ptr(), buf.as_mut_ptr().cast(), buf.len() as _)
    };
    if ret < 0 {
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// Writes `data` to the file at `path` (e.g. a `/proc/sys` knob).
pub(crate) fn write_file(path: &CStr, data: &[u8]) -> Result<usize> {
    // SAFETY: `path` is NUL-terminated and `data` readable for its length.
    let ret =
        unsafe { shim::rspl_write_file(path.as_char_ptr(), data.as_ptr().cast(), data.len() as _) };
    if ret < 0 {
        Err(Error::from_errno(ret as i32))
    } else {
        Ok(ret as usize)
    }
}
