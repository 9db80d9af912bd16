//! Instrumentation of one function body, in one pass fused with its validation.
//!
//! [`instrument_body`] runs three parts, one per file:
//!
//! - [`decode`] reads the operators. The most frequent ones (loads and stores included) are
//!   decoded straight from the body's bytes by a hand-written decoder; the rest go through
//!   wasmparser's operator decoder, with the meter's [`Body`] as its visitor. Either
//!   way each operator is decoded once and dispatched once: it is validated by the validator's
//!   own `visit_*` for that operator, then metered. The validator is either of [`validate`]'s
//!   two (the profile's own, or wasmparser's when the module driver runs a body again after
//!   the profile's declined it); the decoder and the meter are generic over it.
//! - [`meter`] is the metering state machine: where regions start and end and what they cost,
//!   the memory-access (page) charges, length charges, stack releases, and the shadow operand
//!   stack that sizes the frame.
//! - [`assemble`] writes the output. Nothing is copied while scanning: everything that differs
//!   from the input (region charges, length charges, stack releases, `call`/`ref.func` with a
//!   shifted index) is recorded as an edit at a byte offset of the input body, because a
//!   region's cost and the frame size are only known later; the output body is then written in
//!   one sweep, copying the unchanged byte ranges between edits verbatim. Nothing is ever
//!   spliced, so the work is linear in the body size.
//!
//! The files depend on each other in one direction only: this driver on all of them, the decoder
//! on the meter, the meter on the writer (for the edits it records), both on `validate`.

mod assemble;
mod ctx;
mod decode;
mod meter;
mod validate;

pub(crate) use ctx::{ModuleCtx, OpInfo, Resources, TypeInfo};
pub(crate) use meter::Scratch;
pub(crate) use validate::{Fast, Validate};
use wasmparser::{FunctionBody, ValType};

use crate::error::InjectError;
use crate::origin::OffsetMap;
use decode::{reader_at, step};
use meter::Body;

/// Instruments one function body (`params`: the function's parameter types; `wrapper`: the
/// encoded `[] -> results` block type of the wrapper block) and appends it to `out`, size
/// prefix included, recording where each piece came from in `map` if given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn instrument_body<'a, V: Validate>(
    ctx: &'a ModuleCtx<'a>,
    scratch: &mut Scratch,
    func: u32,
    params: &[ValType],
    body: &FunctionBody<'a>,
    validator: &mut V,
    wrapper: &[u8],
    out: &mut Vec<u8>,
    map: Option<&mut OffsetMap>,
) -> Result<(), InjectError> {
    let bytes = body.as_bytes();
    let base = body.range().start as usize;
    let stack = &ctx.schedule.stack;

    // Locals: validated, sized and copied verbatim.
    let mut frame: u64 = u64::from(stack.activation);
    let mut n_locals: u64 = 0;
    let ops_start = tally_profile::locals::read_locals(body, |offset, n, ty| {
        validator.define_locals(offset, n, ty).map_err(|e| *V::rejected(e))?;
        let size = stack.size_of(ty).ok_or(InjectError::UnsupportedType { func, offset: offset as usize })?;
        n_locals += u64::from(n);
        frame = frame.saturating_add(u64::from(n) * u64::from(size));
        Ok::<(), InjectError>(())
    })? as usize;

    // Parameters count toward the frame too.
    for &p in params {
        let size = stack.size_of(p).ok_or(InjectError::UnsupportedType { func, offset: base })?;
        frame = frame.saturating_add(u64::from(size));
    }

    let mut b = Body::new(ctx, scratch, func, validator, bytes, base, ops_start);
    b.charge_locals(n_locals)?;

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
    let operand_stack = b.finish(scratch)?;

    let frame = frame.saturating_add(operand_stack);
    let frame = u32::try_from(frame).map_err(|_| InjectError::FrameTooLarge { func, units: frame })?;
    scratch.edits().assemble(func, bytes, base, ops_start.wrapping_sub(base), wrapper, frame, out, map)
}
