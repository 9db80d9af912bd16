//! Where each byte of an instrumented module came from in the original: the map
//! [`instrument_with_map`](crate::instrument_with_map) returns, so that an error an engine
//! reports at an offset of the instrumented module can name the byte of the module as deployed.
//!
//! The writer marks, as it appends to the output, where each piece starts and what it is: bytes
//! copied from the input (mapped byte for byte), an original item re-encoded (a section whose
//! function indices were shifted, a `call` whose index was shifted: mapped to the item's start),
//! or injected metering code (mapped to the original byte it was inserted before). A piece runs
//! until the next mark. Recording is optional, so [`instrument`](crate::instrument) pays nothing
//! for it.

/// Where a byte of the instrumented module came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Copied verbatim from the byte at this offset of the original module.
    Copied(usize),
    /// Part of an original item written anew (its function indices shifted, or a section header
    /// whose size changed); the offset is where the item (or the section's contents) starts in
    /// the original module.
    Rewritten(usize),
    /// Injected by the instrumentation (a charge, a stack reservation or release, an import or
    /// type of the metering contract), inserted before the byte at this offset of the original
    /// module.
    Injected(usize),
}

impl Origin {
    /// The offset in the original module, whatever the kind.
    pub fn offset(self) -> usize {
        match self {
            Origin::Copied(o) | Origin::Rewritten(o) | Origin::Injected(o) => o,
        }
    }
}

/// The start of a piece of output and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Mark {
    /// Offset in the instrumented module where the piece starts.
    out: usize,
    /// For [`Origin::Copied`], the original offset of the piece's first byte.
    origin: Origin,
}

/// Where each byte of an instrumented module came from in the original module; see
/// [`instrument_with_map`](crate::instrument_with_map).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Sorted by `out`, strictly increasing.
    marks: Vec<Mark>,
    /// Length of the instrumented module.
    len: usize,
}

impl OffsetMap {
    /// Where the byte at `offset` of the instrumented module came from; `None` past its end.
    pub fn origin(&self, offset: usize) -> Option<Origin> {
        if offset >= self.len {
            return None;
        }
        let i = self.marks.partition_point(|m| m.out <= offset).checked_sub(1)?;
        let mark = self.marks.get(i)?;
        Some(match mark.origin {
            Origin::Copied(o) => Origin::Copied(o + (offset - mark.out)),
            other => other,
        })
    }

    /// The offset in the original module of the byte at `offset` of the instrumented module
    /// (see [`OffsetMap::origin`] for what it means when the byte was not copied).
    pub fn original_offset(&self, offset: usize) -> Option<usize> {
        self.origin(offset).map(Origin::offset)
    }

    /// Records that the output from `out` on comes from `origin`. A mark at the same position
    /// as the previous one replaces it (that piece was empty).
    pub(crate) fn mark(&mut self, out: usize, origin: Origin) {
        if let Some(last) = self.marks.last_mut() {
            if last.out == out {
                *last = Mark { out, origin };
                return;
            }
        }
        self.marks.push(Mark { out, origin });
    }

    /// Moves every mark at or after `from` by `delta` bytes (a size field was rewritten with a
    /// different length).
    pub(crate) fn shift(&mut self, from: usize, delta: isize) {
        for m in self.marks.iter_mut().filter(|m| m.out >= from) {
            m.out = m.out.wrapping_add_signed(delta);
        }
    }

    /// Closes the map of an output of `len` bytes.
    pub(crate) fn finish(&mut self, len: usize) {
        self.len = len;
    }
}

/// Records a mark in `map` if there is one: what the writers call, so that plain
/// [`instrument`](crate::instrument) skips recording with one test.
#[inline(always)]
pub(crate) fn mark(map: &mut Option<&mut OffsetMap>, out: usize, origin: Origin) {
    if let Some(map) = map {
        map.mark(out, origin);
    }
}
