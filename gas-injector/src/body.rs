//! Instrumentation of one function body, in one pass fused with its validation.
//!
//! [`instrument_body`] drives wasmparser's operator decoder with [`Body`] as the visitor: each
//! `visit_*` method first runs the validator's own `visit_*` for that operator, then the metering
//! bookkeeping, so every operator is decoded once and dispatched once (no `Operator` values are
//! built, no second dispatch inside the validator). The most frequent operators (loads and
//! stores included) are even decoded by [`step`] itself, straight from the body's bytes, and
//! validated and metered inline (see there).
//!
//! With the default schedule every value type has the same stack size, so the shadow operand
//! stack is just the validator's operand-stack height ([`Shadow`]); other schedules track each
//! value's size.
//!
//! Nothing is copied while scanning. Everything that differs from the input (region charges,
//! length charges, stack releases, `call`/`ref.func` with a shifted index) is recorded as an
//! [`Insert`] at a byte offset of the input body, because a region's cost and the frame size are
//! only known later; [`Body::assemble`] then writes the output body in one sweep, copying the
//! unchanged byte ranges between inserts verbatim. Nothing is ever spliced, so the work is linear
//! in the body size.

use wasmparser::{
    BinaryReader, BlockType, BrTable, FrameKind, FrameStack, FuncValidator, FunctionBody, MemArg, MemArgTarget,
    ValType, ValidatorResources, VisitOperator, VisitSimdOperator,
};

use crate::error::InjectError;
use crate::module::TypeInfo;
use crate::ops::OpKind;
use crate::schedule::Schedule;
use crate::write_u32;
use tally_profile::metering::{Import, FUNC_SHIFT};

const OP_I32_CONST: u8 = 0x41;
const OP_I64_CONST: u8 = 0x42;
const OP_CALL: u8 = 0x10;
const OP_BLOCK: u8 = 0x02;
const OP_END: u8 = 0x0B;
const OP_REF_FUNC: u8 = 0xD2;
const OP_MEMORY_SIZE: u8 = 0x3F;
const OP_DROP: u8 = 0x1A;

/// WebAssembly's limit on the size of one function body (as enforced by wasmparser).
const MAX_FUNCTION_SIZE: usize = 7_654_321;

/// What the module tells every function body.
pub(crate) struct ModuleCtx<'a> {
    pub schedule: &'a Schedule,
    /// What metering needs to know about each operator, by [`OpKind::index`] (a fixed-size
    /// table: looked up once per operator, by kinds known only at run time, so that all plain
    /// operators share one copy of the metering code).
    pub ops: [OpInfo; OpKind::COUNT],
    pub types: &'a [TypeInfo],
    /// Type index of every function (imported ones first).
    pub func_types: &'a [u32],
}

/// One operator under the schedule, as [`Body::plain`] and [`Body::cost`] use it.
#[derive(Clone, Copy, Default)]
pub(crate) struct OpInfo {
    /// Its cost (0 when forbidden).
    cost: u64,
    /// Its per-unit cost when it is size-dependent (0: no length charge).
    unit: u64,
    /// The schedule allows it.
    allowed: bool,
    /// Its arity does not depend on types ([`OpKind::fixed_arity`]).
    fixed: bool,
    /// Values it pops, when fixed.
    pops: u8,
    /// It pushes more values than it pops, so it may raise the stack's largest height.
    grows: bool,
    /// It is a load or a store ([`OpKind::is_memory_access`]).
    access: bool,
}

impl OpInfo {
    /// The table for `schedule`, by [`OpKind::index`].
    pub(crate) fn table(schedule: &Schedule) -> [OpInfo; OpKind::COUNT] {
        std::array::from_fn(|i| match OpKind::from_index(i) {
            Some(kind) => {
                let cost = schedule.cost(kind);
                let unit = kind.dynamic().map_or(0, |d| schedule.dynamic.unit(d));
                let (fixed, pops, grows) = match kind.fixed_arity() {
                    Some((pops, pushes)) => (true, pops as u8, pushes > pops),
                    None => (false, 0, false),
                };
                let access = kind.is_memory_access();
                OpInfo { cost: cost.unwrap_or(0), unit, allowed: cost.is_some(), fixed, pops, grows, access }
            }
            None => OpInfo::default(),
        })
    }
}

/// Buffers reused from one function body to the next, so that a module's bodies cost no
/// allocations once the largest one has been seen.
#[derive(Default)]
pub(crate) struct Scratch {
    inserts: Vec<Insert>,
    ctrl: Vec<Ctrl>,
    sizes: Vec<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Block,
    Loop,
    If,
    /// An `if` frame after its `else`.
    Else,
}

struct Ctrl {
    kind: Kind,
    /// Opened in live code (frames opened in dead code are dead throughout).
    live: bool,
    /// A live `br`/`br_if`/`br_table` inside targets this frame's end.
    targeted: bool,
    /// Shadow operand-stack height below the frame's parameters.
    base: usize,
}

/// What an [`Insert`] writes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum What {
    /// `i64.const value; call $gas` (a region's charge), omitted when `value == 0`.
    Charge,
    /// `i32.const F; call $stack_leave`.
    Leave,
    /// `i64.const value; call $gas_len` (`value`: the unit, above 0).
    Length,
    /// `memory.size; i64.const value; call $gas_len; drop`: a region's memory-access charge,
    /// its loads and stores times the per-page access cost, per page of the memory at run time.
    /// Right after the region's [`What::Charge`]; omitted when `value == 0`.
    Pages,
    /// `call value`: the input's `call` with its function index shifted.
    Call,
    /// `ref.func value`: the input's `ref.func` with its function index shifted.
    RefFunc,
}

/// Something written at a byte offset of the input body, before the input byte there. Packed
/// into 16 bytes: a body's scan records one per region, call and release.
#[derive(Clone, Copy)]
struct Insert {
    /// Offset in the input body (which is smaller than 4 GiB: its size is a `u32`).
    at: u32,
    what: What,
    /// Input bytes replaced from `at` on (`Call`, `RefFunc`: the whole operator), else 0.
    replaces: u8,
    /// The charge, the unit, or the shifted function index.
    value: u64,
}

const _: () = assert!(std::mem::size_of::<Insert>() == 16);

impl Insert {
    fn new(at: usize, what: What, value: u64) -> Self {
        Self { at: at as u32, what, replaces: 0, value }
    }
}

/// The open region: where its charge goes and what it costs so far.
struct Region {
    /// Index of its [`What::Charge`] insert in `inserts`; a [`What::Pages`] insert follows it
    /// when the schedule prices memory accesses by page.
    insert: usize,
    cost: u64,
    /// Its loads and stores times the per-page access cost.
    pages_unit: u64,
    is_loop: bool,
}

/// The shadow operand stack: the stack size (in stack units) of the values on the validator's
/// operand stack, followed in live code.
struct Shadow {
    /// The size of every value type, when they are all the same (the default schedule). Then
    /// the shadow stack is the validator's operand stack (its total size is always
    /// `size × height`), and only its largest height is tracked.
    uniform: Option<u32>,
    /// Number of values (without `uniform`).
    height: usize,
    /// Largest `height` seen (with `uniform`).
    max_height: usize,
    /// Size of each value, bottom first (without `uniform`).
    sizes: Vec<u32>,
    /// Total size of the values (without `uniform`).
    sum: u64,
    /// Largest `sum` seen (without `uniform`).
    max_sum: u64,
}

impl Shadow {
    /// The largest total size of the operand stack seen.
    fn max(&self) -> u64 {
        match self.uniform {
            Some(s) => u64::from(s).saturating_mul(self.max_height as u64),
            None => self.max_sum,
        }
    }
}

struct Body<'a, 'v> {
    ctx: &'a ModuleCtx<'a>,
    v: &'v mut FuncValidator<ValidatorResources>,
    func: u32,
    /// The body's bytes, locals included.
    bytes: &'a [u8],
    /// Offset of `bytes` in the module.
    base: usize,
    inserts: Vec<Insert>,
    /// Bytes the inserts add, `Leave`s excluded (their size depends on the frame size).
    added: usize,
    /// Input bytes the `Index` inserts replace.
    replaced: usize,
    /// Number of `Leave` inserts.
    leaves: usize,
    region: Option<Region>,
    /// Index in `inserts` of a charge opened by the current operator: it goes just after the
    /// operator, whose end is known only once the decoder returns.
    pending: Option<usize>,
    live: bool,
    ctrl: Vec<Ctrl>,
    shadow: Shadow,
    /// Offset in the module of the operator being processed.
    offset: usize,
}

/// Instruments one function body (`params`: the function's parameter types; `wrapper`: the
/// encoded `[] -> results` block type of the wrapper block) and appends it to `out`, size
/// prefix included.
#[allow(clippy::too_many_arguments)]
pub(crate) fn instrument_body(
    ctx: &ModuleCtx<'_>,
    scratch: &mut Scratch,
    func: u32,
    params: &[ValType],
    body: &FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    wrapper: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), InjectError> {
    let bytes = body.as_bytes();
    let base = body.range().start as usize;
    let stack = &ctx.schedule.stack;

    // Locals: validated, sized and copied verbatim.
    let mut frame: u64 = u64::from(stack.activation);
    let mut locals = body.get_locals_reader()?;
    let mut n_locals: u64 = 0;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position() as usize;
        let (n, ty) = locals.read()?;
        validator.define_locals(offset as u64, n, ty)?;
        let size = stack.size_of(ty).ok_or(InjectError::UnsupportedType { func, offset })?;
        n_locals += u64::from(n);
        frame = frame.saturating_add(u64::from(n) * u64::from(size));
    }
    let ops_start = locals.original_position() as usize;

    // Parameters count toward the frame too.
    for &p in params {
        let size = stack.size_of(p).ok_or(InjectError::UnsupportedType { func, offset: base })?;
        frame = frame.saturating_add(u64::from(size));
    }

    let uniform = Some(stack.i32)
        .filter(|&s| [stack.i64, stack.f32, stack.f64, stack.funcref, stack.externref].iter().all(|&t| t == s));
    let mut ctrl = std::mem::take(&mut scratch.ctrl);
    ctrl.clear();
    ctrl.push(Ctrl { kind: Kind::Func, live: true, targeted: false, base: 0 });
    let mut inserts = std::mem::take(&mut scratch.inserts);
    inserts.clear();
    let mut sizes = std::mem::take(&mut scratch.sizes);
    sizes.clear();
    let mut b = Body {
        ctx,
        v: validator,
        func,
        bytes,
        base,
        inserts,
        added: 0,
        replaced: 0,
        leaves: 0,
        region: None,
        pending: None,
        live: true,
        ctrl,
        shadow: Shadow { uniform, height: 0, max_height: 0, sizes, sum: 0, max_sum: 0 },
        offset: ops_start,
    };
    b.open_at(ops_start.wrapping_sub(base), false);
    let locals_cost = n_locals.checked_mul(ctx.schedule.per_local).ok_or_else(|| b.overflow())?;
    b.add(locals_cost)?;

    // The operators are read from `bytes` with our own position; wasmparser's reader is only
    // created for what `step` leaves to it.
    let mut at = ops_start.wrapping_sub(base);
    while let Some(&code) = bytes.get(at) {
        b.offset = base + at;
        let ended = step(&mut at, &mut b, code).map_err(|e| *e)?;
        if ended {
            break;
        }
    }
    // Anything after the final `end` goes to the reader, which rejects it with its own message.
    let mut reader = reader_at(bytes, base, at);
    while !reader.eof() {
        b.offset = reader.original_position() as usize;
        reader.visit_operator(&mut b)?.map_err(|e| *e)?;
        b.fix_pending((reader.original_position() as usize).wrapping_sub(base));
    }
    reader.finish_expression(&b)?;
    if !b.ctrl.is_empty() {
        return Err(internal("control frames left at the end of the body"));
    }

    let frame = frame.saturating_add(b.shadow.max());
    let frame = u32::try_from(frame).map_err(|_| InjectError::FrameTooLarge { func, units: frame })?;
    b.assemble(ops_start.wrapping_sub(base), wrapper, frame, out)?;

    scratch.inserts = b.inserts;
    scratch.ctrl = b.ctrl;
    scratch.sizes = b.shadow.sizes;
    Ok(())
}

/// Decodes, validates and meters the operator at `b.bytes[*at]` (`code`: its first byte), and
/// moves `*at` past it. Returns whether it was the body's final `end`, after which the reader
/// must see no more operators.
///
/// The most frequent operators (those without immediates, those whose immediates are LEB128
/// integers, loads and stores with a one-byte alignment field, and blocks without a type) are
/// decoded here from the bytes, with our own position, exactly as `BinaryReader::visit_operator`
/// decodes them; long or truncated integers go to a wasmparser reader (see [`var_u32`]), so they
/// fail with the same errors. Each is then validated and metered inline. This saves the reader's
/// dispatch (a large function with a large frame), a call per operator, and the reader's
/// position bookkeeping. All others go to [`fallback`].
#[inline(always)]
fn step(at: &mut usize, b: &mut Body<'_, '_>, code: u8) -> Result<bool, Box<InjectError>> {
    // Validates with the validator's `$visit`, then meters with the `Body` method `$meter`.
    macro_rules! fused {
        ($visit:ident($($arg:expr),*) => $meter:ident($($marg:tt)*)) => {{
            let checked = b.v.visitor(b.offset as u64).$visit($($arg),*);
            match checked {
                Ok(()) => b.$meter($($marg)*).map(|()| false).map_err(Box::new),
                Err(e) => Err(rejected(e)),
            }
        }};
    }
    // Validates a plain operator with the validator's `$visit` and evaluates to its kind,
    // resolved from its opcode at compile time, for the metering shared by all plain operators
    // (after the `match`: one copy of it keeps this function small enough for the instruction
    // cache).
    macro_rules! plain {
        ($visit:ident($($arg:expr),*) => $code:literal) => {{
            if let Err(e) = b.v.visitor(b.offset as u64).$visit($($arg),*) {
                return Err(rejected(e));
            }
            const {
                match OpKind::with_opcode($code) {
                    Some(kind) => kind,
                    None => panic!("a plain operator outside the profile"),
                }
            }
        }};
    }
    // An operator that may open a region after itself (see [`Body::fix_pending`]); the others
    // leave nothing pending, which saves that check on most operators.
    macro_rules! opening {
        ($step:expr) => {{
            let stepped = $step;
            b.fix_pending(*at);
            stepped
        }};
    }
    // A load or store: decoded here when its flags are one byte below 0x40 (an alignment, no
    // flag bits), which `read_memarg` with the profile's features turns into exactly this
    // `MemArg`. Flag bits (reserved in the profile: bit 6 is multi-memory's) and padded flags
    // go to the reader, which rejects or accepts them as the validator's parser does.
    macro_rules! memarg {
        ($code:literal, $visit:ident, $max_align:literal) => {{
            match b.bytes.get(*at + 1) {
                Some(&align) if align < 0x40 => {
                    let (offset, end) = var_u32(b.bytes, b.base, *at + 2)?;
                    *at = end;
                    let offset = u64::from(offset);
                    let memarg = MemArg {
                        align,
                        max_align: $max_align,
                        offset,
                        target: MemArgTarget::Memory(0),
                        ordering: None,
                    };
                    plain!($visit(memarg) => $code)
                }
                _ => return fallback(*at, b).map(|end| {
                    *at = end;
                    false
                }),
            }
        }};
    }
    // A block, loop or if: decoded here when it has no type (`0x40`, `BlockType::Empty`) or a
    // numeric result type (one byte, which `read_block_type` reads as that value type; the
    // validator checks that floats are enabled).
    macro_rules! block {
        ($visit:ident => $meter:ident) => {{
            let blockty = match b.bytes.get(*at + 1) {
                Some(0x40) => Some(BlockType::Empty),
                Some(0x7f) => Some(BlockType::Type(ValType::I32)),
                Some(0x7e) => Some(BlockType::Type(ValType::I64)),
                Some(0x7d) => Some(BlockType::Type(ValType::F32)),
                Some(0x7c) => Some(BlockType::Type(ValType::F64)),
                _ => None,
            };
            match blockty {
                Some(blockty) => {
                    *at += 2;
                    fused!($visit(blockty) => $meter(blockty))
                }
                _ => fallback(*at, b).map(|end| {
                    *at = end;
                    false
                }),
            }
        }};
    }
    macro_rules! dispatch {
        ($($code:literal => $visit:ident,)*) => {
            let kind = match code {
                $($code => {
                    *at += 1;
                    plain!($visit() => $code)
                })*
                0x00 => {
                    *at += 1;
                    return fused!(visit_unreachable() => unreachable());
                }
                0x02 => return block!(visit_block => block),
                0x03 => return opening!(block!(visit_loop => loop_)),
                0x04 => return opening!(block!(visit_if => if_)),
                0x0b => {
                    *at += 1;
                    let checked = b.v.visitor(b.offset as u64).visit_end();
                    return opening!(match checked {
                        Ok(()) => b.end().map(|()| b.v.control_stack_height() == 0).map_err(Box::new),
                        Err(e) => Err(rejected(e)),
                    });
                }
                // `else` where the validator's frame is an `if` (elsewhere the reader rejects it).
                0x05 if b.v.get_control_frame(0).map(|f| f.kind) == Some(FrameKind::If) => {
                    *at += 1;
                    return opening!(fused!(visit_else() => else_()));
                }
                0x0c => {
                    let (depth, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    return fused!(visit_br(depth) => br(depth));
                }
                0x0d => {
                    let (depth, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    return opening!(fused!(visit_br_if(depth) => br_if(depth)));
                }
                0x0f => {
                    *at += 1;
                    return fused!(visit_return() => return_());
                }
                0x10 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    return opening!(fused!(visit_call(index) => call(index, Some(end))));
                }
                // `call_indirect` with a one-byte zero table index, which the reader decodes as
                // table 0 whether or not it reads the index as a LEB128 integer.
                0x11 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    match b.bytes.get(end) {
                        Some(0) => {
                            *at = end + 1;
                            return opening!(fused!(visit_call_indirect(index, 0) => call_indirect(index)));
                        }
                        _ => {
                            return fallback(*at, b).map(|end| {
                                *at = end;
                                false
                            })
                        }
                    }
                }
                0x20 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_local_get(index) => 0x20)
                }
                0x21 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_local_set(index) => 0x21)
                }
                0x22 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_local_tee(index) => 0x22)
                }
                0x23 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_global_get(index) => 0x23)
                }
                0x24 => {
                    let (index, end) = var_u32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_global_set(index) => 0x24)
                }
                0x28 => memarg!(0x28, visit_i32_load, 2),
                0x29 => memarg!(0x29, visit_i64_load, 3),
                0x2a => memarg!(0x2a, visit_f32_load, 2),
                0x2b => memarg!(0x2b, visit_f64_load, 3),
                0x2c => memarg!(0x2c, visit_i32_load8_s, 0),
                0x2d => memarg!(0x2d, visit_i32_load8_u, 0),
                0x2e => memarg!(0x2e, visit_i32_load16_s, 1),
                0x2f => memarg!(0x2f, visit_i32_load16_u, 1),
                0x30 => memarg!(0x30, visit_i64_load8_s, 0),
                0x31 => memarg!(0x31, visit_i64_load8_u, 0),
                0x32 => memarg!(0x32, visit_i64_load16_s, 1),
                0x33 => memarg!(0x33, visit_i64_load16_u, 1),
                0x34 => memarg!(0x34, visit_i64_load32_s, 2),
                0x35 => memarg!(0x35, visit_i64_load32_u, 2),
                0x36 => memarg!(0x36, visit_i32_store, 2),
                0x37 => memarg!(0x37, visit_i64_store, 3),
                0x38 => memarg!(0x38, visit_f32_store, 2),
                0x39 => memarg!(0x39, visit_f64_store, 3),
                0x3a => memarg!(0x3a, visit_i32_store8, 0),
                0x3b => memarg!(0x3b, visit_i32_store16, 1),
                0x3c => memarg!(0x3c, visit_i64_store8, 0),
                0x3d => memarg!(0x3d, visit_i64_store16, 1),
                0x3e => memarg!(0x3e, visit_i64_store32, 2),
                0x41 => {
                    let (value, end) = var_i32(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_i32_const(value) => 0x41)
                }
                0x42 => {
                    let (value, end) = var_i64(b.bytes, b.base, *at + 1)?;
                    *at = end;
                    plain!(visit_i64_const(value) => 0x42)
                }
                _ => {
                    return fallback(*at, b).map(|end| {
                        *at = end;
                        false
                    })
                }
            };
            b.plain_inline(kind).map(|()| false).map_err(Box::new)
        };
    }
    dispatch! {
        0x01 => visit_nop,
        0x1a => visit_drop,
        0x1b => visit_select,
        0x45 => visit_i32_eqz,
        0x46 => visit_i32_eq,
        0x47 => visit_i32_ne,
        0x48 => visit_i32_lt_s,
        0x49 => visit_i32_lt_u,
        0x4a => visit_i32_gt_s,
        0x4b => visit_i32_gt_u,
        0x4c => visit_i32_le_s,
        0x4d => visit_i32_le_u,
        0x4e => visit_i32_ge_s,
        0x4f => visit_i32_ge_u,
        0x50 => visit_i64_eqz,
        0x51 => visit_i64_eq,
        0x52 => visit_i64_ne,
        0x53 => visit_i64_lt_s,
        0x54 => visit_i64_lt_u,
        0x55 => visit_i64_gt_s,
        0x56 => visit_i64_gt_u,
        0x57 => visit_i64_le_s,
        0x58 => visit_i64_le_u,
        0x59 => visit_i64_ge_s,
        0x5a => visit_i64_ge_u,
        0x5b => visit_f32_eq,
        0x5c => visit_f32_ne,
        0x5d => visit_f32_lt,
        0x5e => visit_f32_gt,
        0x5f => visit_f32_le,
        0x60 => visit_f32_ge,
        0x61 => visit_f64_eq,
        0x62 => visit_f64_ne,
        0x63 => visit_f64_lt,
        0x64 => visit_f64_gt,
        0x65 => visit_f64_le,
        0x66 => visit_f64_ge,
        0x67 => visit_i32_clz,
        0x68 => visit_i32_ctz,
        0x69 => visit_i32_popcnt,
        0x6a => visit_i32_add,
        0x6b => visit_i32_sub,
        0x6c => visit_i32_mul,
        0x6d => visit_i32_div_s,
        0x6e => visit_i32_div_u,
        0x6f => visit_i32_rem_s,
        0x70 => visit_i32_rem_u,
        0x71 => visit_i32_and,
        0x72 => visit_i32_or,
        0x73 => visit_i32_xor,
        0x74 => visit_i32_shl,
        0x75 => visit_i32_shr_s,
        0x76 => visit_i32_shr_u,
        0x77 => visit_i32_rotl,
        0x78 => visit_i32_rotr,
        0x79 => visit_i64_clz,
        0x7a => visit_i64_ctz,
        0x7b => visit_i64_popcnt,
        0x7c => visit_i64_add,
        0x7d => visit_i64_sub,
        0x7e => visit_i64_mul,
        0x7f => visit_i64_div_s,
        0x80 => visit_i64_div_u,
        0x81 => visit_i64_rem_s,
        0x82 => visit_i64_rem_u,
        0x83 => visit_i64_and,
        0x84 => visit_i64_or,
        0x85 => visit_i64_xor,
        0x86 => visit_i64_shl,
        0x87 => visit_i64_shr_s,
        0x88 => visit_i64_shr_u,
        0x89 => visit_i64_rotl,
        0x8a => visit_i64_rotr,
        0x8b => visit_f32_abs,
        0x8c => visit_f32_neg,
        0x8d => visit_f32_ceil,
        0x8e => visit_f32_floor,
        0x8f => visit_f32_trunc,
        0x90 => visit_f32_nearest,
        0x91 => visit_f32_sqrt,
        0x92 => visit_f32_add,
        0x93 => visit_f32_sub,
        0x94 => visit_f32_mul,
        0x95 => visit_f32_div,
        0x96 => visit_f32_min,
        0x97 => visit_f32_max,
        0x98 => visit_f32_copysign,
        0x99 => visit_f64_abs,
        0x9a => visit_f64_neg,
        0x9b => visit_f64_ceil,
        0x9c => visit_f64_floor,
        0x9d => visit_f64_trunc,
        0x9e => visit_f64_nearest,
        0x9f => visit_f64_sqrt,
        0xa0 => visit_f64_add,
        0xa1 => visit_f64_sub,
        0xa2 => visit_f64_mul,
        0xa3 => visit_f64_div,
        0xa4 => visit_f64_min,
        0xa5 => visit_f64_max,
        0xa6 => visit_f64_copysign,
        0xa7 => visit_i32_wrap_i64,
        0xa8 => visit_i32_trunc_f32_s,
        0xa9 => visit_i32_trunc_f32_u,
        0xaa => visit_i32_trunc_f64_s,
        0xab => visit_i32_trunc_f64_u,
        0xac => visit_i64_extend_i32_s,
        0xad => visit_i64_extend_i32_u,
        0xae => visit_i64_trunc_f32_s,
        0xaf => visit_i64_trunc_f32_u,
        0xb0 => visit_i64_trunc_f64_s,
        0xb1 => visit_i64_trunc_f64_u,
        0xb2 => visit_f32_convert_i32_s,
        0xb3 => visit_f32_convert_i32_u,
        0xb4 => visit_f32_convert_i64_s,
        0xb5 => visit_f32_convert_i64_u,
        0xb6 => visit_f32_demote_f64,
        0xb7 => visit_f64_convert_i32_s,
        0xb8 => visit_f64_convert_i32_u,
        0xb9 => visit_f64_convert_i64_s,
        0xba => visit_f64_convert_i64_u,
        0xbb => visit_f64_promote_f32,
        0xbc => visit_i32_reinterpret_f32,
        0xbd => visit_i64_reinterpret_f64,
        0xbe => visit_f32_reinterpret_i32,
        0xbf => visit_f64_reinterpret_i64,
        0xc0 => visit_i32_extend8_s,
        0xc1 => visit_i32_extend16_s,
        0xc2 => visit_i64_extend8_s,
        0xc3 => visit_i64_extend16_s,
        0xc4 => visit_i64_extend32_s,
        0xd1 => visit_ref_is_null,
    }
}

/// Decodes, validates and meters the operator at `bytes[*at]` with wasmparser's own dispatch
/// (which calls back the `visit_*` methods), for the operators [`step`] does not decode itself;
/// returns where it ends.
#[inline(never)]
fn fallback(at: usize, b: &mut Body<'_, '_>) -> Result<usize, Box<InjectError>> {
    let mut reader = reader_at(b.bytes, b.base, at);
    let visited = reader.visit_operator(b).map_err(rejected)?;
    let end = at + reader.current_position();
    b.fix_pending(end);
    visited.map(|()| end)
}

/// A wasmparser reader over `bytes[at..]` (`bytes` start at module offset `base`): it reads and
/// fails exactly as the reader of the whole body would at that position, with the same features
/// and the same byte offsets in its errors (the data ends at the body's end either way).
fn reader_at(bytes: &[u8], base: usize, at: usize) -> BinaryReader<'_> {
    BinaryReader::new_features(bytes.get(at..).unwrap_or_default(), (base + at) as u64, crate::features())
}

/// A decoding or validation error, boxed (kept off the hot path).
#[cold]
fn rejected(e: wasmparser::BinaryReaderError) -> Box<InjectError> {
    Box::new(e.into())
}

/// Longest LEB128 encodings decoded by [`leb`]: those that always fit their type, so wasmparser
/// would check nothing but their end (`u32`, `i32`: 4 × 7 bits; `i64`: 9 × 7 bits).
const SHORT_LEB_32: usize = 4;
const SHORT_LEB_64: usize = 9;

/// Decodes the LEB128 integer at `bytes[at]` when it is at most `max` bytes long and complete,
/// as `(value bits, number of bytes)`; `None` otherwise (longer, or cut off by the body's end).
#[inline(always)]
fn leb(bytes: &[u8], at: usize, max: usize) -> Option<(u64, usize)> {
    // Most integers have 8 bytes of body after them: those up to 8 bytes long are decoded from
    // one 8-byte load without a branch per byte (a per-byte loop mispredicts its exit).
    if let Some(word) = bytes.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
        let word = u64::from_le_bytes(*word);
        // The first byte without a continuation bit ends the integer.
        let len = (!word & 0x8080_8080_8080_8080).trailing_zeros() as usize / 8 + 1;
        if len <= max && len <= 8 {
            return Some((compact_leb(word, len), len));
        }
    }
    leb_bytewise(bytes, at, max)
}

/// [`leb`] with a limit of [`SHORT_LEB_32`] bytes, from one 4-byte load when the body has
/// 4 bytes left.
#[inline(always)]
fn leb32(bytes: &[u8], at: usize) -> Option<(u32, usize)> {
    match bytes.get(at..).and_then(|rest| rest.first_chunk::<4>()) {
        Some(word) => {
            let word = u32::from_le_bytes(*word);
            let ends = !word & 0x8080_8080;
            if ends == 0 {
                return None;
            }
            let len = ends.trailing_zeros() as usize / 8 + 1;
            let v = word & (u32::MAX >> (32 - 8 * len)) & 0x7f7f_7f7f;
            let v = (v & 0x007f_007f) | ((v & 0x7f00_7f00) >> 1);
            Some(((v & 0x3fff) | ((v & 0x3fff_0000) >> 2), len))
        }
        None => leb_bytewise(bytes, at, SHORT_LEB_32).map(|(v, len)| (v as u32, len)),
    }
}

/// The value bits of the `len` (1 to 8) LEB128 bytes in the low bytes of `word`: their 7-bit
/// groups, packed.
#[inline(always)]
fn compact_leb(word: u64, len: usize) -> u64 {
    // Keep the integer's bytes (`len` of them), without their continuation bits.
    let mask = u64::MAX >> (64 - 8 * len);
    let v = word & mask & 0x7f7f_7f7f_7f7f_7f7f;
    // Pack pairs of 7-bit groups into 14 bits, pairs of those into 28, then into 56.
    let v = (v & 0x007f_007f_007f_007f) | ((v & 0x7f00_7f00_7f00_7f00) >> 1);
    let v = (v & 0x0000_3fff_0000_3fff) | ((v & 0x3fff_0000_3fff_0000) >> 2);
    (v & 0x0000_0000_0fff_ffff) | ((v & 0x0fff_ffff_0000_0000) >> 4)
}

/// [`leb`] a byte at a time, for integers near the body's end or longer than 8 bytes.
#[inline(never)]
fn leb_bytewise(bytes: &[u8], at: usize, max: usize) -> Option<(u64, usize)> {
    let mut value = 0;
    for (i, &byte) in bytes.get(at..)?.iter().take(max).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Sign-extends the `len × 7` low bits of `value`.
#[inline(always)]
fn sign_extend(value: u64, len: usize) -> i64 {
    let unused = 64 - 7 * len as u32;
    ((value << unused) as i64) >> unused
}

/// Reads the unsigned LEB128 `u32` at `bytes[at]`, as `reader.read_var_u32()` would; returns it
/// and the position after it. The one-byte form (most immediates) is decoded inline.
#[inline(always)]
fn var_u32(bytes: &[u8], base: usize, at: usize) -> Result<(u32, usize), Box<InjectError>> {
    match bytes.get(at) {
        Some(&byte) if byte & 0x80 == 0 => Ok((u32::from(byte), at + 1)),
        _ => var_u32_long(bytes, base, at),
    }
}

/// [`var_u32`] beyond one byte: long or incomplete forms go to wasmparser, for its errors.
#[inline(never)]
fn var_u32_long(bytes: &[u8], base: usize, at: usize) -> Result<(u32, usize), Box<InjectError>> {
    match leb32(bytes, at) {
        Some((value, len)) => Ok((value, at + len)),
        None => read_with_reader(bytes, base, at, BinaryReader::read_var_u32),
    }
}

/// Reads an integer at `bytes[at]` with wasmparser's `read` (the fallback for the forms the word
/// decoders leave to it, so errors keep wasmparser's messages and offsets).
#[cold]
#[inline(never)]
fn read_with_reader<'a, T>(
    bytes: &'a [u8],
    base: usize,
    at: usize,
    read: fn(&mut BinaryReader<'a>) -> wasmparser::Result<T>,
) -> Result<(T, usize), Box<InjectError>> {
    let mut reader = reader_at(bytes, base, at);
    let value = read(&mut reader).map_err(rejected)?;
    Ok((value, at + reader.current_position()))
}

/// Reads the signed LEB128 `i32` at `bytes[at]`, as `reader.read_var_i32()` would. Constants
/// are often several bytes long: all lengths up to 4 take the same branch-free path.
#[inline(always)]
fn var_i32(bytes: &[u8], base: usize, at: usize) -> Result<(i32, usize), Box<InjectError>> {
    match leb32(bytes, at) {
        Some((value, len)) => Ok((sign_extend(u64::from(value), len) as i32, at + len)),
        None => read_with_reader(bytes, base, at, BinaryReader::read_var_i32),
    }
}

/// Reads the signed LEB128 `i64` at `bytes[at]`, as `reader.read_var_i64()` would.
#[inline(always)]
fn var_i64(bytes: &[u8], base: usize, at: usize) -> Result<(i64, usize), Box<InjectError>> {
    match leb(bytes, at, SHORT_LEB_64) {
        Some((value, len)) => Ok((sign_extend(value, len), at + len)),
        None => read_with_reader(bytes, base, at, BinaryReader::read_var_i64),
    }
}

#[cold]
#[inline(never)]
fn internal(message: &str) -> InjectError {
    InjectError::Internal { message: message.to_string() }
}

/// Length of the signed LEB128 encoding of `v`.
fn sleb_len(v: i64) -> usize {
    // Significant bits, sign bit included, in groups of 7.
    let bits = 65 - if v < 0 { (!v).leading_zeros() } else { v.leading_zeros() } as usize;
    bits.div_ceil(7)
}

/// Length of the unsigned LEB128 encoding of `v`.
fn uleb_len(v: u32) -> usize {
    let bits = (32 - v.leading_zeros() as usize).max(1);
    bits.div_ceil(7)
}

impl Body<'_, '_> {
    /// Places the charge of a region opened by the operator just decoded: right after it
    /// (`end`: where that operator ends in `bytes`).
    #[inline(always)]
    fn fix_pending(&mut self, end: usize) {
        if let Some(i) = self.pending.take() {
            // The charge, and the region's page charge after it.
            for insert in self.inserts.get_mut(i..).unwrap_or_default().iter_mut().take(2) {
                if matches!(insert.what, What::Charge | What::Pages) {
                    insert.at = end as u32;
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn overflow(&self) -> InjectError {
        InjectError::CostOverflow { func: self.func, offset: self.offset }
    }

    /// Offset of the current operator in `bytes`.
    fn pos(&self) -> usize {
        self.offset.wrapping_sub(self.base)
    }

    /// Starts a region whose charge goes before the input byte at `pos`.
    fn open_at(&mut self, pos: usize, is_loop: bool) {
        let insert = self.inserts.len();
        self.inserts.push(Insert::new(pos, What::Charge, 0));
        if self.ctx.schedule.dynamic.memory_access_per_page > 0 {
            self.inserts.push(Insert::new(pos, What::Pages, 0));
        }
        self.region = Some(Region { insert, cost: 0, pages_unit: 0, is_loop });
    }

    /// Starts a region just after the current operator.
    fn open(&mut self, is_loop: bool) {
        self.open_at(usize::MAX, is_loop);
        self.pending = self.region.as_ref().map(|r| r.insert);
    }

    /// Ends the open region, fixing its charges; a loop body's charge is at least 1.
    fn close(&mut self) {
        if let Some(r) = self.region.take() {
            let cost = if r.is_loop { r.cost.max(1) } else { r.cost };
            if let Some(charge) = self.inserts.get_mut(r.insert) {
                charge.value = cost;
                if cost > 0 {
                    self.added += gas_call_len(cost);
                }
            }
            if let Some(pages) = self.inserts.get_mut(r.insert + 1).filter(|i| i.what == What::Pages) {
                pages.value = r.pages_unit;
                if r.pages_unit > 0 {
                    self.added += pages_charge_len(r.pages_unit);
                }
            }
        }
    }

    /// Counts a load or store of the open region.
    #[inline(never)]
    fn access(&mut self) -> Result<(), InjectError> {
        let per_page = self.ctx.schedule.dynamic.memory_access_per_page;
        match &mut self.region {
            Some(r) => match r.pages_unit.checked_add(per_page) {
                Some(u) => {
                    r.pages_unit = u;
                    Ok(())
                }
                None => Err(self.overflow()),
            },
            None => Err(internal("no open region in live code")),
        }
    }

    #[inline(always)]
    fn add(&mut self, cost: u64) -> Result<(), InjectError> {
        match &mut self.region {
            Some(r) => match r.cost.checked_add(cost) {
                Some(c) => {
                    r.cost = c;
                    Ok(())
                }
                None => Err(self.overflow()),
            },
            None => Err(internal("no open region in live code")),
        }
    }

    /// The operator's cost; fails when the schedule forbids it (in live and dead code alike).
    #[inline(always)]
    fn cost(&self, kind: OpKind) -> Result<u64, InjectError> {
        match self.ctx.ops.get(kind.index()) {
            Some(info) if info.allowed => Ok(info.cost),
            _ => Err(self.forbidden(kind)),
        }
    }

    #[cold]
    #[inline(never)]
    fn forbidden(&self, kind: OpKind) -> InjectError {
        InjectError::Forbidden { func: self.func, op: kind, offset: self.offset }
    }

    /// Records the current operator (`call` or `ref.func`) for re-encoding with its function
    /// index shifted.
    /// `end`: where the operator ends in `bytes`, when the decoder knows it.
    fn shift_index(&mut self, opcode: u8, index: u32, end: Option<usize>) -> Result<(), InjectError> {
        let shifted = index.checked_add(FUNC_SHIFT).ok_or_else(|| internal("function index overflow"))?;
        let pos = self.pos();
        let end = match end {
            Some(end) => end,
            None => {
                // The input's LEB128 may be padded: find where it ends by reading it again.
                let rest =
                    self.bytes.get(pos.wrapping_add(1)..).ok_or_else(|| internal("operator outside its body"))?;
                let mut r = BinaryReader::new_features(rest, 0, crate::features());
                r.read_var_u32()?;
                pos + 1 + r.current_position()
            }
        };
        let replaces = end.saturating_sub(pos);
        let what = if opcode == OP_REF_FUNC { What::RefFunc } else { What::Call };
        self.inserts.push(Insert { replaces: replaces as u8, ..Insert::new(pos, what, u64::from(shifted)) });
        self.added += 1 + uleb_len(shifted);
        self.replaced += replaces;
        Ok(())
    }

    /// Marks the frame `depth` labels out as the target of a forward branch (loops are targeted
    /// backwards, which starts no region).
    fn target(&mut self, depth: u32) {
        let i = self.ctrl.len().checked_sub(1 + depth as usize);
        if let Some(frame) = i.and_then(|i| self.ctrl.get_mut(i)) {
            if frame.kind != Kind::Loop {
                frame.targeted = true;
            }
        }
    }

    fn block_params(&self, bt: BlockType) -> usize {
        match bt {
            BlockType::Empty | BlockType::Type(_) => 0,
            BlockType::FuncType(i) => {
                self.ctx.types.get(i as usize).and_then(|t| t.func.as_ref()).map_or(0, |f| f.params().len())
            }
        }
    }

    /// Opens a frame in live code whose parameters are the validator's top `params` values.
    fn push_frame(&mut self, kind: Kind, params: usize) -> Result<(), InjectError> {
        // After `block`, `loop` and `if` (its condition popped), the validator's operand stack
        // is the shadow stack.
        let height = self.v.operand_stack_height() as usize;
        let base = height.checked_sub(params).ok_or_else(|| internal("shadow stack underflow"))?;
        self.ctrl.push(Ctrl { kind, live: self.live, targeted: false, base });
        Ok(())
    }

    fn size(&self, ty: Option<ValType>) -> Result<u32, InjectError> {
        let stack = &self.ctx.schedule.stack;
        match ty {
            Some(ty) => stack.size_of(ty).ok_or(InjectError::UnsupportedType { func: self.func, offset: self.offset }),
            None => Ok(stack.max_value_size()),
        }
    }

    /// Pops `n` values off the shadow stack (only tracked when sizes differ).
    #[inline(always)]
    fn pop(&mut self, n: usize) -> Result<(), InjectError> {
        match self.shadow.uniform {
            Some(_) => Ok(()),
            None => self.pop_sized(n),
        }
    }

    /// [`Body::pop`] for values of different sizes.
    #[inline(never)]
    fn pop_sized(&mut self, n: usize) -> Result<(), InjectError> {
        let height = self.shadow.height.checked_sub(n).ok_or_else(|| internal("shadow stack underflow"))?;
        for _ in 0..n {
            let s = self.shadow.sizes.pop().ok_or_else(|| internal("shadow stack underflow"))?;
            self.shadow.sum -= u64::from(s);
        }
        self.shadow.height = height;
        Ok(())
    }

    /// Pops `pops` values, then mirrors the validator's new top values.
    #[inline(always)]
    fn apply(&mut self, pops: usize) -> Result<(), InjectError> {
        match self.shadow.uniform {
            // Every value has the same size: the shadow stack is the validator's height, and
            // only its maximum matters.
            Some(_) => {
                let h = self.v.operand_stack_height() as usize;
                self.shadow.max_height = self.shadow.max_height.max(h);
                Ok(())
            }
            None => self.apply_sized(pops),
        }
    }

    /// [`Body::apply`] for values of different sizes: pushes the sizes of the validator's new
    /// top values; checks the heights agree.
    #[inline(never)]
    fn apply_sized(&mut self, pops: usize) -> Result<(), InjectError> {
        self.pop_sized(pops)?;
        let h = self.v.operand_stack_height() as usize;
        let pushes = h.checked_sub(self.shadow.height).ok_or_else(|| internal("arity mismatch with the validator"))?;
        for depth in (0..pushes).rev() {
            let ty = self.v.get_operand_type(depth).ok_or_else(|| internal("validator stack underflow"))?;
            let s = self.size(ty)?;
            self.shadow.sizes.push(s);
            self.shadow.sum += u64::from(s);
        }
        self.shadow.height = h;
        self.shadow.max_sum = self.shadow.max_sum.max(self.shadow.sum);
        Ok(())
    }

    /// Resets the shadow stack to `base` plus whatever the validator has above it (after `else`
    /// and `end`).
    fn resync(&mut self, base: usize) -> Result<(), InjectError> {
        if self.shadow.uniform.is_none() {
            let n = self.shadow.height.saturating_sub(base);
            self.pop_sized(n)?;
        }
        self.apply(0)
    }

    fn func_arity(&self, type_index: u32) -> Result<(usize, usize), InjectError> {
        self.ctx
            .types
            .get(type_index as usize)
            .and_then(|t| t.func.as_ref())
            .map(|f| (f.params().len(), f.results().len()))
            .ok_or_else(|| internal("call to an unknown type"))
    }

    /// Opens a frame in dead code (never live, so its shadow base is irrelevant).
    fn dead_frame(&mut self, kind: Kind) {
        self.ctrl.push(Ctrl { kind, live: false, targeted: false, base: 0 });
    }

    /// Any operator of the profile that neither branches, calls nor names a function: it joins
    /// the open region, gets a length charge when it is size-dependent, and has a fixed arity.
    #[inline(never)]
    fn plain(&mut self, kind: OpKind) -> Result<(), InjectError> {
        self.plain_inline(kind)
    }

    /// [`Body::plain`], inlined into the decoder's one shared copy.
    #[inline(always)]
    fn plain_inline(&mut self, kind: OpKind) -> Result<(), InjectError> {
        let ctx = self.ctx;
        let info = match ctx.ops.get(kind.index()) {
            Some(info) if info.allowed => info,
            _ => return Err(self.forbidden(kind)),
        };
        if !self.live {
            return Ok(());
        }
        self.add(info.cost)?;
        if info.unit > 0 {
            self.length_charge(info.unit);
        }
        if info.access {
            self.access()?;
        }
        if !info.fixed {
            return Err(internal("operator without a fixed arity"));
        }
        // With uniform sizes only the largest height matters, and an operator that does not grow
        // the stack cannot raise it.
        if info.grows || self.shadow.uniform.is_none() {
            self.apply(usize::from(info.pops))?;
        }
        Ok(())
    }

    /// Records a length charge of `unit` per unit before the current operator.
    #[inline(never)]
    fn length_charge(&mut self, unit: u64) {
        self.inserts.push(Insert::new(self.pos(), What::Length, unit));
        self.added += gas_call_len(unit);
    }

    fn unreachable(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Unreachable)?;
        if self.live {
            self.add(cost)?;
            self.close();
            self.live = false;
        }
        Ok(())
    }

    fn block(&mut self, blockty: BlockType) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Block)?;
        if !self.live {
            self.dead_frame(Kind::Block);
            return Ok(());
        }
        self.add(cost)?;
        self.push_frame(Kind::Block, self.block_params(blockty))
    }

    fn loop_(&mut self, blockty: BlockType) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Loop)?;
        if !self.live {
            self.dead_frame(Kind::Loop);
            return Ok(());
        }
        self.close();
        self.push_frame(Kind::Loop, self.block_params(blockty))?;
        self.open(true);
        self.add(cost)
    }

    fn if_(&mut self, blockty: BlockType) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::If)?;
        if !self.live {
            self.dead_frame(Kind::If);
            return Ok(());
        }
        self.add(cost)?;
        self.close();
        self.pop(1)?;
        self.push_frame(Kind::If, self.block_params(blockty))?;
        self.open(false);
        Ok(())
    }

    fn else_(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Else)?;
        if self.live {
            self.add(cost)?;
            self.close();
        }
        let frame = self.ctrl.last_mut().ok_or_else(|| internal("else without a frame"))?;
        frame.kind = Kind::Else;
        let (live, base) = (frame.live, frame.base);
        // The else-arm is live when the `if` was opened in live code.
        if self.live || live {
            self.live = true;
            self.resync(base)?;
            self.open(false);
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::End)?;
        if self.live {
            self.add(cost)?;
        }
        let frame = self.ctrl.pop().ok_or_else(|| internal("end without a frame"))?;
        if self.live {
            if frame.kind == Kind::Func {
                self.close();
            } else {
                self.resync(frame.base)?;
                if matches!(frame.kind, Kind::If | Kind::Else) || frame.targeted {
                    self.close();
                    self.open(false);
                }
            }
        } else if frame.live && frame.kind != Kind::Func {
            self.live = true;
            self.resync(frame.base)?;
            self.open(false);
        }
        Ok(())
    }

    fn br(&mut self, relative_depth: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Br)?;
        if self.live {
            self.add(cost)?;
            self.target(relative_depth);
            self.close();
            self.live = false;
        }
        Ok(())
    }

    fn br_if(&mut self, relative_depth: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::BrIf)?;
        if self.live {
            self.add(cost)?;
            self.target(relative_depth);
            self.close();
            self.apply(1)?;
            self.open(false);
        }
        Ok(())
    }

    fn br_table(&mut self, targets: BrTable<'_>) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::BrTable)?;
        if self.live {
            let per = u64::from(targets.len()).checked_mul(self.ctx.schedule.br_table_per_target);
            let total = per.and_then(|p| p.checked_add(cost)).ok_or_else(|| self.overflow())?;
            self.add(total)?;
            for t in targets.targets() {
                self.target(t?);
            }
            self.target(targets.default());
            self.close();
            self.live = false;
        }
        Ok(())
    }

    fn return_(&mut self) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Return)?;
        if self.live {
            self.add(cost)?;
            self.inserts.push(Insert::new(self.pos(), What::Leave, 0));
            self.leaves += 1;
            self.close();
            self.live = false;
        }
        Ok(())
    }

    /// `end`: where the operator ends in `bytes`, when the decoder knows it.
    fn call(&mut self, function_index: u32, end: Option<usize>) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::Call)?;
        if !self.live {
            return self.shift_index(OP_CALL, function_index, end);
        }
        let ty = self.ctx.func_types.get(function_index as usize).copied();
        let (params, _) = self.func_arity(ty.ok_or_else(|| internal("call to an unknown function"))?)?;
        self.add(cost)?;
        self.shift_index(OP_CALL, function_index, end)?;
        self.apply(params)?;
        self.close();
        self.open(false);
        Ok(())
    }

    /// `memory.grow` ends its region: every region then sees one memory size, which its
    /// memory-access charge reads at its top.
    fn memory_grow(&mut self) -> Result<(), InjectError> {
        self.plain(OpKind::MemoryGrow)?;
        if self.live {
            self.close();
            self.open(false);
        }
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::CallIndirect)?;
        if !self.live {
            return Ok(());
        }
        let (params, _) = self.func_arity(type_index)?;
        self.add(cost)?;
        self.apply(params + 1)?;
        self.close();
        self.open(false);
        Ok(())
    }

    fn ref_func(&mut self, function_index: u32) -> Result<(), InjectError> {
        let cost = self.cost(OpKind::RefFunc)?;
        if self.live {
            self.add(cost)?;
        }
        self.shift_index(OP_REF_FUNC, function_index, None)?;
        if self.live {
            self.apply(0)?;
        }
        Ok(())
    }

    /// An operator the validator accepted although it is outside the profile: a bug.
    fn outside(&self) -> Result<(), InjectError> {
        Err(internal("validated operator outside the profile"))
    }

    /// Appends the final body to `out`, size prefix included: locals, stack reserve, wrapper
    /// block, the input operators with the inserts, stack release. `ops_start` is where the
    /// operators start in `bytes`.
    fn assemble(&self, ops_start: usize, wrapper: &[u8], frame: u32, out: &mut Vec<u8>) -> Result<(), InjectError> {
        let enter = Small::stack_call(frame, Import::StackEnter);
        let leave = Small::stack_call(frame, Import::StackLeave);
        // The exact size first, so that the body is written once, straight into `out`. The
        // counters are exact (checked below), and bounded by the input size times a constant.
        let len = self.bytes.len().saturating_sub(self.replaced)
            + self.added
            + (self.leaves + 2) * leave.len
            + 1
            + wrapper.len()
            + 1;
        if len > MAX_FUNCTION_SIZE {
            return Err(InjectError::TooLarge { what: "function body", func: Some(self.func) });
        }
        write_u32(out, len as u32);
        let start = out.len();
        // `WINDOW` spare bytes for the fixed-size writes.
        out.reserve(len + WINDOW);
        let mut w = Cursor { out: &mut *out, overrun: false };

        let bytes = self.bytes;
        w.copy(bytes.get(..ops_start).unwrap_or_default());
        w.small(&enter);
        w.copy(&[OP_BLOCK]);
        w.copy(wrapper);
        let mut prev = ops_start;
        for insert in &self.inserts {
            let at = insert.at as usize;
            w.run(bytes, prev, at);
            prev = at;
            match insert.what {
                What::Charge if insert.value == 0 => {}
                What::Charge => w.small(&Small::gas_call(insert.value, Import::Gas)),
                What::Length => w.small(&Small::gas_call(insert.value, Import::GasLen)),
                What::Pages if insert.value == 0 => {}
                What::Pages => {
                    w.copy(&[OP_MEMORY_SIZE, 0]);
                    w.small(&Small::gas_call(insert.value, Import::GasLen));
                    w.copy(&[OP_DROP]);
                }
                What::Leave => w.small(&leave),
                What::Call | What::RefFunc => {
                    let opcode = if insert.what == What::Call { OP_CALL } else { OP_REF_FUNC };
                    let mut small = Small::new(opcode);
                    small.u32(insert.value as u32);
                    w.small(&small);
                    prev = at + usize::from(insert.replaces);
                }
            }
        }
        w.run(bytes, prev, bytes.len());
        w.small(&leave);
        w.copy(&[OP_END]);
        if w.overrun || out.len() - start != len {
            return Err(internal("function body size mismatch"));
        }
        Ok(())
    }
}

/// Length of [`Small::gas_call`] (`func` is `$gas` or `$gas_len`, one LEB128 byte).
fn gas_call_len(value: u64) -> usize {
    1 + sleb_len(value as i64) + 1 + 1
}

/// Length of a [`What::Pages`] charge: `memory.size 0`, [`Small::gas_call`], `drop`.
fn pages_charge_len(value: u64) -> usize {
    2 + gas_call_len(value) + 1
}

/// Bytes written by one fixed-size copy: see [`Cursor`].
const WINDOW: usize = 16;

/// A short instruction (at most [`WINDOW`] bytes) built on the stack, so that it is written with
/// one fixed-size copy.
struct Small {
    bytes: [u8; WINDOW],
    len: usize,
}

impl Small {
    #[inline(always)]
    fn new(opcode: u8) -> Self {
        let mut bytes = [0; WINDOW];
        bytes[0] = opcode;
        Self { bytes, len: 1 }
    }

    /// `i64.const value; call func` (`func`'s index is below 128: one LEB128 byte).
    #[inline(always)]
    fn gas_call(value: u64, func: Import) -> Self {
        let mut small = Small::new(OP_I64_CONST);
        small.i64(value as i64);
        small.byte(OP_CALL);
        small.byte(func.index() as u8);
        small
    }

    /// `i32.const frame; call func`.
    fn stack_call(frame: u32, func: Import) -> Self {
        let mut small = Small::new(OP_I32_CONST);
        small.i64(i64::from(frame as i32));
        small.byte(OP_CALL);
        small.u32(func.index());
        small
    }

    /// Appends a byte; callers stay within [`WINDOW`] bytes (an opcode, at most 10 LEB128
    /// bytes, and 2 more).
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.bytes[self.len % WINDOW] = b;
        self.len += 1;
    }

    /// Appends the unsigned LEB128 encoding of `v` (at most 5 bytes).
    #[inline(always)]
    fn u32(&mut self, mut v: u32) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.byte(byte);
                return;
            }
            self.byte(byte | 0x80);
        }
    }

    /// Appends the signed LEB128 encoding of `v` (at most 10 bytes).
    #[inline(always)]
    fn i64(&mut self, mut v: i64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
                self.byte(byte);
                return;
            }
            self.byte(byte | 0x80);
        }
    }
}

/// Appends one function body to a buffer that has [`WINDOW`] bytes of spare capacity beyond it:
/// short pieces are stored as a whole window and the excess cut off, which avoids a `memcpy`
/// call per piece.
struct Cursor<'o> {
    out: &'o mut Vec<u8>,
    /// A run outside the input body was asked for (a bug: inserts lie within the body).
    overrun: bool,
}

impl Cursor<'_> {
    /// Appends the first `len` bytes of `window` (`len <= WINDOW`).
    #[inline(always)]
    fn window(&mut self, window: &[u8; WINDOW], len: usize) {
        let end = self.out.len() + len;
        self.out.extend_from_slice(window);
        self.out.truncate(end);
    }

    #[inline(always)]
    fn small(&mut self, small: &Small) {
        self.window(&small.bytes, small.len.min(WINDOW));
    }

    fn copy(&mut self, src: &[u8]) {
        self.out.extend_from_slice(src);
    }

    /// Copies `bytes[from..to]`. Most runs between two inserts are a few operators long: one of
    /// at most [`WINDOW`] bytes is copied as a window when the input has that many bytes left.
    #[inline(always)]
    fn run(&mut self, bytes: &[u8], from: usize, to: usize) {
        let n = to.wrapping_sub(from);
        if n <= WINDOW {
            if let Some(window) = bytes.get(from..).and_then(|rest| rest.first_chunk::<WINDOW>()) {
                self.window(window, n);
                return;
            }
        }
        match bytes.get(from..to) {
            Some(run) => self.copy(run),
            None => self.overrun = true,
        }
    }
}

/// The decoder checks `else` and `end` against the validator's control stack (one source of
/// truth, no second stack to maintain).
impl FrameStack for Body<'_, '_> {
    fn current_frame(&self) -> Option<FrameKind> {
        self.v.get_control_frame(0).map(|f| f.kind)
    }
}

/// Generates the `visit_*` methods: validate the operator with the validator's own `visit_*`
/// (same offset, same errors as `FuncValidator::op`), then meter it. The `@step` rules pick the
/// metering: control operators, calls and `ref.func` have their own method; every other operator
/// of the profile's proposals is [`Body::plain`]; anything else cannot pass validation.
macro_rules! define_visit {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if let Err(e) = self.v.visitor(self.offset as u64).$visit($($($arg.clone()),*)?) {
                    return Err(Box::new(e.into()));
                }
                define_visit!(@step self $proposal $op $visit $($($arg)*)?).map_err(Box::new)
            }
        )*
    };
    (@step $s:ident $p:ident $op:ident visit_unreachable) => { $s.unreachable() };
    (@step $s:ident $p:ident $op:ident visit_block $bt:ident) => { $s.block($bt) };
    (@step $s:ident $p:ident $op:ident visit_loop $bt:ident) => { $s.loop_($bt) };
    (@step $s:ident $p:ident $op:ident visit_if $bt:ident) => { $s.if_($bt) };
    (@step $s:ident $p:ident $op:ident visit_else) => { $s.else_() };
    (@step $s:ident $p:ident $op:ident visit_end) => { $s.end() };
    (@step $s:ident $p:ident $op:ident visit_br $d:ident) => { $s.br($d) };
    (@step $s:ident $p:ident $op:ident visit_br_if $d:ident) => { $s.br_if($d) };
    (@step $s:ident $p:ident $op:ident visit_br_table $t:ident) => { $s.br_table($t) };
    (@step $s:ident $p:ident $op:ident visit_return) => { $s.return_() };
    (@step $s:ident $p:ident $op:ident visit_call $f:ident) => { $s.call($f, None) };
    (@step $s:ident $p:ident $op:ident visit_call_indirect $t:ident $table:ident) => { $s.call_indirect($t) };
    (@step $s:ident $p:ident $op:ident visit_ref_func $f:ident) => { $s.ref_func($f) };
    (@step $s:ident $p:ident $op:ident visit_memory_grow $m:ident) => { $s.memory_grow() };
    // In the reference-types group but not in the profile (multi-result `select` is invalid).
    (@step $s:ident $p:ident $op:ident visit_typed_select_multi $($a:ident)*) => { $s.outside() };
    (@step $s:ident mvp $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident sign_extension $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident saturating_float_to_int $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident bulk_memory $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident reference_types $op:ident $visit:ident $($a:ident)*) => { $s.plain(OpKind::$op) };
    (@step $s:ident $p:ident $op:ident $visit:ident $($a:ident)*) => { $s.outside() };
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitOperator<'a> for Body<'_, '_> {
    /// Boxed, so that the result of every operator fits in a register.
    type Output = Result<(), Box<InjectError>>;

    /// SIMD operators go to the validator too, so that they are rejected with its message.
    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_visit);
}

/// Generates the SIMD `visit_*` methods: the validator rejects them (SIMD is outside the
/// profile); should it not, that is a bug.
macro_rules! define_visit_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if let Err(e) = self.v.simd_visitor(self.offset as u64).$visit($($($arg.clone()),*)?) {
                    return Err(Box::new(e.into()));
                }
                self.outside().map_err(Box::new)
            }
        )*
    };
}

#[allow(clippy::clone_on_copy)]
impl<'a> VisitSimdOperator<'a> for Body<'_, '_> {
    wasmparser::for_each_visit_simd_operator!(define_visit_simd);
}

#[cfg(test)]
mod tests {
    use super::{sleb_len, uleb_len, var_i32, var_i64, var_u32};
    use wasmparser::BinaryReader;

    #[test]
    fn leb_lengths_match_the_encoders() {
        for v in [0i64, 1, -1, 63, 64, -64, -65, 127, 128, 8191, 8192, -8192, -8193, i64::MAX, i64::MIN, 1 << 40] {
            let mut out = Vec::new();
            crate::write_i64(&mut out, v);
            assert_eq!(sleb_len(v), out.len(), "{v}");
        }
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            crate::write_u32(&mut out, v);
            assert_eq!(uleb_len(v), out.len(), "{v}");
        }
    }

    /// Charges agree with the reference encoder and their computed length, at every LEB128
    /// length.
    #[test]
    fn gas_call_matches_the_encoder() {
        let mut values = vec![0u64, 1, 63, 64, 127, 128, 8191, 8192, u64::MAX, 1 << 63, (1 << 63) - 1];
        for shift in 0..64 {
            values.extend([1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 0x55]);
        }
        for value in values {
            for func in [super::Import::Gas, super::Import::GasLen] {
                let small = super::Small::gas_call(value, func);
                let mut expected = vec![super::OP_I64_CONST];
                crate::write_i64(&mut expected, value as i64);
                expected.extend([super::OP_CALL, func.index() as u8]);
                assert_eq!(&small.bytes[..small.len], &expected[..], "{value:#x}");
                assert_eq!(small.len, super::gas_call_len(value), "{value:#x}");
            }
        }
    }

    /// The word-at-a-time decoder agrees with the bytewise one at every length, position and
    /// limit, with and without 8 bytes to load.
    #[test]
    fn leb_word_decoder_matches_bytewise() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut seen = [false; 11];
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 11) as usize;
            // Continuation bits on the first `len - 1` bytes, random payload bits.
            let mut bytes: Vec<u8> = state.to_le_bytes().iter().chain(&[0x5a, 0xa5, 0x33, 0xcc]).copied().collect();
            for (i, byte) in bytes.iter_mut().enumerate() {
                if i + 1 < len {
                    *byte |= 0x80;
                } else if i + 1 == len {
                    *byte &= 0x7f;
                }
            }
            for cut in [bytes.len(), len + 1, len] {
                let bytes = &bytes[..cut.min(bytes.len())];
                for max in [4, 9] {
                    let word = super::leb(bytes, 0, max);
                    assert_eq!(word, super::leb_bytewise(bytes, 0, max), "{bytes:x?} {max}");
                    if let Some((_, n)) = word {
                        seen[n] = true;
                    }
                }
                let word = super::leb32(bytes, 0).map(|(v, n)| (u64::from(v), n));
                assert_eq!(word, super::leb_bytewise(bytes, 0, 4), "{bytes:x?} 32");
            }
        }
        assert!(seen[1..=9].iter().all(|&s| s), "every length decoded: {seen:?}");
    }

    /// The inline LEB128 decoders agree with wasmparser's reader (values, ends, and errors with
    /// their offsets) on short, padded, overlong, out-of-range and truncated encodings.
    #[test]
    fn leb_decoders_match_the_reader() {
        let mut cases: Vec<Vec<u8>> = vec![vec![], vec![0x80], vec![0xff, 0xff], vec![0xff; 12]];
        for len in 1..=10 {
            for last in [0x00, 0x01, 0x07, 0x08, 0x0f, 0x10, 0x3f, 0x40, 0x70, 0x7f] {
                let mut bytes = vec![0x80 | 0x55; len - 1];
                bytes.push(last);
                cases.push(bytes.clone());
                bytes.iter_mut().for_each(|b| *b |= 0x7f);
                cases.push(bytes);
            }
        }
        let base = 1000;
        fn reader(bytes: &[u8], base: usize) -> BinaryReader<'_> {
            BinaryReader::new_features(bytes, base as u64, crate::features())
        }
        let message = |e: Box<crate::InjectError>| e.to_string();
        // Also followed by more bytes, as inside a body.
        for case in cases.clone() {
            for fill in [0x00, 0x80, 0xff] {
                let mut bytes = case.clone();
                bytes.extend([fill; 9]);
                cases.push(bytes);
            }
        }
        for bytes in &cases {
            let mut r = reader(bytes, base);
            let expected = r.read_var_u32().map(|v| (v, r.current_position())).map_err(|e| message(Box::new(e.into())));
            assert_eq!(var_u32(bytes, base, 0).map_err(message), expected, "u32 {bytes:x?}");
            let mut r = reader(bytes, base);
            let expected = r.read_var_i32().map(|v| (v, r.current_position())).map_err(|e| message(Box::new(e.into())));
            assert_eq!(var_i32(bytes, base, 0).map_err(message), expected, "i32 {bytes:x?}");
            let mut r = reader(bytes, base);
            let expected = r.read_var_i64().map(|v| (v, r.current_position())).map_err(|e| message(Box::new(e.into())));
            assert_eq!(var_i64(bytes, base, 0).map_err(message), expected, "i64 {bytes:x?}");
        }
    }
}
