//! Builders of group 13's contracts: loops of one bulk memory or table operator (`memory.fill`,
//! `memory.copy`, `memory.init`, `data.drop`, `table.fill`, `table.copy`, `table.init`,
//! `elem.drop`) at a given length, and memory and table growth. The sizes are parameters; the
//! scenarios pick 0, 1 and the most the limits allow. Each operator's operands are constants, so
//! a loop runs the operator and the pushes of its operands and nothing else.

use super::{text_contract, unroll, Method};

/// Exactly `count` (at least 1) copies of `op`, as many to an iteration as possible up to 16,
/// in a contract with the module fields `fields`, then `after`.
fn op_loop(fields: &str, op: &str, count: u32, after: &str) -> Vec<u8> {
    let count = count.max(1);
    let unroll = unroll(count);
    let body = vec![op; unroll as usize].join("\n      ");
    text_contract(&Method { fields, body: &body, iterations: count / unroll, after, ..Method::default() })
}

/// A memory of `pages` pages (fixed size).
fn memory(pages: u32) -> String {
    format!("(memory {pages} {pages})")
}

/// `count` × `memory.fill` of `len` bytes at `dst` (value 0x5a) in a memory of `pages` pages.
pub fn memory_fill(pages: u32, dst: u32, len: u32, count: u32) -> Vec<u8> {
    let op = format!("(memory.fill (i32.const {dst}) (i32.const 0x5a) (i32.const {len}))");
    op_loop(&memory(pages), &op, count, "")
}

/// `count` × `memory.copy` of `len` bytes from `src` to `dst` in a memory of `pages` pages (the
/// ranges overlap when they are closer than `len`).
pub fn memory_copy(pages: u32, dst: u32, src: u32, len: u32, count: u32) -> Vec<u8> {
    let op = format!("(memory.copy (i32.const {dst}) (i32.const {src}) (i32.const {len}))");
    op_loop(&memory(pages), &op, count, "")
}

/// A passive data segment `$d` of `len` bytes.
fn passive_data(len: u32) -> String {
    format!("(data $d \"{}\")", "a".repeat(len as usize))
}

/// `count` × `memory.init` of `len` bytes from a passive data segment of `segment` bytes to
/// address 0, in a memory just large enough for the segment.
pub fn memory_init(segment: u32, len: u32, count: u32) -> Vec<u8> {
    let fields = format!("{} {}", memory(segment.div_ceil(65536).max(1)), passive_data(segment));
    let op = format!("(memory.init $d (i32.const 0) (i32.const 0) (i32.const {len}))");
    op_loop(&fields, &op, count, "")
}

/// `count` × `data.drop` of one passive data segment of `segment` bytes: all but the first drop
/// find it dropped already.
pub fn data_drop_repeated(segment: u32, count: u32) -> Vec<u8> {
    op_loop(&passive_data(segment), "(data.drop $d)", count, "")
}

/// `segments` passive data segments of `bytes` bytes each, every one dropped once by the method.
pub fn data_drop_all(segments: u32, bytes: u32) -> Vec<u8> {
    let one = format!("(data \"{}\")", "a".repeat(bytes as usize));
    let fields = vec![one; segments as usize].join("\n  ");
    let drops: Vec<String> = (0..segments).map(|k| format!("(data.drop {k})")).collect();
    text_contract(&Method { fields: &fields, body: &drops.join("\n      "), iterations: 1, ..Method::default() })
}

/// A table of `elements` funcrefs (initial size, no maximum) and a function `$f`.
fn table(elements: u32) -> String {
    format!("(table {elements} funcref) (func $f)")
}

/// [`table`], with `$f` declared for `ref.func` (a declarative element segment of one item).
fn table_with_ref(elements: u32) -> String {
    format!("{} (elem declare func $f)", table(elements))
}

/// `count` × `table.fill` of `len` slots at `dst` with `ref.func $f`, in a table of `elements`.
pub fn table_fill(elements: u32, dst: u32, len: u32, count: u32) -> Vec<u8> {
    let op = format!("(table.fill (i32.const {dst}) (ref.func $f) (i32.const {len}))");
    op_loop(&table_with_ref(elements), &op, count, "")
}

/// `count` × `table.copy` of `len` slots from `src` to `dst` in a table of `elements`.
pub fn table_copy(elements: u32, dst: u32, src: u32, len: u32, count: u32) -> Vec<u8> {
    let op = format!("(table.copy (i32.const {dst}) (i32.const {src}) (i32.const {len}))");
    op_loop(&table(elements), &op, count, "")
}

/// A passive element segment `$e` of `items` references to `$f`.
fn passive_elem(items: u32) -> String {
    format!("(elem $e func{})", " $f".repeat(items as usize))
}

/// `count` × `table.init` of `len` slots from a passive element segment of `items` items to slot
/// 0 of a table of `items` elements.
pub fn table_init(items: u32, len: u32, count: u32) -> Vec<u8> {
    let fields = format!("{} {}", table(items.max(1)), passive_elem(items));
    let op = format!("(table.init $e (i32.const 0) (i32.const 0) (i32.const {len}))");
    op_loop(&fields, &op, count, "")
}

/// `count` × `elem.drop` of one passive element segment of `items` items: all but the first drop
/// find it dropped already.
pub fn elem_drop_repeated(items: u32, count: u32) -> Vec<u8> {
    op_loop(&format!("(func $f) {}", passive_elem(items)), "(elem.drop $e)", count, "")
}

/// `segments` passive element segments of `items` items each, every one dropped once by the
/// method.
pub fn elem_drop_all(segments: u32, items: u32) -> Vec<u8> {
    let one = format!("(elem func{})", " $f".repeat(items as usize));
    let fields = format!("(func $f) {}", vec![one; segments as usize].join("\n  "));
    let drops: Vec<String> = (0..segments).map(|k| format!("(elem.drop {k})")).collect();
    text_contract(&Method { fields: &fields, body: &drops.join("\n      "), iterations: 1, ..Method::default() })
}

/// A table that starts empty, grown `times` times by `by` slots (holding `ref.func $f`); the
/// method traps (`unreachable`) unless the table ends with `by × times` slots: every growth
/// must succeed.
pub fn table_grow(by: u32, times: u32) -> Vec<u8> {
    let op = format!("(drop (table.grow (ref.func $f) (i32.const {by})))");
    let check = format!("(if (i32.ne (table.size) (i32.const {})) (then unreachable))", by * times);
    op_loop(&table_with_ref(0), &op, times, &check)
}

/// A memory that starts empty, grown `times` times by `by` pages; the method traps
/// (`unreachable`) unless the memory ends with `by × times` pages.
pub fn memory_grow(by: u32, times: u32) -> Vec<u8> {
    let op = format!("(drop (memory.grow (i32.const {by})))");
    let check = format!("(if (i32.ne (memory.size) (i32.const {})) (then unreachable))", by * times);
    op_loop("(memory 0)", &op, times, &check)
}
