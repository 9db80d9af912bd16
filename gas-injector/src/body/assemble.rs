//! The output writer: the edits the meter records while it scans a body, and the sweep that
//! writes the instrumented body from the input and those edits.
//!
//! An edit ([`Insert`]) is something written before a byte offset of the input body: a region's
//! charge, its memory-access (page) charge, a length charge, a stack release, a branch charge, or
//! a `call` or
//! `ref.func` re-encoded with its function index shifted. [`Edits`] keeps them in input order
//! together with the number of bytes they add and replace, so that [`Edits::assemble`] knows
//! the output's exact size before writing it: it writes the body once, straight into the
//! module's output, copying the unchanged byte ranges between edits verbatim.
//!
//! The instructions written here are the patterns `SPEC.md` specifies and `verify` strips; the
//! function indices they call are those of `tally_profile::metering`.

use tally_profile::metering::Import;

use crate::error::{internal, InjectError};
use crate::leb::{sleb_len, uleb_len, write_u32};
use crate::origin::{mark, OffsetMap, Origin};

const OP_I32_CONST: u8 = 0x41;
const OP_I64_CONST: u8 = 0x42;
const OP_CALL: u8 = 0x10;
const OP_BLOCK: u8 = 0x02;
const OP_END: u8 = 0x0B;
const OP_REF_FUNC: u8 = 0xD2;
const OP_MEMORY_SIZE: u8 = 0x3F;
const OP_DROP: u8 = 0x1A;
const OP_SELECT: u8 = 0x1B;
const OP_I32_GT_U: u8 = 0x4B;
const OP_I32_SUB: u8 = 0x6B;

/// WebAssembly's limit on the size of one function body (as enforced by wasmparser).
const MAX_FUNCTION_SIZE: usize = 7_654_321;

/// What an [`Insert`] writes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum What {
    /// `i64.const value; call $gas` (a region's charge), omitted when `value == 0`.
    Charge,
    /// A region's [`What::Charge`], then its memory-access charge, `memory.size; i64.const
    /// pages; call $gas_len; drop` (`pages`: its loads and stores times the per-page access
    /// cost, charged per page of the memory at run time), omitted when `pages == 0`. One insert
    /// for both: most regions have no load or store, and the sweep then skips one entry.
    ChargePages,
    /// A region's memory-access charge above the threshold, right after its
    /// [`What::ChargePages`] (or [`What::Charge`]): `memory.size 0; i32.const T; i32.sub;
    /// i32.const 0; memory.size 0; i32.const T; i32.gt_u; select; i64.const value; call
    /// $gas_len; drop` (`value`: its loads and stores times the per-page access cost above `T`,
    /// the threshold, in the insert's `pages`), omitted when `value == 0`. Only recorded when
    /// the schedule prices pages above a threshold.
    ChargeAbove,
    /// `i32.const F; call $stack_leave`.
    Leave,
    /// `i32.const site; i64.const value; call $branch` (`value`: the cost of a change of
    /// direction, above 0; `site`: the branch site's number, in the insert's `pages`).
    Branch,
    /// `i64.const value; call $gas_len` (`value`: the unit, above 0).
    Length,
    /// `call value`: the input's `call` with its function index shifted.
    Call,
    /// `ref.func value`: the input's `ref.func` with its function index shifted.
    RefFunc,
}

/// Something written at a byte offset of the input body, before the input byte there. Packed
/// into 24 bytes: a body's scan records one per region, call and release.
#[derive(Clone, Copy)]
struct Insert {
    /// Offset in the input body (which is smaller than 4 GiB: its size is a `u32`).
    at: u32,
    what: What,
    /// Input bytes replaced from `at` on (`Call`, `RefFunc`: the whole operator), else 0.
    replaces: u8,
    /// The charge, the unit, or the shifted function index.
    value: u64,
    /// The memory-access charge's unit (`ChargePages`), the site's number (`Branch`), the
    /// threshold (`ChargeAbove`), else 0.
    pages: u64,
}

const _: () = assert!(std::mem::size_of::<Insert>() == 24);

impl Insert {
    fn new(at: usize, what: What, value: u64) -> Self {
        Self { at: at as u32, what, replaces: 0, value, pages: 0 }
    }
}

/// Everything the output body has that the input body lacks, in input order, with the byte
/// counts that give the output's exact size. The meter records them while it scans (a region's
/// charges first as placeholders, given their values when the region closes); [`Edits::assemble`]
/// writes them.
#[derive(Default)]
pub(super) struct Edits {
    inserts: Vec<Insert>,
    /// Bytes the inserts add, `Leave`s excluded (their size depends on the frame size).
    added: usize,
    /// Input bytes the `Call` and `RefFunc` inserts replace.
    replaced: usize,
    /// Number of `Leave` inserts.
    leaves: usize,
}

impl Edits {
    /// Makes room for `n` more edits.
    pub(super) fn reserve(&mut self, n: usize) {
        self.inserts.reserve(n);
    }

    /// Forgets every edit, keeping the buffer.
    pub(super) fn clear(&mut self) {
        self.inserts.clear();
        self.added = 0;
        self.replaced = 0;
        self.leaves = 0;
    }

    /// Records the charge of a region starting before the input byte at `pos`, followed by its
    /// memory-access charge when `pages`, and by its charge above `above`'s threshold when
    /// `above` is given; all are 0 until [`Edits::close_region`]. Returns the region's handle.
    #[inline]
    pub(super) fn open_region(&mut self, pos: usize, pages: bool, above: Option<u32>) -> usize {
        let region = self.inserts.len();
        self.inserts.push(Insert::new(pos, if pages { What::ChargePages } else { What::Charge }, 0));
        if let Some(threshold) = above {
            self.inserts.push(Insert { pages: u64::from(threshold), ..Insert::new(pos, What::ChargeAbove, 0) });
        }
        region
    }

    /// Moves the charges of `region` before the input byte at `pos`.
    #[inline(always)]
    pub(super) fn move_region(&mut self, region: usize, pos: usize) {
        if let Some(insert) = self.inserts.get_mut(region) {
            if matches!(insert.what, What::Charge | What::ChargePages) {
                insert.at = pos as u32;
            }
        }
        if let Some(insert) = self.inserts.get_mut(region + 1) {
            if insert.what == What::ChargeAbove {
                insert.at = pos as u32;
            }
        }
    }

    /// Gives `region` its charge, `cost`, its memory-access charge's unit, `pages_unit`, and
    /// the unit of its charge above the threshold, `above_unit` (each is omitted from the output
    /// when 0).
    #[inline]
    pub(super) fn close_region(&mut self, region: usize, cost: u64, pages_unit: u64, above_unit: u64) {
        if let Some(charge) = self.inserts.get_mut(region) {
            charge.value = cost;
            if cost > 0 {
                self.added += gas_call_len(cost);
            }
            if charge.what == What::ChargePages {
                charge.pages = pages_unit;
                if pages_unit > 0 {
                    self.added += pages_charge_len(pages_unit);
                }
            }
        }
        if let Some(above) = self.inserts.get_mut(region + 1) {
            if above.what == What::ChargeAbove {
                above.value = above_unit;
                if above_unit > 0 {
                    self.added += above_charge_len(above.pages as u32, above_unit);
                }
            }
        }
    }

    /// Records a length charge of `unit` per unit before the input byte at `pos`.
    #[inline]
    pub(super) fn length_charge(&mut self, pos: usize, unit: u64) {
        self.inserts.push(Insert::new(pos, What::Length, unit));
        self.added += gas_call_len(unit);
    }

    /// Records the branch charge of site number `site`, whose change of direction costs `cost`
    /// (above 0), before the input byte at `pos`.
    #[inline]
    pub(super) fn branch_charge(&mut self, pos: usize, site: u32, cost: u64) {
        self.inserts.push(Insert { pages: u64::from(site), ..Insert::new(pos, What::Branch, cost) });
        self.added += branch_call_len(site, cost);
    }

    /// Records a stack release before the input byte at `pos`.
    #[inline]
    pub(super) fn stack_release(&mut self, pos: usize) {
        self.inserts.push(Insert::new(pos, What::Leave, 0));
        self.leaves += 1;
    }

    /// Records that the input's operator at `pos..end`, a `call` or a `ref.func` (`what`), is
    /// written with the function index `shifted`.
    #[inline]
    pub(super) fn shifted_index(&mut self, what: What, pos: usize, end: usize, shifted: u32) {
        let replaces = end.saturating_sub(pos);
        self.inserts.push(Insert { replaces: replaces as u8, ..Insert::new(pos, what, u64::from(shifted)) });
        self.added += 1 + uleb_len(shifted);
        self.replaced += replaces;
    }

    /// Appends the instrumented body of function `func` to `out`, size prefix included: the
    /// input body's locals, the stack reservation of `frame` units, the wrapper block (`wrapper`:
    /// its encoded block type), the input operators with the edits, the stack release. `bytes`
    /// is the input body, at offset `base` of the input, whose operators start at `ops_start`.
    /// Records where each piece came from in `map`, if given.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn assemble(
        &self,
        func: u32,
        bytes: &[u8],
        base: usize,
        ops_start: usize,
        wrapper: &[u8],
        frame: u32,
        out: &mut Vec<u8>,
        mut map: Option<&mut OffsetMap>,
    ) -> Result<(), InjectError> {
        let enter = Small::stack_call(frame, Import::StackEnter);
        let leave = Small::stack_call(frame, Import::StackLeave);
        // The exact size first, so that the body is written once, straight into `out`. The
        // counters are exact (checked below), and bounded by the input size times a constant.
        let len = bytes.len().saturating_sub(self.replaced)
            + self.added
            + (self.leaves + 2) * leave.len
            + 1
            + wrapper.len()
            + 1;
        if len > MAX_FUNCTION_SIZE {
            return Err(InjectError::TooLarge { what: "function body", func: Some(func) });
        }
        mark(&mut map, out.len(), Origin::Rewritten(base));
        write_u32(out, len as u32);
        let start = out.len();
        // `WINDOW` spare bytes for the fixed-size writes.
        out.reserve(len + WINDOW);
        let mut w = Cursor { out: &mut *out, overrun: false };

        mark(&mut map, w.out.len(), Origin::Copied(base));
        w.copy(bytes.get(..ops_start).unwrap_or_default());
        mark(&mut map, w.out.len(), Origin::Injected(base + ops_start));
        w.small(&enter);
        w.copy(&[OP_BLOCK]);
        w.copy(wrapper);
        let mut prev = ops_start;
        for insert in &self.inserts {
            let at = insert.at as usize;
            if map.is_some() {
                if at > prev {
                    mark(&mut map, w.out.len(), Origin::Copied(base + prev));
                }
                let origin = match insert.what {
                    What::Call | What::RefFunc => Origin::Rewritten(base + at),
                    _ => Origin::Injected(base + at),
                };
                w.run(bytes, prev, at);
                mark(&mut map, w.out.len(), origin);
            } else {
                w.run(bytes, prev, at);
            }
            prev = at;
            match insert.what {
                What::Charge if insert.value == 0 => {}
                What::Charge => w.small(&Small::gas_call(insert.value, Import::Gas)),
                What::ChargePages => {
                    if insert.value != 0 {
                        w.small(&Small::gas_call(insert.value, Import::Gas));
                    }
                    // The memory-access charge's own mark (it was an insert of its own).
                    mark(&mut map, w.out.len(), Origin::Injected(base + at));
                    if insert.pages != 0 {
                        w.copy(&[OP_MEMORY_SIZE, 0]);
                        w.small(&Small::gas_call(insert.pages, Import::GasLen));
                        w.copy(&[OP_DROP]);
                    }
                }
                What::ChargeAbove if insert.value == 0 => {}
                What::ChargeAbove => {
                    // Three pieces: the whole sequence may exceed one window.
                    let threshold = i64::from(insert.pages as u32 as i32);
                    let mut excess = Small::new(OP_MEMORY_SIZE);
                    excess.byte(0);
                    excess.byte(OP_I32_CONST);
                    excess.i64(threshold);
                    excess.byte(OP_I32_SUB);
                    excess.byte(OP_I32_CONST);
                    excess.byte(0);
                    w.small(&excess);
                    let mut above = Small::new(OP_MEMORY_SIZE);
                    above.byte(0);
                    above.byte(OP_I32_CONST);
                    above.i64(threshold);
                    above.byte(OP_I32_GT_U);
                    above.byte(OP_SELECT);
                    w.small(&above);
                    w.small(&Small::gas_call(insert.value, Import::GasLen));
                    w.copy(&[OP_DROP]);
                }
                What::Length => w.small(&Small::gas_call(insert.value, Import::GasLen)),
                What::Leave => w.small(&leave),
                What::Branch => {
                    // Two pieces: the whole sequence may exceed one window.
                    let mut site = Small::new(OP_I32_CONST);
                    site.i64(i64::from(insert.pages as u32 as i32));
                    w.small(&site);
                    w.small(&Small::gas_call(insert.value, Import::Branch));
                }
                What::Call | What::RefFunc => {
                    let opcode = if insert.what == What::Call { OP_CALL } else { OP_REF_FUNC };
                    let mut small = Small::new(opcode);
                    small.u32(insert.value as u32);
                    w.small(&small);
                    prev = at + usize::from(insert.replaces);
                }
            }
        }
        mark(&mut map, w.out.len(), Origin::Copied(base + prev));
        w.run(bytes, prev, bytes.len());
        mark(&mut map, w.out.len(), Origin::Injected(base + bytes.len()));
        w.small(&leave);
        w.copy(&[OP_END]);
        if w.overrun || out.len() - start != len {
            return Err(internal("function body size mismatch"));
        }
        Ok(())
    }
}

// `Small::gas_call` writes the index of `$gas`, `$gas_len` and `$branch` as one byte.
const _: () = assert!(Import::Gas.index() < 0x80 && Import::GasLen.index() < 0x80 && Import::Branch.index() < 0x80);

/// Length of [`Small::gas_call`] (`func` is `$gas`, `$gas_len` or `$branch`, one LEB128 byte).
fn gas_call_len(value: u64) -> usize {
    1 + sleb_len(value as i64) + 1 + 1
}

/// Length of a branch charge: `i32.const site` and [`Small::gas_call`].
fn branch_call_len(site: u32, cost: u64) -> usize {
    1 + sleb_len(i64::from(site as i32)) + gas_call_len(cost)
}

/// Length of the memory-access charge of a [`What::ChargePages`]: `memory.size 0`,
/// [`Small::gas_call`], `drop`.
fn pages_charge_len(value: u64) -> usize {
    2 + gas_call_len(value) + 1
}

/// Length of a [`What::ChargeAbove`] of threshold `threshold` and unit `value`: twice
/// `memory.size 0` and `i32.const threshold`, `i32.sub`, `i32.const 0`, `i32.gt_u`, `select`,
/// [`Small::gas_call`], `drop`.
fn above_charge_len(threshold: u32, value: u64) -> usize {
    2 * (2 + 1 + sleb_len(i64::from(threshold as i32))) + 1 + 2 + 1 + 1 + gas_call_len(value) + 1
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Charges agree with the reference encoder and their computed length, at every LEB128
    /// length.
    #[test]
    fn gas_call_matches_the_encoder() {
        let mut values = vec![0u64, 1, 63, 64, 127, 128, 8191, 8192, u64::MAX, 1 << 63, (1 << 63) - 1];
        for shift in 0..64 {
            values.extend([1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 0x55]);
        }
        for value in values {
            for func in [Import::Gas, Import::GasLen] {
                let small = Small::gas_call(value, func);
                let mut expected = vec![OP_I64_CONST];
                crate::leb::write_i64(&mut expected, value as i64);
                expected.extend([OP_CALL, func.index() as u8]);
                assert_eq!(&small.bytes[..small.len], &expected[..], "{value:#x}");
                assert_eq!(small.len, gas_call_len(value), "{value:#x}");
            }
        }
    }
}
