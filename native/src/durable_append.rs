//! Durable appends off the main thread: write each buffer at its offset in its file and
//! fdatasync every file, resolving once all of them are on disk.
//!
//! Two ways, chosen by the caller (and reported): io_uring, with each write linked to its
//! fdatasync (IOSQE_IO_LINK) and all pairs submitted at once so the disk sees every sync
//! in flight together; or the fallback, pwrite + fdatasync one file after another, for
//! kernels or sandboxes where io_uring is unavailable or disabled.
use std::cell::RefCell;

use io_uring::{opcode, squeue, types, IoUring};
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;

const RING_ENTRIES: u32 = 256;

thread_local! {
    // One ring per libuv worker thread, created on first use and reused: setting a ring
    // up costs far more than a submission.
    static RING: RefCell<Option<IoUring>> = const { RefCell::new(None) };
}

fn io_error(what: &str, errno: i32) -> Error {
    Error::new(Status::GenericFailure, format!("{what} failed: {}", std::io::Error::from_raw_os_error(errno)))
}

/// Whether this kernel and sandbox let us set up an io_uring instance.
#[napi]
pub fn io_uring_available() -> bool {
    IoUring::new(8).is_ok()
}

fn uring_append(fds: &[i32], bufs: &[Buffer], offsets: &[i64]) -> Result<u32> {
    RING.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(IoUring::new(RING_ENTRIES).map_err(|e| io_error("io_uring_setup", e.raw_os_error().unwrap_or(0)))?);
        }
        let ring = slot.as_mut().unwrap();
        let per_submit = (RING_ENTRIES / 2) as usize;
        let mut done = 0u32;
        for chunk_start in (0..fds.len()).step_by(per_submit) {
            let end = (chunk_start + per_submit).min(fds.len());
            {
                let mut sq = ring.submission();
                for i in chunk_start..end {
                    let b: &[u8] = bufs[i].as_ref();
                    let write = opcode::Write::new(types::Fd(fds[i]), b.as_ptr(), b.len() as u32)
                        .offset(offsets[i] as u64)
                        .build()
                        .flags(squeue::Flags::IO_LINK)
                        .user_data((i as u64) << 1);
                    let sync = opcode::Fsync::new(types::Fd(fds[i]))
                        .flags(types::FsyncFlags::DATASYNC)
                        .build()
                        .user_data(((i as u64) << 1) | 1);
                    // The ring has room for a whole chunk: it was sized for it and is empty.
                    unsafe {
                        sq.push(&write).map_err(|_| Error::new(Status::GenericFailure, "submission queue full"))?;
                        sq.push(&sync).map_err(|_| Error::new(Status::GenericFailure, "submission queue full"))?;
                    }
                }
            }
            let want = 2 * (end - chunk_start);
            ring.submit_and_wait(want).map_err(|e| io_error("io_uring_enter", e.raw_os_error().unwrap_or(0)))?;
            let mut seen = 0;
            let mut first_error: Option<Error> = None;
            while seen < want {
                if ring.completion().is_empty() {
                    ring.submit_and_wait(1).map_err(|e| io_error("io_uring_enter", e.raw_os_error().unwrap_or(0)))?;
                }
                for cqe in ring.completion() {
                    seen += 1;
                    let i = (cqe.user_data() >> 1) as usize;
                    let is_sync = cqe.user_data() & 1 == 1;
                    let res = cqe.result();
                    if res < 0 && first_error.is_none() {
                        first_error = Some(io_error(if is_sync { "fdatasync" } else { "write" }, -res));
                    } else if !is_sync && res >= 0 && (res as usize) != bufs[i].len() && first_error.is_none() {
                        first_error = Some(Error::new(Status::GenericFailure, format!("short write: {res} of {} bytes", bufs[i].len())));
                    } else if is_sync && res == 0 {
                        done += 1;
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        Ok(done)
    })
}

fn pwrite_append(fds: &[i32], bufs: &[Buffer], offsets: &[i64]) -> Result<u32> {
    for i in 0..fds.len() {
        let b: &[u8] = bufs[i].as_ref();
        let mut written = 0usize;
        while written < b.len() {
            let n = unsafe {
                libc::pwrite(fds[i], b[written..].as_ptr() as *const libc::c_void, b.len() - written, (offsets[i] + written as i64) as libc::off_t)
            };
            if n < 0 {
                let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
                if errno == libc::EINTR {
                    continue;
                }
                return Err(io_error("pwrite", errno));
            }
            written += n as usize;
        }
        if unsafe { libc::fdatasync(fds[i]) } != 0 {
            return Err(io_error("fdatasync", std::io::Error::last_os_error().raw_os_error().unwrap_or(0)));
        }
    }
    Ok(fds.len() as u32)
}

pub struct DurableAppend {
    fds: Vec<i32>,
    bufs: Vec<Buffer>,
    offsets: Vec<i64>,
    use_uring: bool,
}

impl Task for DurableAppend {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        if self.use_uring {
            uring_append(&self.fds, &self.bufs, &self.offsets)
        } else {
            pwrite_append(&self.fds, &self.bufs, &self.offsets)
        }
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}

/// Writes bufs[i] at offsets[i] of fds[i] and fdatasyncs each file, on a libuv worker
/// thread; resolves with the number of durable appends. The Buffers are borrowed, not
/// copied, and kept alive until the task ends.
#[napi(ts_return_type = "Promise<number>")]
pub fn durable_append(fds: Vec<i32>, bufs: Vec<Buffer>, offsets: Vec<i64>, use_uring: bool) -> Result<AsyncTask<DurableAppend>> {
    if fds.len() != bufs.len() || fds.len() != offsets.len() {
        return Err(Error::new(Status::InvalidArg, "fds, bufs and offsets must have the same length"));
    }
    Ok(AsyncTask::new(DurableAppend { fds, bufs, offsets, use_uring }))
}

/// Reserves `length` bytes of disk for the file without changing its size
/// (fallocate with FALLOC_FL_KEEP_SIZE), so appends do not allocate blocks one by one.
/// Measured in bench/durable-append: no gain for fdatasync on this VM's ext4 (the size
/// still grows and must be committed); kept for the log writers to measure again.
#[napi]
pub fn preallocate(fd: i32, length: i64) -> Result<()> {
    let rc = unsafe { libc::fallocate(fd, libc::FALLOC_FL_KEEP_SIZE, 0, length as libc::off_t) };
    if rc != 0 {
        return Err(io_error("fallocate", std::io::Error::last_os_error().raw_os_error().unwrap_or(0)));
    }
    Ok(())
}

fn uring_fdatasync_all(fds: &[i32]) -> Result<u32> {
    RING.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(IoUring::new(RING_ENTRIES).map_err(|e| io_error("io_uring_setup", e.raw_os_error().unwrap_or(0)))?);
        }
        let ring = slot.as_mut().unwrap();
        let mut done = 0u32;
        let mut first_error: Option<Error> = None;
        for chunk in fds.chunks(RING_ENTRIES as usize) {
            {
                let mut sq = ring.submission();
                for (i, fd) in chunk.iter().enumerate() {
                    let sync = opcode::Fsync::new(types::Fd(*fd)).flags(types::FsyncFlags::DATASYNC).build().user_data(i as u64);
                    // The ring is empty and sized for a whole chunk.
                    unsafe {
                        sq.push(&sync).map_err(|_| Error::new(Status::GenericFailure, "submission queue full"))?;
                    }
                }
            }
            ring.submit_and_wait(chunk.len()).map_err(|e| io_error("io_uring_enter", e.raw_os_error().unwrap_or(0)))?;
            let mut seen = 0;
            while seen < chunk.len() {
                if ring.completion().is_empty() {
                    ring.submit_and_wait(1).map_err(|e| io_error("io_uring_enter", e.raw_os_error().unwrap_or(0)))?;
                }
                for cqe in ring.completion() {
                    seen += 1;
                    if cqe.result() < 0 {
                        if first_error.is_none() {
                            first_error = Some(io_error("fdatasync", -cqe.result()));
                        }
                    } else {
                        done += 1;
                    }
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(done),
        }
    })
}

fn serial_fdatasync_all(fds: &[i32]) -> Result<u32> {
    for fd in fds {
        if unsafe { libc::fdatasync(*fd) } != 0 {
            return Err(io_error("fdatasync", std::io::Error::last_os_error().raw_os_error().unwrap_or(0)));
        }
    }
    Ok(fds.len() as u32)
}

pub struct FdatasyncAll {
    fds: Vec<i32>,
    use_uring: bool,
}

impl Task for FdatasyncAll {
    type Output = u32;
    type JsValue = u32;

    fn compute(&mut self) -> Result<u32> {
        if self.use_uring {
            uring_fdatasync_all(&self.fds)
        } else {
            serial_fdatasync_all(&self.fds)
        }
    }

    fn resolve(&mut self, _env: Env, output: u32) -> Result<u32> {
        Ok(output)
    }
}

/// fdatasyncs every file on a libuv worker thread: with io_uring all at once (the disk
/// sees every sync in flight together), otherwise one after another. Resolves with the
/// count; rejects with the first error (every file was still attempted).
/// The log's group commits use it to flush the dirty segments of many partitions in one
/// submission.
#[napi(ts_return_type = "Promise<number>")]
pub fn fdatasync_all(fds: Vec<i32>, use_uring: bool) -> Result<AsyncTask<FdatasyncAll>> {
    Ok(AsyncTask::new(FdatasyncAll { fds, use_uring }))
}
