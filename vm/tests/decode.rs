//! The translator decodes the common operators itself and hands the rest to wasmparser's reader
//! (`vm/src/module/translate/decode.rs`). Whatever it decodes must be decoded exactly as the
//! reader would: the same module accepted, and a rejected one rejected with the same message at
//! the same offset. The reference is wasmparser's own validation under the profile
//! (`tally_profile::validate`), which reads every operator with the reader.

use tally_vm::{Engine, Error, Module};

/// `n` as an unsigned LEB128.
fn leb(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A module with one memory, one table, one global, the types `[] -> []`, `[i32] -> [i32]` and
/// `[i32 i32] -> [i32]`, function 0 of type 1 whose body (locals included) is `body`, and
/// function 1 of type 0 (`nop`) for calls.
fn module_with_body(body: &[u8]) -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    // Types: [] -> [], [i32] -> [i32], [i32 i32] -> [i32].
    wasm.extend([0x01, 0x0f, 0x03, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f]);
    wasm.extend([0x03, 0x03, 0x02, 0x01, 0x00]); // functions: type 1, type 0
    wasm.extend([0x04, 0x04, 0x01, 0x70, 0x00, 0x01]); // table: 1 funcref
    wasm.extend([0x05, 0x03, 0x01, 0x00, 0x01]); // memory: 1 page
    wasm.extend([0x06, 0x06, 0x01, 0x7f, 0x01, 0x41, 0x00, 0x0b]); // global: mut i32 = 0
    let mut code = vec![0x02];
    leb(body.len(), &mut code);
    code.extend(body);
    code.extend([0x02, 0x00, 0x0b]); // function 1: no locals, `end`
    wasm.push(0x0a);
    leb(code.len(), &mut wasm);
    wasm.extend(code);
    wasm
}

/// What `Module::new` says of `wasm`: accepted, or the rejection's message and offset; `None`
/// for a rejection of another kind (a limit), which the reference does not know.
fn vm_verdict(wasm: &[u8]) -> Option<Result<(), (String, usize)>> {
    match Module::new(&Engine::default(), wasm) {
        Ok(_) => Some(Ok(())),
        Err(Error::Invalid { message, offset } | Error::UnsupportedFeature { message, offset }) => {
            Some(Err((message, offset)))
        }
        Err(_) => None,
    }
}

/// What wasmparser's validation under the profile says of `wasm`.
fn reference_verdict(wasm: &[u8]) -> Result<(), (String, usize)> {
    tally_profile::validate(wasm).map_err(|e| (e.message().to_string(), e.offset() as usize))
}

/// Asserts that the VM and the reference judge the module with `body` alike; returns whether
/// they accept it.
fn assert_same_verdict(body: &[u8]) -> bool {
    let wasm = module_with_body(body);
    let reference = reference_verdict(&wasm);
    if let Some(vm) = vm_verdict(&wasm) {
        assert_eq!(vm, reference, "body {body:02x?}");
    }
    reference.is_ok()
}

/// A valid body of type `[i32] -> [i32]` with every operator form the decoder handles itself
/// and several it hands over.
fn rich_body() -> Vec<u8> {
    vec![
        0x01, 0x02, 0x7e, // locals: 2 × i64
        0x02, 0x40, // block
        0x03, 0x40, // loop
        0x20, 0x00, // local.get 0
        0x41, 0x7f, // i32.const -1
        0x6a, // i32.add
        0x22, 0x00, // local.tee 0
        0x0d, 0x00, // br_if 0
        0x0b, // end (loop)
        0x41, 0xe5, 0x8e, 0x26, // i32.const 624485
        0x1a, // drop
        0x20, 0x00, // local.get 0
        0x04, 0x7f, // if (result i32)
        0x41, 0x01, // i32.const 1
        0x05, // else
        0x41, 0x02, // i32.const 2
        0x0b, // end (if)
        0x28, 0x02, 0x04, // i32.load align=2 offset=4
        0x1a, // drop
        0x41, 0x00, // i32.const 0
        0x20, 0x00, // local.get 0
        0x36, 0x02, 0x88, 0x01, // i32.store align=2 offset=136
        0x42, 0x80, 0x7f, // i64.const -128
        0x21, 0x01, // local.set 1
        0x41, 0x08, // i32.const 8
        0x20, 0x01, // local.get 1
        0x42, 0x03, // i64.const 3
        0x86, // i64.shl
        0x37, 0x03, 0x00, // i64.store align=3
        0x23, 0x00, // global.get 0
        0x24, 0x00, // global.set 0
        0x10, 0x01, // call 1
        0x20, 0x00, // local.get 0
        0x41, 0x00, // i32.const 0
        0x11, 0x01, 0x00, // call_indirect (type 1) table 0
        0x1a, // drop
        0x3f, 0x00, // memory.size
        0x40, 0x00, // memory.grow
        0x1a, // drop
        0x41, 0x00, // i32.const 0
        0x0e, 0x01, 0x00, 0x00, // br_table 0 0
        0x0b, // end (block)
        0x43, 0x00, 0x00, 0x80, 0x3f, // f32.const 1.0
        0xa8, // i32.trunc_f32_s
        0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // f64.const 1.0
        0xaa, // i32.trunc_f64_s
        0x41, 0x00, // i32.const 0
        0x1b, // select
        0xc0, // i32.extend8_s
        0x0f, // return
        0x0b, // end
    ]
}

#[test]
fn the_rich_body_is_judged_as_the_reader_judges_it() {
    let wasm = module_with_body(&rich_body());
    reference_verdict(&wasm).expect("the rich body is valid");
    assert_eq!(vm_verdict(&wasm), Some(Ok(())));
}

#[test]
fn immediate_forms_the_decoder_hands_over_are_judged_alike() {
    let cases: &[&[u8]] = &[
        // Overlong but valid LEBs: `local.get 0` as two bytes, `i32.const 0` as five.
        &[0x00, 0x20, 0x80, 0x00, 0x0b],
        &[0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x20, 0x00, 0x0b],
        // A `u32` LEB too long, and one too large.
        &[0x00, 0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b],
        &[0x00, 0x20, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x0b],
        // A memarg whose alignment is an overlong LEB, one over the natural alignment, one with
        // the multi-memory bit, one with the ordering bit.
        &[0x00, 0x20, 0x00, 0x28, 0x82, 0x00, 0x00, 0x0b],
        &[0x00, 0x20, 0x00, 0x28, 0x03, 0x00, 0x0b],
        &[0x00, 0x20, 0x00, 0x28, 0x42, 0x00, 0x00, 0x0b],
        &[0x00, 0x20, 0x00, 0x28, 0x12, 0x00, 0x0b],
        &[0x00, 0x20, 0x00, 0x28, 0x22, 0x00, 0x0b],
        // A block type by type index, an invalid one, an unknown value type, v128.
        &[0x00, 0x20, 0x00, 0x02, 0x01, 0x0b, 0x0b],
        &[0x00, 0x02, 0x05, 0x0b, 0x20, 0x00, 0x0b],
        &[0x00, 0x02, 0x7a, 0x0b, 0x20, 0x00, 0x0b],
        &[0x00, 0x02, 0x7b, 0x0b, 0x20, 0x00, 0x0b],
        // `else` outside an `if`, operators after the final `end`, an unknown opcode, a prefix.
        &[0x00, 0x02, 0x40, 0x05, 0x0b, 0x20, 0x00, 0x0b],
        &[0x00, 0x20, 0x00, 0x0b, 0x20, 0x00],
        &[0x00, 0x20, 0x00, 0x0b, 0x0b],
        &[0x00, 0x20, 0x00, 0xd3, 0x0b],
        &[0x00, 0x20, 0x00, 0xfc, 0x00, 0x0b],
        // Five-byte LEBs at the limits: the largest `u32`, one over, and `i32`s whose unused
        // bits do and do not copy the sign.
        &[0x00, 0x20, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b],
        &[0x00, 0x20, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x0b],
        &[0x00, 0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x08, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x20, 0x00, 0x0b],
        // Ten-byte `i64` LEBs: valid, with a bad unused bit, too long.
        &[0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1a, 0x20, 0x00, 0x0b],
        // `memory.size` with a nonzero memory byte, a padded zero, and cut off; `i64` LEBs of
        // three and four bytes cut off after their second and third.
        &[0x00, 0x3f, 0x01, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x3f, 0x80, 0x00, 0x1a, 0x20, 0x00, 0x0b],
        &[0x00, 0x3f],
        &[0x00, 0x42, 0x80, 0x80],
        &[0x00, 0x42, 0x80, 0x80, 0x80],
        // A memarg offset padded to five bytes, and one too large.
        &[0x00, 0x20, 0x00, 0x28, 0x02, 0x84, 0x80, 0x80, 0x80, 0x00, 0x0b],
        &[0x00, 0x20, 0x00, 0x28, 0x02, 0x84, 0x80, 0x80, 0x80, 0x10, 0x0b],
        // Immediates cut off by the end of the body, some within their first four bytes.
        &[0x00, 0x20],
        &[0x00, 0x20, 0x80],
        &[0x00, 0x28],
        &[0x00, 0x28, 0x02],
        &[0x00, 0x02],
        &[0x00, 0x43, 0x00, 0x00],
        &[0x00, 0x44, 0x00],
        &[0x00, 0x42, 0x80],
        &[0x00, 0x41, 0x80, 0x80],
        &[0x00, 0x20, 0x80, 0x80, 0x80, 0x80],
        &[0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
        // No `end`.
        &[0x00, 0x20, 0x00],
    ];
    for body in cases {
        assert_same_verdict(body);
    }
}

/// Deterministic xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn mutated_bodies_are_judged_as_the_reader_judges_them() {
    let seed = rich_body();
    let mut rng = Rng(0x7a11_dec0_de00_0001);
    // Bytes the mutations favour: opcodes and immediates the decoder treats specially.
    const INTERESTING: [u8; 16] =
        [0x00, 0x02, 0x05, 0x0b, 0x0e, 0x20, 0x28, 0x40, 0x41, 0x42, 0x7f, 0x80, 0xc4, 0xc5, 0xfc, 0xff];
    let mut accepted = 0;
    for _ in 0..4000 {
        let mut body = seed.clone();
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(body.len());
            let byte = if rng.below(2) == 0 { INTERESTING[rng.below(16)] } else { rng.next() as u8 };
            match rng.below(4) {
                0 | 1 => body[at] = byte,
                2 => body.insert(at, byte),
                _ => {
                    body.remove(at);
                }
            }
        }
        if rng.below(8) == 0 {
            body.truncate(rng.below(body.len()) + 1);
        }
        accepted += usize::from(assert_same_verdict(&body));
    }
    // Both kinds of verdict are well represented (a seed that fails early would make every
    // mutation fail at the same place).
    assert!((200..3800).contains(&accepted), "{accepted} of 4000 mutations accepted");
}

/// `value` as a signed LEB128 of at least `min_len` bytes (padded with continuation bytes, as
/// linkers pad relocated immediates).
fn sleb(value: i64, min_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut v = value;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done && out.len() + 1 >= min_len {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// The result of the function `() -> i64` with `body` (locals included), exported and run.
fn run_i64(body: &[u8]) -> i64 {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend([0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7e]); // type 0: [] -> [i64]
    wasm.extend([0x03, 0x02, 0x01, 0x00]); // function 0: type 0
    wasm.extend([0x07, 0x05, 0x01, 0x01, b'f', 0x00, 0x00]); // export "f"
    let mut code = vec![0x01];
    leb(body.len(), &mut code);
    code.extend(body);
    wasm.push(0x0a);
    leb(code.len(), &mut wasm);
    wasm.extend(code);
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).expect("a valid module");
    let mut store = tally_vm::Store::new(&engine, ());
    let instance = tally_vm::Linker::new(&engine).instantiate(&mut store, &module).expect("instantiates");
    let f = instance.get_typed_func::<(), i64>(&store, "f").expect("f: [] -> [i64]");
    f.call(&mut store, ()).expect("f returns")
}

#[test]
fn immediates_of_every_length_decode_to_their_values() {
    let values: [i64; 16] = [
        0,
        1,
        -1,
        63,
        64,
        -64,
        -65,
        127,
        128,
        8191,
        -8193,
        1 << 20,
        -(1 << 27),
        1 << 27,
        i32::MAX as i64,
        i32::MIN as i64,
    ];
    for &value in &values {
        for len in 1..=5 {
            // `i32.const value`, sign-extended to `i64`.
            let mut body = vec![0x00, 0x41];
            body.extend(sleb(value, len));
            body.extend([0xac, 0x0b]);
            assert_same_verdict(&body[..]);
            assert_eq!(run_i64(&body), value, "i32.const {value} in {len}+ bytes: {body:02x?}");
        }
    }
    // Three bytes hold -2^20 ..= 2^20 - 1 (the injector's usual region charges).
    let wide = [i64::MAX, i64::MIN, 1 << 40, -(1 << 55), (1 << 62) + 5, -(1 << 62) - 5, (1 << 20) - 1, -(1 << 20)];
    for &value in values.iter().chain(&wide) {
        for len in [1, 2, 3, 4, 5, 8, 9, 10] {
            let mut body = vec![0x00, 0x42];
            body.extend(sleb(value, len));
            body.push(0x0b);
            assert_eq!(run_i64(&body), value, "i64.const {value} in {len}+ bytes: {body:02x?}");
        }
    }
    // A local index padded to every length up to five bytes: `local.get 1` of locals 7, 9.
    for len in 1..=5 {
        let mut body = vec![0x02, 0x01, 0x7e, 0x01, 0x7e, 0x42, 0x07, 0x21, 0x00, 0x42, 0x09, 0x21, 0x01, 0x20];
        body.extend(sleb(1, len));
        body.push(0x0b);
        assert_eq!(run_i64(&body), 9, "local.get 1 in {len} bytes: {body:02x?}");
    }
}

/// What `Module::new` on `engine` says of `wasm`, as [`vm_verdict`].
fn verdict_on(engine: &Engine, wasm: &[u8]) -> Option<Result<(), (String, usize)>> {
    match Module::new(engine, wasm) {
        Ok(_) => Some(Ok(())),
        Err(Error::Invalid { message, offset } | Error::UnsupportedFeature { message, offset }) => {
            Some(Err((message, offset)))
        }
        Err(_) => None,
    }
}

/// Local declarations are read by the translator itself in the form compilers write (counts of
/// one or two bytes, number types) and by wasmparser's reader otherwise
/// (`tally_profile::locals`): every form, malformed ones included, judged as the reader judges
/// it, on an engine whose own limit on locals is out of the way.
#[test]
fn local_declarations_are_judged_as_the_reader_judges_them() {
    let engine = Engine::new(tally_vm::Config { max_locals: u32::MAX, ..tally_vm::Config::default() });
    let declarations: [&[u8]; 18] = [
        &[0x00],
        &[0x01, 0x02, 0x7e],
        &[0x04, 0x01, 0x7f, 0x01, 0x7e, 0x01, 0x7d, 0x01, 0x7c],
        &[0x02, 0x00, 0x7f, 0x00, 0x7e],
        // Counts of two, three and five bytes; a padded declaration count.
        &[0x01, 0x80, 0x01, 0x7f],
        &[0x01, 0x80, 0x80, 0x01, 0x7f],
        &[0x01, 0x81, 0x80, 0x80, 0x80, 0x00, 0x7f],
        &[0x81, 0x00, 0x01, 0x7f],
        // Reference types; `v128` (outside the profile); not a value type.
        &[0x02, 0x01, 0x70, 0x01, 0x6f],
        &[0x01, 0x01, 0x7b],
        &[0x01, 0x01, 0x40],
        // 30,000 and 30,000 locals: over wasmparser's 50,000 at the second declaration.
        &[0x02, 0xb0, 0xea, 0x01, 0x7f, 0xb0, 0xea, 0x01, 0x7e],
        // A count of `u32::MAX`, then one more: the sum overflows.
        &[0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x01, 0x7f],
        // A count too large for a `u32`, and one of six bytes.
        &[0x01, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x7f],
        &[0x01, 0xff, 0xff, 0xff, 0xff, 0x8f, 0x00, 0x7f],
        // More declarations than the body holds; a declaration count of two bytes.
        &[0x03, 0x01, 0x7f],
        &[0x80, 0x01, 0x01, 0x7f],
        &[0xff, 0xff, 0xff, 0xff, 0x0f],
    ];
    let mut accepted = 0;
    for locals in declarations {
        // `local.get 0; end`, and every cut of the body short of it.
        let mut body = locals.to_vec();
        body.extend([0x20, 0x00, 0x0b]);
        for len in (0..=body.len()).rev() {
            let wasm = module_with_body(&body[..len]);
            let reference = reference_verdict(&wasm);
            accepted += usize::from(reference.is_ok());
            let vm = verdict_on(&engine, &wasm).unwrap_or_else(|| panic!("a limit on {:02x?}", &body[..len]));
            assert_eq!(vm, reference, "body {:02x?}", &body[..len]);
        }
    }
    assert_eq!(accepted, 9, "the well-formed declarations, each with its whole body");
}

/// The VM's own limit on locals names the function and the declaration that breaks it, whether
/// the translator or the reader reads the declarations, validated or not.
#[test]
fn the_limit_on_locals_names_the_declaration_that_breaks_it() {
    // 100 × i32, 200 × i64 (a two-byte count, or a padded three-byte one), 1 × f32.
    let plain = [0x03, 0x64, 0x7f, 0xc8, 0x01, 0x7e, 0x01, 0x7d, 0x20, 0x00, 0x0b];
    let padded = [0x03, 0x64, 0x7f, 0xc8, 0x81, 0x00, 0x7e, 0x01, 0x7d, 0x20, 0x00, 0x0b];
    for body in [&plain[..], &padded[..]] {
        let wasm = module_with_body(body);
        tally_profile::validate(&wasm).expect("a valid module");
        // The body, then function 1's (size, no locals, `end`), end the module.
        let start = wasm.len() - 3 - body.len();
        let (first, second, third) = (start + 1, start + 3, start + body.len() - 5);
        let limits = [(301, None), (300, Some(third)), (299, Some(second)), (100, Some(second)), (99, Some(first))];
        for (max_locals, broken_at) in limits {
            let engine = Engine::new(tally_vm::Config { max_locals, ..tally_vm::Config::default() });
            // SAFETY: the module is valid under the profile (checked above).
            let loads = [Module::new(&engine, &wasm), unsafe { Module::new_prevalidated(&engine, &wasm) }];
            for load in loads {
                match (load, broken_at) {
                    (Ok(_), None) => {}
                    (Err(err), Some(offset)) => {
                        assert!(matches!(err, Error::LimitExceeded { .. }), "{err:?}");
                        assert_eq!((err.function(), err.offset()), (Some(0), Some(offset)), "{err}");
                        assert!(err.to_string().contains(&format!("declares more than {max_locals} locals")), "{err}");
                    }
                    (load, _) => panic!("limit {max_locals}, body {body:02x?}: {:?}", load.err()),
                }
            }
        }
    }
}

/// A constant and the `call` right after it are decoded as one step: validated, judged and
/// translated as the two operators are one by one.
#[test]
fn a_constant_and_the_call_after_it_are_judged_as_two_operators() {
    // Function 0 is `[i32] -> [i32]`, function 1 `[] -> []`.
    let bodies: [&[u8]; 12] = [
        &[0x00, 0x41, 0x05, 0x10, 0x00, 0x0b],
        &[0x00, 0x41, 0x05, 0x10, 0x01, 0x0b],
        &[0x00, 0x41, 0x80, 0x01, 0x10, 0x00, 0x0b],
        // A padded function index is not decoded so; the wrong type; unknown functions.
        &[0x00, 0x41, 0x05, 0x10, 0x80, 0x00, 0x0b],
        &[0x00, 0x42, 0x05, 0x10, 0x00, 0x0b],
        &[0x00, 0x41, 0x05, 0x10, 0x02, 0x0b],
        &[0x00, 0x42, 0x05, 0x10, 0x7f, 0x0b],
        // In unreachable code: still typed.
        &[0x00, 0x00, 0x41, 0x05, 0x10, 0x00, 0x0b],
        &[0x00, 0x00, 0x42, 0x05, 0x10, 0x00, 0x0b],
        // Cut off after the call's opcode; the function's final `end` before it.
        &[0x00, 0x41, 0x05, 0x10],
        &[0x00, 0x41, 0x05, 0x0b, 0x41, 0x05, 0x10, 0x00],
        &[0x00, 0x41, 0x05, 0x42, 0x05, 0x10, 0x01, 0x1a, 0x0b],
    ];
    let verdicts: Vec<bool> = bodies.iter().map(|body| assert_same_verdict(body)).collect();
    assert_eq!(verdicts, [true, true, true, true, false, false, false, true, false, false, false, true]);
    // Run: constants passed to a function of two parameters, and to one of none.
    let wasm = wat::parse_str(
        r#"(module
            (func $sub (param i64 i32) (result i64) (i64.sub (local.get 0) (i64.extend_i32_u (local.get 1))))
            (func $nothing)
            (func (export "f") (result i64)
                i64.const 1000000 i32.const 3 call $sub
                i32.const 7 call $nothing drop
                i64.const -9 call $nothing i64.add))"#,
    )
    .expect("wat");
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm).expect("a valid module");
    let mut store = tally_vm::Store::new(&engine, ());
    let instance = tally_vm::Linker::new(&engine).instantiate(&mut store, &module).expect("instantiates");
    let f = instance.get_typed_func::<(), i64>(&store, "f").expect("f: [] -> [i64]");
    assert_eq!(f.call(&mut store, ()).expect("f returns"), 1_000_000 - 3 - 9);
}
