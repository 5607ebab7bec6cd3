//! The sampler's signal-side pieces without a timer: the ring's overflow count, nested
//! phase marks, and the frame count published by JIT code.

use super::*;

#[test]
fn a_full_ring_counts_lost_samples() {
    let frames: Vec<Frame> = Vec::with_capacity(MAX_FRAMES);
    let published = AtomicPtr::new(std::ptr::null_mut());
    let session = Session {
        frames: &frames,
        buffer: frames.as_ptr(),
        jit_frame_count: &published,
        ring: Arc::new(Ring::new()),
        timer: AtomicUsize::new(NO_TIMER),
    };
    for _ in 0..RING_SLOTS + 5 {
        session.capture(0);
    }
    assert_eq!(session.ring.lost.load(Ordering::Relaxed), 5);
    let mut out = Vec::new();
    session.ring.drain(&mut out);
    assert_eq!(out.len(), RING_SLOTS);
    session.capture(0);
    assert_eq!(
        session.ring.head.load(Ordering::Relaxed),
        RING_SLOTS as u64 + 1
    );
}

#[test]
fn phase_marks_nest() {
    let outer = PhaseMark::compiler();
    {
        let _inner = PhaseMark::gc(0);
        assert_eq!(PHASE.with(Cell::get), Phase::Gc as u32);
    }
    assert_eq!(PHASE.with(Cell::get), Phase::Compiler as u32);
    drop(outer);
    assert_eq!(PHASE.with(Cell::get), Phase::Running as u32);
}

fn frame(method: u32, tier: u8) -> Frame {
    Frame {
        method: MethodId::from_u32(method),
        pc: 0,
        bp: 0,
        self_value: crate::value::Value::NIL,
        context: crate::value::Value::NIL,
        outer: crate::value::Value::NIL,
        id: 0,
        is_block: false,
        tier,
    }
}

#[test]
fn the_jit_frame_count_is_read_while_machine_code_owns_the_frames() {
    let mut frames: Vec<Frame> = Vec::with_capacity(MAX_FRAMES);
    frames.extend([frame(3, 0), frame(4, 1)]);
    // A frame JIT code pushed: written in the spare capacity, counted in its context.
    // SAFETY: the Vec has capacity for MAX_FRAMES frames.
    unsafe { frames.as_mut_ptr().add(2).write(frame(5, 1)) };
    let mut native_count: usize = 3;
    let count: *mut usize = &mut native_count;
    let published = AtomicPtr::new(std::ptr::null_mut());
    let session = Session {
        frames: &frames,
        buffer: frames.as_ptr(),
        jit_frame_count: &published,
        ring: Arc::new(Ring::new()),
        timer: AtomicUsize::new(NO_TIMER),
    };
    session.capture(0);
    // A tier-1 run: machine code's count, then a runtime call (the `Vec` is live).
    published.store(count, Ordering::Relaxed);
    session.capture(0);
    // SAFETY: `count` points at the local `native_count`.
    unsafe { count.write(VM_OWNS_FRAMES) };
    session.capture(0);
    published.store(std::ptr::null_mut(), Ordering::Relaxed);
    session.capture(0);
    let mut out = Vec::new();
    session.ring.drain(&mut out);
    let stacks: Vec<Vec<(u32, u8)>> = out
        .into_iter()
        .map(|s| s.methods.iter().map(|&(m, t)| (m.as_u32(), t)).collect())
        .collect();
    assert_eq!(
        stacks,
        [
            vec![(4, 1), (3, 0)],
            vec![(5, 1), (4, 1), (3, 0)],
            vec![(4, 1), (3, 0)],
            vec![(4, 1), (3, 0)]
        ]
    );
}

#[test]
fn a_stack_deeper_than_the_sample_keeps_its_innermost_and_outermost_frames_and_depth() {
    let mut frames: Vec<Frame> = Vec::with_capacity(MAX_FRAMES);
    frames.extend((0..300).map(|m| frame(m, 0)));
    let published = AtomicPtr::new(std::ptr::null_mut());
    let session = Session {
        frames: &frames,
        buffer: frames.as_ptr(),
        jit_frame_count: &published,
        ring: Arc::new(Ring::new()),
        timer: AtomicUsize::new(NO_TIMER),
    };
    session.capture(0x1234);
    let mut out = Vec::new();
    session.ring.drain(&mut out);
    let s = &out[0];
    assert_eq!((s.depth, s.pc), (300, 0x1234));
    let methods: Vec<u32> = s.methods.iter().map(|&(m, _)| m.as_u32()).collect();
    let inner: Vec<u32> = (300 - SAMPLE_INNER as u32..300).rev().collect();
    let outer: Vec<u32> = (0..(SAMPLE_DEPTH - SAMPLE_INNER) as u32).rev().collect();
    assert_eq!(
        methods,
        [inner, outer].concat(),
        "innermost first, then the root end"
    );
}
