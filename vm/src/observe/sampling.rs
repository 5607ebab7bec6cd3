//! The time sampler: a SIGPROF timer on the VM thread's CPU clock whose signal handler
//! copies, without allocating or locking, the method index of up to [`SAMPLE_DEPTH`]
//! frames (all of them, or of a deeper stack the innermost [`SAMPLE_INNER`] and the
//! outermost rest, with the real depth), the interrupted program counter and the VM's
//! [`Phase`] into a preallocated lock-free ring;
//! a drain thread empties the ring while the program runs, and names are resolved from
//! the method table after the run. Also the phase marks (GC, class loading, tier-1
//! compilation) the VM sets,
//! the allocation meter behind `introspect::Meter`. The public side (samples with
//! names, `Machine::run_sampled`) is `introspect/sampling.rs`.
//!
//! How the handler reads the stack safely: while a session is active, `Vm::frames` has
//! capacity for `MAX_FRAMES` activations (so it never reallocates) and this thread's
//! session publishes where that `Vec` lives. The handler runs on the VM thread itself
//! (the timer signals that thread only), so the VM is stopped between two instructions
//! while it reads; at worst it sees a frame being pushed or popped.
//!
//! Which frame count is live: tier-1 machine code pushes and pops frames in the spare
//! capacity of `Vm::frames` and keeps the count in its context (`JitCtx::frames_len`),
//! giving the `Vec` its length only when it calls into the runtime (`sync_in`). A tier-1
//! run publishes where that count is in `Vm::jit_frame_count`, and the count is
//! [`VM_OWNS_FRAMES`] while the runtime's Rust code owns the frames; the handler reads
//! the `Vec`'s length only then. See [`VM_OWNS_FRAMES`] for why no sample sees a stale
//! or torn count.
//!
//! Every `unsafe` block of the profiler path is in this module.

use crate::ids::MethodId;
use crate::runtime::vm::{Frame, Vm, MAX_FRAMES};
use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::sync::atomic::{
    compiler_fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
use std::sync::Arc;
use std::time::Duration;

/// Frames copied per sample, innermost first. Of a deeper stack the sample keeps the
/// innermost [`SAMPLE_INNER`] frames, then the outermost `SAMPLE_DEPTH - SAMPLE_INNER`
/// (still innermost first), and its real depth.
pub const SAMPLE_DEPTH: usize = 128;
/// Innermost frames kept of a stack deeper than [`SAMPLE_DEPTH`].
pub const SAMPLE_INNER: usize = 96;
/// Samples the ring holds before the drain thread must have emptied it.
const RING_SLOTS: usize = 1024;
/// `Session::timer` before the timer exists.
const NO_TIMER: usize = usize::MAX;
/// How often the drain thread empties the ring.
const DRAIN_PERIOD: Duration = Duration::from_millis(25);

/// What the VM was doing when a sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// Executing the program (interpreter or compiled code).
    Running,
    /// In the garbage collector.
    Gc,
    /// Loading, parsing and compiling classes, and compiling methods to tier 1.
    Compiler,
}

impl Phase {
    fn from_word(w: u32) -> Phase {
        match w {
            1 => Phase::Gc,
            2 => Phase::Compiler,
            _ => Phase::Running,
        }
    }
}

thread_local! {
    /// This thread's VM phase (a `Phase` as a word), read by the signal handler.
    static PHASE: Cell<u32> = const { Cell::new(0) };
    /// This thread's active sampling session, or null.
    static SESSION: Cell<*const Session> = const { Cell::new(std::ptr::null()) };
    /// Bytes allocated before each collection on this thread, summed (the allocation meter).
    pub(crate) static ALLOCATED_AT_GC: Cell<u64> = const { Cell::new(0) };
    /// The phase spans of this thread's active sampling session (`None` when there is
    /// none, so phase marks cost nothing outside a session).
    static SPANS: RefCell<Option<Vec<PhaseSpan>>> = const { RefCell::new(None) };
}

/// A stretch of VM work in one phase (a collection, class loading, one method's
/// compilation), timed on the same clock as the samples ([`monotonic_ns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PhaseSpan {
    pub(crate) phase: Phase,
    /// The method being compiled (a compilation span), else `None`.
    pub(crate) method: Option<MethodId>,
    pub(crate) start_ns: u64,
    pub(crate) end_ns: u64,
}

/// Nanoseconds on the monotonic clock (async-signal-safe: the handler stamps samples
/// with it).
pub(crate) fn monotonic_ns() -> u64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the kernel to fill; clock_gettime is
    // async-signal-safe.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// `JitCtx::frames_len` while the VM's Rust code owns the frames: between a runtime
/// call's `sync_in` (which first gives `Vm::frames` machine code's count) and its
/// `sync_out` (which copies `Vm::frames.len()` back, ending the state).
///
/// Why a sample never sees a wrong count: the handler interrupts this same thread at
/// an instruction boundary, so only program order matters (no other CPU writes these
/// words). At every instruction, either the context's word holds the live count, or it
/// holds this value and the `Vec`'s length is live: `sync_in` stores it after the
/// `Vec`'s length (a compiler fence keeps the order), `sync_out` overwrites it with
/// that length in one store, and a run publishes the context before its first
/// `sync_out` and unpublishes it after its last `sync_in`. Machine code changes the
/// count with single aligned 8-byte instructions (`mov`, `sub`), which a signal cannot
/// split, and stores it only after the new frame's method and tier are written. Cost:
/// one store per runtime call and three per tier-1 run; machine code's own pushes
/// and pops are unchanged.
pub(crate) const VM_OWNS_FRAMES: usize = usize::MAX;

/// The live frame count: the published tier-1 count unless the VM owns the frames.
fn live_frame_count(vec_len: usize, published: *const AtomicPtr<usize>) -> usize {
    // SAFETY: `published` is the live Vm's `jit_frame_count` (see `Session`); an atomic
    // may be read while the VM thread is stopped anywhere.
    let native = unsafe { &*published }.load(Ordering::Relaxed);
    if native.is_null() {
        return vec_len;
    }
    // SAFETY: a tier-1 run publishes its context's count only while the context lives
    // (`run_native`) and the handler runs on the VM thread between two instructions;
    // volatile because machine code writes the word.
    match unsafe { std::ptr::read_volatile(native) } {
        VM_OWNS_FRAMES => vec_len,
        n => n,
    }
}

/// Marks a phase of VM work until dropped (then the previous phase is back). During a
/// sampling session it also records the span (start at creation, end at drop).
pub(crate) struct PhaseMark {
    prior: u32,
    /// Set only while a session records spans.
    span: Option<PhaseSpan>,
}

impl PhaseMark {
    /// A collection starts; `bytes_since_gc` is what was allocated since the last one.
    pub(crate) fn gc(bytes_since_gc: usize) -> PhaseMark {
        ALLOCATED_AT_GC.with(|a| a.set(a.get() + bytes_since_gc as u64));
        PhaseMark::enter(Phase::Gc)
    }

    /// Class loading (parsing and compiling) starts.
    pub(crate) fn compiler() -> PhaseMark {
        PhaseMark::enter(Phase::Compiler)
    }

    /// The compilation of `method` (by a JIT tier) starts.
    pub(crate) fn compiling(method: MethodId) -> PhaseMark {
        let mut mark = PhaseMark::enter(Phase::Compiler);
        if let Some(span) = &mut mark.span {
            span.method = Some(method);
        }
        mark
    }

    fn enter(phase: Phase) -> PhaseMark {
        let recording = SPANS.with(|s| s.borrow().is_some());
        let span = recording.then(|| PhaseSpan {
            phase,
            method: None,
            start_ns: monotonic_ns(),
            end_ns: 0,
        });
        let prior = PHASE.with(|p| p.replace(phase as u32));
        compiler_fence(Ordering::SeqCst);
        PhaseMark { prior, span }
    }
}

impl Drop for PhaseMark {
    fn drop(&mut self) {
        compiler_fence(Ordering::SeqCst);
        PHASE.with(|p| p.set(self.prior));
        if let Some(mut span) = self.span.take() {
            span.end_ns = monotonic_ns();
            SPANS.with(|s| {
                if let Some(spans) = s.borrow_mut().as_mut() {
                    spans.push(span);
                }
            });
        }
    }
}

/// One ring slot: written by the handler only, read by the drain after `head` says so.
struct Slot {
    phase: AtomicU32,
    /// Stack depth when sampled (may exceed the methods copied).
    depth: AtomicU32,
    /// 1 + the timer's overrun.
    weight: AtomicU32,
    /// [`monotonic_ns`] when taken.
    at_ns: AtomicU64,
    /// The interrupted program counter (0 where it cannot be read).
    pc: AtomicU64,
    methods: [AtomicU32; SAMPLE_DEPTH],
    tiers: [AtomicU8; SAMPLE_DEPTH],
}

/// A single-producer (the handler), single-consumer (the drain) ring of samples.
struct Ring {
    slots: Box<[Slot]>,
    /// Samples written (the handler's count); slot `head % RING_SLOTS` is next.
    head: AtomicU64,
    /// Samples read (the drain's count).
    tail: AtomicU64,
    lost: AtomicU64,
}

impl Ring {
    fn new() -> Ring {
        let slots = (0..RING_SLOTS)
            .map(|_| Slot {
                phase: AtomicU32::new(0),
                depth: AtomicU32::new(0),
                weight: AtomicU32::new(0),
                at_ns: AtomicU64::new(0),
                pc: AtomicU64::new(0),
                methods: [const { AtomicU32::new(0) }; SAMPLE_DEPTH],
                tiers: [const { AtomicU8::new(0) }; SAMPLE_DEPTH],
            })
            .collect();
        Ring {
            slots,
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            lost: AtomicU64::new(0),
        }
    }

    /// Moves every written sample into `out` (runs outside the handler; allocates).
    fn drain(&self, out: &mut Vec<RawSample>) {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Relaxed);
        for n in tail..head {
            let slot = &self.slots[(n % RING_SLOTS as u64) as usize];
            let depth = slot.depth.load(Ordering::Relaxed);
            let copied = (depth as usize).min(SAMPLE_DEPTH);
            out.push(RawSample {
                phase: Phase::from_word(slot.phase.load(Ordering::Relaxed)),
                depth,
                weight: slot.weight.load(Ordering::Relaxed),
                at_ns: slot.at_ns.load(Ordering::Relaxed),
                pc: slot.pc.load(Ordering::Relaxed),
                methods: slot.methods[..copied]
                    .iter()
                    .zip(&slot.tiers)
                    .map(|(m, t)| {
                        let method = MethodId::from_u32(m.load(Ordering::Relaxed));
                        (method, t.load(Ordering::Relaxed))
                    })
                    .collect(),
            });
        }
        self.tail.store(head, Ordering::Release);
    }
}

/// A sample as the handler took it: (method index, tier) per frame, innermost first
/// (of a stack deeper than [`SAMPLE_DEPTH`], the innermost [`SAMPLE_INNER`] frames
/// and then the outermost ones).
pub(crate) struct RawSample {
    pub(crate) phase: Phase,
    /// The real stack depth.
    pub(crate) depth: u32,
    pub(crate) weight: u32,
    /// [`monotonic_ns`] when taken.
    pub(crate) at_ns: u64,
    /// The interrupted program counter (0: unknown).
    pub(crate) pc: u64,
    pub(crate) methods: Vec<(MethodId, u8)>,
}

/// What a session collected: samples in order, the ticks lost to a full ring, and the
/// phase spans, all stamped with [`monotonic_ns`] from `start_ns` on.
pub(crate) struct Collected {
    pub(crate) start_ns: u64,
    pub(crate) samples: Vec<RawSample>,
    pub(crate) lost: u64,
    pub(crate) spans: Vec<PhaseSpan>,
}

/// What the handler needs: where the frames are, and the ring.
struct Session {
    /// The Vm's `frames` field; the Vm outlives the session.
    frames: *const Vec<Frame>,
    /// The frames' buffer when the session began (capacity `MAX_FRAMES`).
    buffer: *const Frame,
    /// The Vm's `jit_frame_count` field.
    jit_frame_count: *const AtomicPtr<usize>,
    ring: Arc<Ring>,
    /// The timer's id (`NO_TIMER` until it exists; ids start at 0), for its overrun.
    timer: AtomicUsize,
}

impl Session {
    /// Runs in the signal handler: no allocation, no locks, no panics.
    fn capture(&self, pc: u64) {
        let ring = &*self.ring;
        let head = ring.head.load(Ordering::Relaxed);
        if head - ring.tail.load(Ordering::Acquire) >= RING_SLOTS as u64 {
            ring.lost.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // SAFETY: `frames` points at the live Vm's `frames` field (`jit_frame_count` at
        // its field) for as long as this session is published (see `run_sampled`). We copy the Vec's words
        // bitwise (volatile: no reference to the Vec being mutated is formed) into a
        // `ManuallyDrop`, so the copy is never dropped or used to mutate.
        let frames =
            unsafe { std::ptr::read_volatile(self.frames as *const ManuallyDrop<Vec<Frame>>) };
        let len = live_frame_count(frames.len(), self.jit_frame_count).min(MAX_FRAMES);
        let slot = &ring.slots[(head % RING_SLOTS as u64) as usize];
        let copied = if frames.as_ptr() == self.buffer {
            len.min(SAMPLE_DEPTH)
        } else {
            0
        };
        for i in 0..copied {
            let index = frame_index(i, len);
            // SAFETY: `buffer` is the frames' allocation, reserved for MAX_FRAMES frames
            // and never reallocated while published, and `index < len <= MAX_FRAMES`, so
            // the reads stay inside it. A slot being pushed or popped may hold an old
            // frame's words; indices are checked against the method table when resolved.
            let (method, tier) = unsafe {
                let frame = self.buffer.add(index);
                (
                    std::ptr::read_volatile(std::ptr::addr_of!((*frame).method)),
                    std::ptr::read_volatile(std::ptr::addr_of!((*frame).tier)),
                )
            };
            slot.methods[i].store(method.as_u32(), Ordering::Relaxed);
            slot.tiers[i].store(tier, Ordering::Relaxed);
        }
        slot.depth.store(copied.max(len) as u32, Ordering::Relaxed);
        slot.phase.store(PHASE.with(Cell::get), Ordering::Relaxed);
        slot.weight.store(1 + self.overrun(), Ordering::Relaxed);
        slot.at_ns.store(monotonic_ns(), Ordering::Relaxed);
        slot.pc.store(pc, Ordering::Relaxed);
        ring.head.store(head + 1, Ordering::Release);
    }
}

/// Which frame (0 the outermost) sample slot `i` of a `len`-deep stack holds: the
/// innermost first; past [`SAMPLE_INNER`] slots of a stack deeper than
/// [`SAMPLE_DEPTH`], the outermost frames (slot `SAMPLE_DEPTH - 1` is the root).
fn frame_index(i: usize, len: usize) -> usize {
    if len <= SAMPLE_DEPTH || i < SAMPLE_INNER {
        len - 1 - i
    } else {
        SAMPLE_DEPTH - 1 - i
    }
}

/// The program counter the signal interrupted, from the handler's context argument.
fn interrupted_pc(context: *mut libc::c_void) -> u64 {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if !context.is_null() {
        // SAFETY: with SA_SIGINFO the kernel passes a valid `ucontext_t` as the third
        // handler argument; we only read its saved RIP.
        return unsafe {
            let uc = context as *const libc::ucontext_t;
            (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as u64
        };
    }
    let _ = context;
    0
}

impl Session {
    /// Periods the timer expired beyond the one that raised this signal.
    fn overrun(&self) -> u32 {
        let timer = self.timer.load(Ordering::Relaxed);
        if timer == NO_TIMER {
            return 0;
        }
        // SAFETY: `timer` is a live timer id (deleted only after the session is
        // unpublished); `timer_getoverrun` is async-signal-safe.
        let n = unsafe { libc::timer_getoverrun(timer as libc::timer_t) };
        n.max(0) as u32
    }
}

extern "C" fn on_sigprof(_: libc::c_int, _: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let session = SESSION.with(Cell::get);
    if !session.is_null() {
        let pc = interrupted_pc(context);
        // SAFETY: a session is published on this thread only while it is alive (set in
        // `Sampler::start`, cleared before the session is dropped in `Sampler::stop`),
        // and the handler runs on the thread that published it.
        unsafe { &*session }.capture(pc);
    }
}

/// Installs the SIGPROF handler once per process.
fn install_handler() -> std::io::Result<()> {
    static INSTALLED: std::sync::OnceLock<Result<(), i32>> = std::sync::OnceLock::new();
    let result = INSTALLED.get_or_init(|| {
        // SAFETY: a zeroed `sigaction` is a valid empty one; we fill in a handler with
        // the SA_SIGINFO signature and an empty mask before passing it to the kernel.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigprof as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            match libc::sigaction(libc::SIGPROF, &action, std::ptr::null_mut()) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0)),
            }
        }
    });
    result.map_err(std::io::Error::from_raw_os_error)
}

/// A POSIX timer on this thread's CPU clock that sends SIGPROF to this thread.
struct CpuTimer(libc::timer_t);

impl CpuTimer {
    fn start(hz: u32) -> std::io::Result<CpuTimer> {
        let period_ns = 1_000_000_000 / i64::from(hz.max(1));
        let period = libc::timespec {
            tv_sec: period_ns / 1_000_000_000,
            tv_nsec: period_ns % 1_000_000_000,
        };
        let spec = libc::itimerspec {
            it_interval: period,
            it_value: period,
        };
        // SAFETY: plain system calls with valid pointers to locals; a zeroed `sigevent`
        // is valid, and we set its notification to "signal this thread".
        unsafe {
            let mut event: libc::sigevent = std::mem::zeroed();
            event.sigev_notify = libc::SIGEV_THREAD_ID;
            event.sigev_signo = libc::SIGPROF;
            event.sigev_notify_thread_id = libc::gettid();
            let mut id: libc::timer_t = std::mem::zeroed();
            if libc::timer_create(libc::CLOCK_THREAD_CPUTIME_ID, &mut event, &mut id) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let timer = CpuTimer(id);
            if libc::timer_settime(id, 0, &spec, std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(timer)
        }
    }
}

impl Drop for CpuTimer {
    fn drop(&mut self) {
        // SAFETY: `self.0` came from a successful `timer_create` and is deleted once.
        unsafe { libc::timer_delete(self.0) };
    }
}

/// An object file mapped into this process (`dladdr`'s answer for an address).
pub(crate) struct MappedObject {
    pub(crate) base: u64,
    pub(crate) file: Option<String>,
    /// The nearest exported symbol at or below the address.
    pub(crate) symbol: Option<String>,
}

/// The object file mapping `address`, if one does (not for the signal handler:
/// `dladdr` takes the loader's lock).
pub(crate) fn mapped_object(address: u64) -> Option<MappedObject> {
    let text = |p: *const libc::c_char| {
        if p.is_null() {
            return None;
        }
        // SAFETY: `dladdr` answers NUL-terminated strings that live as long as the
        // object stays loaded; they are copied at once.
        let c = unsafe { std::ffi::CStr::from_ptr(p) };
        Some(c.to_string_lossy().into_owned())
    };
    // SAFETY: a zeroed `Dl_info` is a valid output buffer; `dladdr` only looks the
    // address up among the mappings (it never dereferences it).
    let info = unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        (libc::dladdr(address as *const libc::c_void, &mut info) != 0).then_some(info)
    }?;
    Some(MappedObject {
        base: info.dli_fbase as u64,
        file: text(info.dli_fname),
        symbol: text(info.dli_sname),
    })
}

/// CPU time the calling thread has used.
pub(crate) fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the kernel to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// An active time-sampling session on the VM thread.
pub(crate) struct Sampler {
    session: Box<Session>,
    timer: Option<CpuTimer>,
    stop: Arc<AtomicBool>,
    drain: Option<std::thread::JoinHandle<Vec<RawSample>>>,
    start_ns: u64,
}

impl Sampler {
    pub(crate) fn start(vm: &mut Vm, hz: u32) -> std::io::Result<Sampler> {
        install_handler()?;
        // The same fixed reservation JIT code needs (`reserve_frames`), so entering JIT
        // code later never moves the buffer the handler reads.
        crate::native::context::reserve_frames(&mut vm.frames);
        let ring = Arc::new(Ring::new());
        let session = Box::new(Session {
            frames: &vm.frames,
            buffer: vm.frames.as_ptr(),
            jit_frame_count: &vm.jit_frame_count,
            ring: ring.clone(),
            timer: AtomicUsize::new(NO_TIMER),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let drain = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("som-sample-drain".into())
                .spawn(move || {
                    let mut out = Vec::new();
                    while !stop.load(Ordering::Acquire) {
                        std::thread::sleep(DRAIN_PERIOD);
                        ring.drain(&mut out);
                    }
                    out
                })?
        };
        SESSION.with(|s| s.set(&*session));
        SPANS.with(|s| *s.borrow_mut() = Some(Vec::new()));
        let mut sampler = Sampler {
            session,
            timer: None,
            stop,
            drain: Some(drain),
            start_ns: monotonic_ns(),
        };
        let timer = CpuTimer::start(hz)?;
        sampler
            .session
            .timer
            .store(timer.0 as usize, Ordering::Relaxed);
        sampler.timer = Some(timer);
        Ok(sampler)
    }

    /// Stops the timer, unpublishes the session and collects every sample and span.
    pub(crate) fn stop(mut self) -> Collected {
        SESSION.with(|s| s.set(std::ptr::null()));
        let spans = SPANS.with(|s| s.borrow_mut().take()).unwrap_or_default();
        self.timer = None;
        self.stop.store(true, Ordering::Release);
        let mut samples = self
            .drain
            .take()
            .and_then(|d| d.join().ok())
            .unwrap_or_default();
        self.session.ring.drain(&mut samples);
        Collected {
            start_ns: self.start_ns,
            samples,
            lost: self.session.ring.lost.load(Ordering::Relaxed),
            spans,
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        SESSION.with(|s| s.set(std::ptr::null()));
        SPANS.with(|s| *s.borrow_mut() = None);
        self.timer = None;
        self.stop.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests;
