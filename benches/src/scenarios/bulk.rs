//! Group 13: bulk memory and table operators at lengths 0, 1 and the most the limits allow
//! (issue 11): `memory.fill`, `memory.copy` (overlapping and not), `memory.init`, `data.drop`,
//! `table.fill`, `table.copy`, `table.init`, `elem.drop`, and growing the memory and a table one
//! unit at a time and all at once. Length 0 and 1 show an operator's fixed cost (its operands,
//! its run-time length charge); the longest, its cost per byte or slot.

use super::*;
use crate::attacks::bulk;

const GROUP: u8 = 13;

/// Operations per run at lengths 0 and 1.
fn small_ops(scale: Scale) -> u32 {
    loop_iterations(scale) * 16
}

/// Pages of the memory of the longest memory operations: the most a contract may have (one at
/// tiny sizes).
fn big_memory(scale: Scale) -> u32 {
    scale.pick(max_pages(), max_pages(), 1)
}

/// Operations per run on the whole memory.
fn big_memory_ops(scale: Scale) -> u32 {
    scale.pick(32, 8, 1)
}

/// Bytes of `pages` pages.
fn page_bytes(pages: u32) -> u32 {
    pages * 65536
}

fn memory_fill_0(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::memory_fill(1, 0, 0, n), PLENTY, format!("{n} memory.fill of 0 bytes"))
}

fn memory_fill_1(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::memory_fill(1, 64, 1, n), PLENTY, format!("{n} memory.fill of 1 byte"))
}

fn memory_fill_max(scale: Scale) -> Setup {
    let (pages, n) = (big_memory(scale), big_memory_ops(scale));
    let param = format!("{n} memory.fill of the whole memory, {pages} pages ({})", kib(page_bytes(pages) as usize));
    warm_call(bulk::memory_fill(pages, 0, page_bytes(pages), n), PLENTY, param)
}

fn memory_copy_0(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::memory_copy(1, 0, 0, 0, n), PLENTY, format!("{n} memory.copy of 0 bytes"))
}

fn memory_copy_1(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::memory_copy(1, 64, 0, 1, n), PLENTY, format!("{n} memory.copy of 1 byte"))
}

fn memory_copy_max(scale: Scale) -> Setup {
    let (pages, n) = (big_memory(scale), big_memory_ops(scale));
    let half = page_bytes(pages) / 2;
    let param = format!("{n} memory.copy of half the memory to the other half ({pages} pages; {})", kib(half as usize));
    warm_call(bulk::memory_copy(pages, half, 0, half, n), PLENTY, param)
}

fn memory_copy_max_overlap(scale: Scale) -> Setup {
    let (pages, n) = (big_memory(scale), big_memory_ops(scale));
    let len = page_bytes(pages) - 1;
    let param = format!("{n} memory.copy of the whole memory less a byte, one byte up (overlapping; {pages} pages)");
    warm_call(bulk::memory_copy(pages, 1, 0, len, n), PLENTY, param)
}

/// The distance, modulo 4096, from the source to the destination of the skewed copies: glibc
/// copies 2 KiB to 1 MiB with `rep movsb`, which the reference machine runs about 20 times slower
/// at a distance of 1 to 31 bytes (`tally_vm::bytes`).
const PAGE_SKEW: u32 = 16;

fn memory_fill_skewed(scale: Scale) -> Setup {
    let n = scale.pick(1024, 256, 1);
    let len = scale.pick(65536, 65536, 4096);
    let param = format!("{n} memory.fill of {} from a byte past a page boundary", kib(len as usize));
    warm_call(bulk::memory_fill(2, 1, len, n), PLENTY, param)
}

fn memory_copy_skewed(scale: Scale) -> Setup {
    let n = scale.pick(1024, 256, 1);
    let len = scale.pick(65536, 65536, 4096);
    let dst = len + PAGE_SKEW;
    let pages = (dst + len).div_ceil(65536);
    let param =
        format!("{n} memory.copy of {} to {PAGE_SKEW} bytes past a page boundary from the source", kib(len as usize));
    warm_call(bulk::memory_copy(pages, dst, 0, len, n), PLENTY, param)
}

/// The segment of `memory-init-0` and `memory-init-1`, in bytes.
const SMALL_SEGMENT: u32 = 16;

fn memory_init_0(scale: Scale) -> Setup {
    let n = small_ops(scale);
    let param = format!("{n} memory.init of 0 bytes from a {SMALL_SEGMENT}-byte passive segment");
    warm_call(bulk::memory_init(SMALL_SEGMENT, 0, n), PLENTY, param)
}

fn memory_init_1(scale: Scale) -> Setup {
    let n = small_ops(scale);
    let param = format!("{n} memory.init of 1 byte from a {SMALL_SEGMENT}-byte passive segment");
    warm_call(bulk::memory_init(SMALL_SEGMENT, 1, n), PLENTY, param)
}

fn memory_init_max(scale: Scale) -> Setup {
    // Enough copies that they, not loading the 512 KiB of code, take most of the gas.
    let n = scale.pick(8192, 1024, 1);
    let segment = match scale {
        Scale::Tiny => 1000,
        _ => attacks::largest_fitting(1, limits().data_bytes, max_code(), |len| bulk::memory_init(len, len, 16)),
    };
    let code = bulk::memory_init(segment, segment, n);
    let param =
        format!("{n} memory.init of a whole passive segment of {segment} bytes ({}: code size binds)", kib(code.len()));
    warm_call(code, PLENTY, param)
}

fn data_drop_repeated(scale: Scale) -> Setup {
    let n = small_ops(scale);
    let param = format!("{n} data.drop of one 16-byte passive segment (all but the first find it dropped)");
    warm_call(bulk::data_drop_repeated(16, n), PLENTY, param)
}

fn data_drop_at_limit(scale: Scale) -> Setup {
    let (segments, bytes) = match scale {
        Scale::Tiny => (4, 10),
        _ => {
            let segments = limits().data_segments;
            let most = limits().data_bytes / segments;
            let bytes = attacks::largest_fitting(1, most, max_code(), |b| bulk::data_drop_all(segments, b));
            (segments, bytes)
        }
    };
    let code = bulk::data_drop_all(segments, bytes);
    let param = format!(
        "{segments} passive segments of {bytes} bytes, each dropped once (`data_segments`, {}: code size binds)",
        kib(code.len())
    );
    warm_call(code, PLENTY, param)
}

/// Slots of the table of the longest table operations: the most a table may have.
fn big_table(scale: Scale) -> u32 {
    scale.pick(limits().table_elements, limits().table_elements, 100)
}

/// Operations per run on the whole table.
fn big_table_ops(scale: Scale) -> u32 {
    scale.pick(2048, 512, 1)
}

fn table_fill_0(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::table_fill(16, 0, 0, n), PLENTY, format!("{n} table.fill of 0 slots"))
}

fn table_fill_1(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::table_fill(16, 1, 1, n), PLENTY, format!("{n} table.fill of 1 slot"))
}

fn table_fill_max(scale: Scale) -> Setup {
    let (elements, n) = (big_table(scale), big_table_ops(scale));
    let param = format!("{n} table.fill of a whole table of {elements} (`table_elements`)");
    warm_call(bulk::table_fill(elements, 0, elements, n), PLENTY, param)
}

fn table_copy_0(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::table_copy(16, 0, 0, 0, n), PLENTY, format!("{n} table.copy of 0 slots"))
}

fn table_copy_1(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::table_copy(16, 8, 0, 1, n), PLENTY, format!("{n} table.copy of 1 slot"))
}

fn table_copy_max(scale: Scale) -> Setup {
    let (elements, n) = (big_table(scale), big_table_ops(scale));
    let half = elements / 2;
    let param = format!("{n} table.copy of half a table of {elements} to the other half (`table_elements`)");
    warm_call(bulk::table_copy(elements, half, 0, half, n), PLENTY, param)
}

fn table_copy_max_overlap(scale: Scale) -> Setup {
    let (elements, n) = (big_table(scale), big_table_ops(scale));
    let param = format!("{n} table.copy of a table of {elements} less a slot, one slot up (overlapping)");
    warm_call(bulk::table_copy(elements, 1, 0, elements - 1, n), PLENTY, param)
}

fn table_copy_skewed(scale: Scale) -> Setup {
    let n = scale.pick(2048, 512, 1);
    // Slots are 8 bytes in the VM's tables: 1536 of them are 12 KiB, and a destination 512 slots
    // + 2 past the source's end lies 16 bytes past it modulo 4096 (within `table_elements`).
    let len = scale.pick(1536, 1536, 512);
    let dst = len + 512 + PAGE_SKEW / 8;
    let param = format!("{n} table.copy of {len} slots to {PAGE_SKEW} bytes past a page boundary from the source");
    warm_call(bulk::table_copy(dst + len, dst, 0, len, n), PLENTY, param)
}

fn table_init_0(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::table_init(16, 0, n), PLENTY, format!("{n} table.init of 0 slots from a 16-item passive segment"))
}

fn table_init_1(scale: Scale) -> Setup {
    let n = small_ops(scale);
    warm_call(bulk::table_init(16, 1, n), PLENTY, format!("{n} table.init of 1 slot from a 16-item passive segment"))
}

fn table_init_max(scale: Scale) -> Setup {
    let n = big_table_ops(scale);
    let items = scale.pick(limits().elem_items, limits().elem_items, 100).min(big_table(scale));
    let param = format!("{n} table.init of a whole passive segment of {items} items (`elem_items`, `table_elements`)");
    warm_call(bulk::table_init(items, items, n), PLENTY, param)
}

fn elem_drop_repeated(scale: Scale) -> Setup {
    let n = small_ops(scale);
    let param = format!("{n} elem.drop of one 16-item passive segment (all but the first find it dropped)");
    warm_call(bulk::elem_drop_repeated(16, n), PLENTY, param)
}

fn elem_drop_at_limit(scale: Scale) -> Setup {
    let (segments, items) = match scale {
        Scale::Tiny => (4, 10),
        _ => (limits().elem_segments, limits().elem_items / limits().elem_segments),
    };
    let param =
        format!("{segments} passive segments of {items} items, each dropped once (`elem_segments`, `elem_items`)");
    warm_call(bulk::elem_drop_all(segments, items), PLENTY, param)
}

fn table_grow_1(scale: Scale) -> Setup {
    let elements = big_table(scale);
    let param = format!("{elements} table.grow by 1 slot, from 0 to {elements} (`table_elements`)");
    warm_call(bulk::table_grow(1, elements), PLENTY, param)
}

fn table_grow_max(scale: Scale) -> Setup {
    let elements = big_table(scale);
    let param = format!("one table.grow by {elements} slots, from 0 (`table_elements`)");
    warm_call(bulk::table_grow(elements, 1), PLENTY, param)
}

fn memory_grow_1(scale: Scale) -> Setup {
    let pages = scale.pick(max_pages(), max_pages(), 2);
    let param = format!("{pages} memory.grow by 1 page, from 0 to {pages} (the memory limit)");
    warm_call(bulk::memory_grow(1, pages), PLENTY, param)
}

fn memory_grow_max(scale: Scale) -> Setup {
    let pages = scale.pick(max_pages(), max_pages(), 2);
    let param = format!("one memory.grow by {pages} pages, from 0 (the memory limit)");
    warm_call(bulk::memory_grow(pages, 1), PLENTY, param)
}

/// Group 13's scenarios, in report order.
pub(super) fn scenarios() -> Vec<Scenario> {
    let s = |name, setup| Scenario { name, group: GROUP, refused: false, setup };
    vec![
        s("memory-fill-0", memory_fill_0 as fn(Scale) -> Setup),
        s("memory-fill-1", memory_fill_1),
        s("memory-fill-max", memory_fill_max),
        s("memory-fill-skewed", memory_fill_skewed),
        s("memory-copy-0", memory_copy_0),
        s("memory-copy-1", memory_copy_1),
        s("memory-copy-max", memory_copy_max),
        s("memory-copy-max-overlap", memory_copy_max_overlap),
        s("memory-copy-skewed", memory_copy_skewed),
        s("memory-init-0", memory_init_0),
        s("memory-init-1", memory_init_1),
        s("memory-init-max", memory_init_max),
        s("data-drop-repeated", data_drop_repeated),
        s("data-drop-at-limit", data_drop_at_limit),
        s("table-fill-0", table_fill_0),
        s("table-fill-1", table_fill_1),
        s("table-fill-max", table_fill_max),
        s("table-copy-0", table_copy_0),
        s("table-copy-1", table_copy_1),
        s("table-copy-max", table_copy_max),
        s("table-copy-max-overlap", table_copy_max_overlap),
        s("table-copy-skewed", table_copy_skewed),
        s("table-init-0", table_init_0),
        s("table-init-1", table_init_1),
        s("table-init-max", table_init_max),
        s("elem-drop-repeated", elem_drop_repeated),
        s("elem-drop-at-limit", elem_drop_at_limit),
        s("table-grow-1", table_grow_1),
        s("table-grow-max", table_grow_max),
        s("memory-grow-1", memory_grow_1),
        s("memory-grow-max", memory_grow_max),
    ]
}
