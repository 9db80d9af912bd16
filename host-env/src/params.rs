//! Chain parameters: the gas schedule, the host-call prices, the host limits and the code limits,
//! versioned and hashed.
//!
//! Everything here is consensus. The [`Params::params_hash`] goes into every cache key, every
//! result hash and every execution record, so two nodes that disagree on any price or limit
//! disagree visibly.

use parity_scale_codec::{Decode, Encode};
use tally_digest::Keccak256;
use tally_gas_injector::Schedule;

use crate::limits::{CodeLimits, CodeShape};

/// The params format version.
pub const PARAMS_VERSION: u32 = 2;

/// Gas prices of the host functions (units: the schedule's gas). Every host function charges `base` plus its own terms **before** any side
/// effect; see `ABI.md` for each function's formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct HostCosts {
    /// Every host call.
    pub base: u64,
    /// Per byte read from contract memory.
    pub memory_read_byte: u64,
    /// Per byte written to contract memory.
    pub memory_write_byte: u64,
    /// `storage_read` (one backend lookup).
    pub storage_read: u64,
    /// `storage_has` (one backend lookup).
    pub storage_has: u64,
    /// `storage_write`.
    pub storage_write: u64,
    /// `storage_remove`.
    pub storage_remove: u64,
    /// A transaction's first `storage_write` or `storage_remove` (its write set was empty): the
    /// commit of the write set when the transaction succeeds, a fixed cost per commit that the
    /// per-write prices cannot carry (on `RedbStorage`, a durable write transaction: about
    /// 0.1–0.3 ms on the reference machine, whatever the number of writes). Charged again if a
    /// failed frame's rollback empties the write set and a later write starts it anew.
    pub commit: u64,
    /// Per byte of a storage key.
    pub storage_key_byte: u64,
    /// Per byte of a stored value, read or written.
    pub storage_value_byte: u64,
    /// `emit_event`.
    pub event: u64,
    /// Per event topic.
    pub event_topic: u64,
    /// Per byte of event data.
    pub event_data_byte: u64,
    /// `keccak256`.
    pub keccak: u64,
    /// Per 136-byte Keccak block (rounded up).
    pub keccak_block: u64,
    /// `call`, and a top-level call: setting up a frame, before its code is loaded.
    pub call: u64,
    /// Deploying a contract.
    pub deploy: u64,
    /// Per byte of deployed code: hashing, checking, instrumenting, translating and storing it.
    pub deploy_code_byte: u64,
    /// `debug_log`.
    pub debug_log: u64,
    /// Loading a contract's code for a frame (account and entry lookups, linking, the instance
    /// template), at every call, top-level and nested, whether or not the node has the code
    /// prepared in its cache or its prepared-code store.
    pub load: u64,
    /// Per byte of code loaded: reading, checksumming and decoding its prepared form (a few
    /// interpreter ops per byte of dense code).
    pub load_code_byte: u64,
    /// Per function defined by the loaded code: decoding and checking its header and frame.
    pub load_function: u64,
    /// Per local declared by the loaded code's functions (decoding does no work per local; the
    /// price keeps a floor under code made of nothing but locals).
    pub load_local: u64,
    /// Per global of the loaded code.
    pub load_global: u64,
    /// Per `br_table` target of the loaded code: a one-byte target is a whole op of prepared code.
    pub load_br_table_target: u64,
    /// Per function defined by code being deployed (or installed by `create` or `set_code`):
    /// checking, instrumenting and translating it, beyond its bytes (`deploy_code_byte`).
    pub prepare_function: u64,
    /// Per local declared by code being deployed.
    pub prepare_local: u64,
    /// Per global of code being deployed (each initializer is validated on its own, several
    /// times).
    pub prepare_global: u64,
    /// Per `br_table` target of code being deployed: a one-byte target is validated three times
    /// and translated into a jump, more work than an ordinary byte pays for.
    pub prepare_br_table_target: u64,
    /// Instantiating a module for a frame.
    pub instantiate: u64,
    /// Per function of the module (imported or defined).
    pub instantiate_function: u64,
    /// Per global.
    pub instantiate_global: u64,
    /// Per table element of the tables' initial sizes.
    pub instantiate_table_element: u64,
    /// Per item of the element segments.
    pub instantiate_elem_item: u64,
    /// Per byte of the data segments.
    pub instantiate_data_byte: u64,
    /// Per byte a host call adds to the receipt: a written key and value, an event's topics and
    /// data, return or revert data. It pays for copying them into the receipt, hashing them into
    /// the result hash and committing them.
    pub receipt_byte: u64,
    /// `create`: deriving the new address, checking it is free, writing the account and setting
    /// up the initializer's frame (its code bytes pay `deploy_code_byte`, like a deployment).
    pub create: u64,
    /// `set_code`: writing the contract's account and setting up the migration's frame (its
    /// code bytes pay `deploy_code_byte`, like a deployment).
    pub set_code: u64,
}

impl Default for HostCosts {
    /// The committed calibration's prices (`benches/calibration/fitted.json`, on the schedule's
    /// scale), but for the code-loading and deploy terms, priced by the prepared-code
    /// measurement, and `create`/`set_code`, which no probe measures yet.
    fn default() -> Self {
        Self {
            base: 280_000,
            memory_read_byte: 68,
            memory_write_byte: 39,
            // Storage prices are fitted on the slower backend, `RedbStorage`, at its worst (a key
            // spread at random over 65,536, writes and removals committed durably, 256-byte keys
            // that differ only in their last bytes). A durable commit's fixed cost is `commit`,
            // paid once per transaction that writes.
            storage_read: 2_700_000,
            storage_has: 2_800_000,
            storage_write: 8_300_000,
            storage_remove: 15_000_000,
            commit: 300_000_000,
            storage_key_byte: 47_000,
            storage_value_byte: 4_800,
            event: 92_000,
            event_topic: 11_000,
            event_data_byte: 10,
            keccak: 76_000,
            // ~5 ns per byte with the whole 16 MiB memory hashed (the permutation and the reads).
            keccak_block: 930_000,
            call: 270_000,
            // Preparing any module has a fixed cost (as `load` pays for calls): the calibration's
            // deploys of the smallest ordinary code left 130–190 M gas of time unpaid at 10 M.
            deploy: 190_000_000,
            // Preparing the code (what loading paid for before code was stored prepared), plus
            // hashing and storing the code and its prepared entry. Serializing the prepared
            // entry (~5 bytes per code byte) took deploys of 499 KiB of ordinary code from 2.5×
            // to 3.9–4.2× ordinary code's time per gas at 88k (session 10, `time-per-gas
            // deploy-large`): 88k → 130k, which measured 2.4–2.7×.
            deploy_code_byte: 130_000,
            debug_log: 59_000,
            // A load decodes the code's prepared entry (stored at deploy, `crate::prepared`):
            // it reads the entry, checks its checksum, decodes the VM's serialized module (every
            // handler id, index and operand bounds-checked) and links it. Each term is at the
            // lowest price keeping its worst load shape within 2.5× ordinary code's median time
            // per gas (`time-per-gas cold- cache-cycle`, runs of three processes, CPU-time
            // ratios; BENCHMARKS.md, "Prepared code"). Session 13 made decoding one pass with
            // per-handler checks (1.5–1.7× fewer instructions per op) and a load copy less: at the
            // previous 45 M / 21.5k / 230k, `cold-large` fell from 1.7–1.8× to 0.7–0.9×,
            // `cache-cycle` from 1.9× to 0.9–1.2×, `cold-token` from 1.7–2.3× to 1.2×, and an
            // empty contract's call 52k → 41k instructions (its load 29k → 18k). Now 21.5k →
            // 11.5k per byte, which `cold-token` (the SDK token) binds: at 10.5k it read 1.7×,
            // 2.2×, 2.2× and 2.6× in four runs (2.7–2.9× at 9k), at 11.5k 2.0× and 2.4×
            // (`cache-cycle` 1.8×). `load` 45 M → 40 M (`cold-tiny`, 1.4–2.4× in six runs:
            // bimodal; it read 2.3× and 2.6× at 35 M). `load_function` 230k → 260k, since
            // `cold-small-functions-at-limit` (10,000 empty functions, 40 KB) paid part of its
            // time through its bytes (2.6× at 9k and 230k; 2.0–2.4× now). Locals stay at 300
            // (`cold-locals-at-limit` 1.2–2.0×), globals at 71k (`cold-globals-at-limit` up to
            // 2.5×), `br_table` targets at 52k (no row measures them). Preparing afresh (a miss
            // of the store) charges the same: node time, not gas (ARCHITECTURE.md, "host-env").
            // Session 20: after the repricing of the other terms, a suite run in the machine's
            // slow phase read `cold-globals-at-limit` 3.8–4.2× and `cold-token` 3.1–3.5× (2.1–2.4×
            // and 2.3–2.4× in the fast phase): globals 71k → 250k and code bytes 11.5k → 15k, for
            // about 2.6× and 2.7× there.
            load: 40_000_000,
            load_code_byte: 15_000,
            load_function: 260_000,
            load_local: 300,
            load_global: 250_000,
            load_br_table_target: 52_000,
            // Deploying prepares the code; these are the prices loading had while every load
            // prepared it (measured on the reference machine, a 2-core VM where ordinary
            // metered code runs at ~1.1 ns per 1000 gas): check + instrument + translate take
            // ~1.9 µs per function of a module of 9000 empty functions and ~0.5–0.8 µs per
            // global; declared locals add nothing measurable beyond their function; a
            // `br_table` target costs more than its byte (validated three times, translated into
            // a jump). Schedule version 2 raised them with ordinary code's time per gas
            // (BENCHMARKS.md, "Pointer chasing").
            // Serializing each function into the prepared entry: `deploy-small-functions-at-limit`
            // went from 2.3× to 2.9× at 1.7 M (session 10): 1.7 M → 2.2 M, which measured 1.8–2.0×.
            prepare_function: 2_200_000,
            prepare_local: 500,
            prepare_global: 1_500_000,
            prepare_br_table_target: 82_000,
            // Instantiation, warm (the calibration's fits: an empty instantiation, then per
            // function, global, table element, element item and data byte).
            instantiate: 510_000,
            instantiate_function: 2_000,
            instantiate_global: 52_000,
            instantiate_table_element: 270,
            instantiate_elem_item: 1_200,
            instantiate_data_byte: 47,
            // Copying, hashing (Keccak ~3-8 ns per byte here) and committing a byte.
            receipt_byte: 6_300,
            // A deployment's fixed work (`deploy`) and a frame's set-up (`call`): both happen.
            create: 12_000_000,
            set_code: 12_000_000,
        }
    }
}

impl HostCosts {
    /// The setup of a call frame, top-level or nested, before its code is loaded:
    /// `base + call + memory_read_byte · (32 + method_len + input_len)`.
    pub fn call_cost(&self, method_len: u32, input_len: u32) -> u64 {
        let bytes = 32u64.saturating_add(u64::from(method_len)).saturating_add(u64::from(input_len));
        self.base.saturating_add(self.call).saturating_add(bytes.saturating_mul(self.memory_read_byte))
    }

    /// What `create` (`fixed` = `create`) or `set_code` (`fixed` = `set_code`) charges before
    /// reading anything: `base + fixed + deploy_code_byte · code_len + memory_read_byte ·
    /// (code_len + other_bytes)`, `other_bytes` being the salt, method name and input it reads.
    pub fn install_cost(&self, fixed: u64, code_len: u32, other_bytes: u32) -> u64 {
        let code = u64::from(code_len);
        let read = code.saturating_add(u64::from(other_bytes));
        self.base
            .saturating_add(fixed)
            .saturating_add(code.saturating_mul(self.deploy_code_byte))
            .saturating_add(read.saturating_mul(self.memory_read_byte))
    }

    /// A top-level call's charge, taken before anything else of the call is done:
    /// [`call_cost`](Self::call_cost) `+ receipt_byte · (method_len + input_len)`. The method
    /// name and the input are hashed into the result hash (Keccak, several ns a byte), which is
    /// what `receipt_byte` pays for; `memory_read_byte` alone paid 1/50 of it.
    pub fn top_level_call_cost(&self, method_len: u32, input_len: u32) -> u64 {
        let hashed = u64::from(method_len).saturating_add(u64::from(input_len));
        self.call_cost(method_len, input_len).saturating_add(hashed.saturating_mul(self.receipt_byte))
    }

    /// The first part of loading code of `code_len` bytes, taken once its length is known and
    /// before it is checked: `load + load_code_byte · code_len`.
    pub fn load_cost(&self, code_len: usize) -> u64 {
        let bytes = u64::try_from(code_len).unwrap_or(u64::MAX);
        self.load.saturating_add(bytes.saturating_mul(self.load_code_byte))
    }

    /// The second part of loading code for a frame, taken once the node knows its shape (from
    /// its prepared entry, or from checking the code on a miss) and before the work that depends
    /// on it: `load_function · functions + load_local · locals + load_global · globals +
    /// load_br_table_target · br_table targets`.
    pub fn load_shape_cost(&self, shape: &CodeShape) -> u64 {
        shape_cost(shape, [self.load_function, self.load_local, self.load_global, self.load_br_table_target])
    }

    /// What deploying (or `create`, `set_code`) charges for code's shape once the check has
    /// measured it, before it is instrumented and translated: `prepare_function · functions +
    /// prepare_local · locals + prepare_global · globals + prepare_br_table_target · br_table
    /// targets`.
    pub fn prepare_shape_cost(&self, shape: &CodeShape) -> u64 {
        shape_cost(
            shape,
            [self.prepare_function, self.prepare_local, self.prepare_global, self.prepare_br_table_target],
        )
    }
}

/// `prices` (per function, local, global and `br_table` target) times `shape`'s counts.
fn shape_cost(shape: &CodeShape, [function, local, global, target]: [u64; 4]) -> u64 {
    u64::from(shape.functions)
        .saturating_mul(function)
        .saturating_add(u64::from(shape.locals).saturating_mul(local))
        .saturating_add(u64::from(shape.globals).saturating_mul(global))
        .saturating_add(u64::from(shape.br_table_targets).saturating_mul(target))
}

/// Resource limits enforced by the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Limits {
    /// Largest deployable code, in bytes.
    pub max_code_size: u32,
    /// Largest linear memory, in 64 KiB pages.
    pub max_memory_pages: u32,
    /// Largest storage key a contract may use, in bytes.
    pub max_key_len: u32,
    /// Largest storage value, in bytes.
    pub max_value_len: u32,
    /// Largest call input, in bytes.
    pub max_input_len: u32,
    /// Largest return or revert data, in bytes.
    pub max_return_len: u32,
    /// Most topics per event.
    pub max_topics: u32,
    /// Largest event data, in bytes.
    pub max_event_data_len: u32,
    /// Most events per transaction.
    pub max_events: u32,
    /// Deepest cross-contract call nesting (the top-level call is depth 1).
    pub max_call_depth: u32,
    /// A caller keeps `gas left / call_keep_divisor` across a `call`: the callee gets at most
    /// the rest, whatever limit the caller passes (64: all but 1/64, so a callee that runs out
    /// leaves its caller gas to finish). 0 keeps nothing.
    pub call_keep_divisor: u32,
    /// Most debug log bytes per transaction.
    pub max_log_bytes: u32,
}

impl Limits {
    /// The most gas a `call` may give its callee when the caller has `gas_left` (after the
    /// call's own charge and the callee's loading): all but `gas_left / call_keep_divisor`.
    pub fn callee_gas_cap(&self, gas_left: u64) -> u64 {
        gas_left - gas_left.checked_div(u64::from(self.call_keep_divisor)).unwrap_or(0)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_code_size: 512 * 1024,
            max_memory_pages: 256,
            max_key_len: 256,
            max_value_len: 64 * 1024,
            max_input_len: 64 * 1024,
            max_return_len: 64 * 1024,
            max_topics: 4,
            max_event_data_len: 4096,
            max_events: 256,
            max_call_depth: 8,
            call_keep_divisor: 64,
            max_log_bytes: 16 * 1024,
        }
    }
}

/// Why a [`Runtime`](crate::Runtime) cannot run under some params.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamsError {
    /// The params do not fit together (an invalid schedule, a code limit over a host limit).
    Invalid(String),
    /// The host ABI could not be linked (a bug in Tally).
    Link(tally_vm::Error),
}

impl core::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ParamsError::Invalid(e) => write!(f, "invalid params: {e}"),
            ParamsError::Link(e) => write!(f, "linking the host ABI: {e}"),
        }
    }
}

impl std::error::Error for ParamsError {}

/// All consensus parameters of an execution.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Params {
    /// Wasm operator prices, dynamic costs and the stack budget (the gas-injector's schedule).
    pub schedule: Schedule,
    /// Host function prices.
    pub host: HostCosts,
    /// Host limits.
    pub limits: Limits,
    /// Structural limits on contract code, checked before instrumenting ([`crate::check_code`]).
    pub code: CodeLimits,
}

impl Params {
    /// The canonical encoding: `PARAMS_VERSION ‖ schedule ‖ host ‖ limits ‖ code`, SCALE.
    pub fn to_bytes(&self) -> Vec<u8> {
        (PARAMS_VERSION, self.schedule.to_bytes(), &self.host, &self.limits, &self.code).encode()
    }

    /// Decodes [`to_bytes`](Self::to_bytes) output, then [`validate`](Self::validate)s it.
    /// Rejects trailing bytes: params have exactly one encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Params, String> {
        let mut input = bytes;
        let (version, schedule, host, limits, code) =
            <(u32, Vec<u8>, HostCosts, Limits, CodeLimits)>::decode(&mut input).map_err(|e| format!("params: {e}"))?;
        if !input.is_empty() {
            return Err(format!("params: {} trailing bytes", input.len()));
        }
        if version != PARAMS_VERSION {
            return Err(format!("params version {version}, expected {PARAMS_VERSION}"));
        }
        let schedule = Schedule::from_bytes(&schedule).map_err(|e| format!("params schedule: {e}"))?;
        let params = Params { schedule, host, limits, code };
        params.validate()?;
        Ok(params)
    }

    /// Checks that the params can be used together: the schedule is valid, and the code limits
    /// admit no memory larger than the host's `max_memory_pages` (such a contract would deploy
    /// and then fail to instantiate at every call).
    pub fn validate(&self) -> Result<(), String> {
        self.schedule.validate().map_err(|e| format!("schedule: {e}"))?;
        if self.code.memory_pages > self.limits.max_memory_pages {
            return Err(format!(
                "code limit memory_pages ({}) is over the host limit max_memory_pages ({})",
                self.code.memory_pages, self.limits.max_memory_pages
            ));
        }
        Ok(())
    }

    /// Keccak-256 of `"tally/params/v1" ‖ to_bytes()`.
    pub fn params_hash(&self) -> [u8; 32] {
        let mut h = Keccak256::new();
        h.update(b"tally/params/v1");
        h.update(&self.to_bytes());
        h.finalize()
    }

    /// Instantiating a module of `shape` for a frame, taken before anything is allocated:
    /// `instantiate + instantiate_function · functions (imported and defined) + instantiate_global
    /// · globals + instantiate_table_element · table elements + instantiate_elem_item · element
    /// items + instantiate_data_byte · data bytes + memory_grow_per_page · initial pages`.
    pub fn instantiate_cost(&self, shape: &CodeShape) -> u64 {
        let k = &self.host;
        let term = |count: u32, unit: u64| u64::from(count).saturating_mul(unit);
        [
            term(shape.functions.saturating_add(shape.imports), k.instantiate_function),
            term(shape.globals, k.instantiate_global),
            term(shape.table_elements, k.instantiate_table_element),
            term(shape.elem_items, k.instantiate_elem_item),
            term(shape.data_bytes, k.instantiate_data_byte),
            term(shape.memory_pages, self.schedule.dynamic.memory_grow_per_page),
        ]
        .into_iter()
        .fold(k.instantiate, u64::saturating_add)
    }

    /// The VM configuration these limits imply.
    pub fn vm_config(&self) -> tally_vm::Config {
        tally_vm::Config {
            max_memory_pages: self.limits.max_memory_pages,
            // The injected code is larger than the original; the original is bounded by
            // max_code_size, and the injector bounds its growth.
            max_module_size: u32::try_from(tally_gas_injector::max_output_size(self.limits.max_code_size as usize))
                .unwrap_or(u32::MAX),
            // The injected stack limit (one unit per cell in tally-vm) stops recursion first; a
            // small margin covers the interpreter's spare cells per frame.
            max_stack_cells: self.schedule.stack.budget.saturating_add(1024),
            // Growth stops at the code limit: a declared maximum above it is not refused.
            max_table_elements: self.code.table_elements,
            // The injector copies local declarations verbatim.
            max_locals: self.code.locals_per_function,
            // The instrumented module adds the injected imports' types (at most 2 params,
            // 1 result) and `[] -> results` wrapper-block types of the original functions.
            max_params: self.code.params.max(self.code.results).max(2),
            // `max_function_size` stays the VM's default: instrumentation can grow a body many
            // times over, and the injector caps its output below that default; the original
            // body is bounded by `code.body_size`.
            ..tally_vm::Config::default()
        }
    }
}
