//! The cost schedule: what every operator, every unit of dynamic work and every stack frame costs.
//!
//! A [`Schedule`] is consensus data. It is versioned, SCALE-encoded, and identified by
//! [`Schedule::schedule_hash`], the Keccak-256 of its encoding.

use parity_scale_codec::{Decode, Encode};
use sha3::{Digest, Keccak256};
use wasmparser::{HeapType, ValType};

use crate::ops::{Dynamic, OpKind};

/// The schedule format this crate reads and writes. It fixes the operator table
/// ([`OpKind::ALL`], 201 entries) and the field layout of [`Schedule`]. Version 2 added
/// [`DynamicCosts::memory_access_per_page`], version 3 [`Schedule::call_per_param`], version 4
/// [`Schedule::branch_change`], version 5 [`DynamicCosts::memory_access_per_page_above`] and
/// [`DynamicCosts::memory_access_threshold_pages`].
pub const SCHEDULE_VERSION: u32 = 5;

/// Gas costs and stack limits used to instrument a module.
///
/// Fields are encoded with SCALE in declaration order; see `SPEC.md` for their meaning.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Schedule {
    /// Format version; must equal [`SCHEDULE_VERSION`].
    pub version: u32,
    /// Cost of each operator, indexed by [`OpKind::index`]; `None` forbids the operator.
    op_costs: Vec<Option<u64>>,
    /// Extra static cost of `br_table` per label in its table (the default label excluded).
    pub br_table_per_target: u64,
    /// Cost of a change of direction of a conditional branch (`br_if`, `if`): charged at run time
    /// by `tally.branch` when a site goes the other way from its last run in the store (`SPEC.md`,
    /// "Branch direction"). The hardware mispredicts such a branch, at a cost no static price of
    /// `br_if` covers without overcharging steady branches. 0 injects nothing at the sites.
    pub branch_change: u64,
    /// Static cost per declared local (parameters excluded), added to the function's entry region.
    pub per_local: u64,
    /// Extra static cost of `call` and `call_indirect` per parameter of the callee's type, added
    /// to the caller's region where the call is: each argument is copied into the callee's frame.
    pub call_per_param: u64,
    /// Per-unit costs of the size-dependent operators.
    pub dynamic: DynamicCosts,
    /// Stack-height accounting: value sizes, activation cost and budget.
    pub stack: StackCosts,
}

/// Per-unit costs of the size-dependent operators, charged at run time by `tally.gas_len`
/// (length × unit) just before the operator runs, in addition to the operator's static cost.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct DynamicCosts {
    /// `memory.grow`: per page (64 KiB) requested, charged whether or not the grow succeeds.
    pub memory_grow_per_page: u64,
    /// `memory.init`: per byte.
    pub memory_init_per_byte: u64,
    /// `memory.copy`: per byte.
    pub memory_copy_per_byte: u64,
    /// `memory.fill`: per byte.
    pub memory_fill_per_byte: u64,
    /// `table.grow`: per element requested, charged whether or not the grow succeeds.
    pub table_grow_per_element: u64,
    /// `table.init`: per element.
    pub table_init_per_element: u64,
    /// `table.copy`: per element.
    pub table_copy_per_element: u64,
    /// `table.fill`: per element.
    pub table_fill_per_element: u64,
    /// Every load and store: per page (64 KiB) of the memory's size when its region starts.
    /// Charged once per metered region, for all the region's loads and stores, by
    /// `memory.size; i64.const (accesses × this); call $gas_len; drop` right after the region's
    /// charge. A load that misses the caches costs more the larger the memory it may land in
    /// (BENCHMARKS.md, "Pointer chasing"); this keeps a dependent chain of such loads within the
    /// gas it pays, whatever the memory size.
    pub memory_access_per_page: u64,
    /// Every load and store, in addition: per page of the memory's size above
    /// [`memory_access_threshold_pages`](Self::memory_access_threshold_pages) when its region
    /// starts (nothing while the memory is at most that size). Charged with the region's
    /// memory-access charge, for all its loads and stores, by `tally.gas_len` on
    /// `max(0, memory.size - threshold)` (`SPEC.md`, "Memory accesses"). A dependent chain of
    /// loads costs about 4 ns per load in 1 or 2 pages, 11-18 ns in 8 to 64 and 95-150 ns in 128
    /// to 256 (BENCHMARKS.md, "Session 19"): a price linear in pages alone that covers the large
    /// memories overcharges the small ones, which ordinary programs use. 0 injects nothing.
    pub memory_access_per_page_above: u64,
    /// The memory size (pages) above which loads and stores pay
    /// [`memory_access_per_page_above`](Self::memory_access_per_page_above) per page.
    pub memory_access_threshold_pages: u32,
}

/// Stack-height accounting. A function's frame costs `activation` plus the sizes of its
/// parameters and declared locals plus the largest total size its operand stack reaches; see
/// `SPEC.md`. Sizes are in abstract units; in `tally-vm` one unit is one 64-bit value cell.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StackCosts {
    /// Units available to all active frames together; `tally.stack_enter` traps beyond it.
    pub budget: u32,
    /// Fixed units per activation (call frame bookkeeping). At least 1.
    pub activation: u32,
    /// Units per `i32` value. At least 1.
    pub i32: u32,
    /// Units per `i64` value. At least 1.
    pub i64: u32,
    /// Units per `f32` value. At least 1.
    pub f32: u32,
    /// Units per `f64` value. At least 1.
    pub f64: u32,
    /// Units per `funcref` value. At least 1.
    pub funcref: u32,
    /// Units per `externref` value. At least 1.
    pub externref: u32,
}

/// Why a schedule is unusable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleError {
    /// The version is not [`SCHEDULE_VERSION`].
    UnsupportedVersion(u32),
    /// The operator table does not have [`OpKind::COUNT`] entries.
    WrongOperatorCount {
        /// Entries required.
        expected: usize,
        /// Entries present.
        found: usize,
    },
    /// A control operator (`loop`, `br`, `br_if`, `br_table`, `call`, `call_indirect`) costs 0.
    ZeroControlCost(OpKind),
    /// The activation cost or a value size is 0.
    ZeroStackCost(&'static str),
    /// The bytes are not a SCALE-encoded schedule, or have trailing data.
    Decode(String),
}

impl core::fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::UnsupportedVersion(v) => write!(f, "unsupported schedule version {v} (expected {SCHEDULE_VERSION})"),
            Self::WrongOperatorCount { expected, found } => {
                write!(f, "schedule has {found} operator costs, expected {expected}")
            }
            Self::ZeroControlCost(op) => write!(f, "control operator `{op}` must cost at least 1"),
            Self::ZeroStackCost(what) => write!(f, "stack cost `{what}` must be at least 1"),
            Self::Decode(msg) => write!(f, "cannot decode schedule: {msg}"),
        }
    }
}

impl std::error::Error for ScheduleError {}

impl Default for DynamicCosts {
    fn default() -> Self {
        Self {
            memory_grow_per_page: 25_000_000,
            memory_init_per_byte: 53,
            memory_copy_per_byte: 110,
            memory_fill_per_byte: 41,
            table_grow_per_element: 370,
            table_init_per_element: 350,
            table_copy_per_element: 240,
            table_fill_per_element: 330,
            memory_access_per_page: 2_900,
            memory_access_per_page_above: 0,
            memory_access_threshold_pages: 0,
        }
    }
}

impl DynamicCosts {
    /// The per-unit cost of one size-dependent operator.
    pub fn unit(&self, op: Dynamic) -> u64 {
        match op {
            Dynamic::MemoryGrow => self.memory_grow_per_page,
            Dynamic::MemoryInit => self.memory_init_per_byte,
            Dynamic::MemoryCopy => self.memory_copy_per_byte,
            Dynamic::MemoryFill => self.memory_fill_per_byte,
            Dynamic::TableGrow => self.table_grow_per_element,
            Dynamic::TableInit => self.table_init_per_element,
            Dynamic::TableCopy => self.table_copy_per_element,
            Dynamic::TableFill => self.table_fill_per_element,
        }
    }
}

impl Default for StackCosts {
    /// 2^18 units (2 MiB of 64-bit cells in `tally-vm`), 32 units per activation (so at most
    /// 8192 nested calls), one unit per value of any type.
    fn default() -> Self {
        Self { budget: 1 << 18, activation: 32, i32: 1, i64: 1, f32: 1, f64: 1, funcref: 1, externref: 1 }
    }
}

impl StackCosts {
    /// Units of one value of type `ty`; `None` for types outside Tally's profile (`v128`, GC
    /// references).
    ///
    /// Function references of any precision (`funcref`, the type of `ref.func` and of
    /// `ref.null func`) cost `funcref`; external references cost `externref`.
    pub fn size_of(&self, ty: ValType) -> Option<u32> {
        use wasmparser::AbstractHeapType as A;
        match ty {
            ValType::I32 => Some(self.i32),
            ValType::I64 => Some(self.i64),
            ValType::F32 => Some(self.f32),
            ValType::F64 => Some(self.f64),
            ValType::V128 => None,
            ValType::Ref(r) => match r.heap_type() {
                HeapType::Abstract { shared: false, ty: A::Func | A::NoFunc } => Some(self.funcref),
                HeapType::Abstract { shared: false, ty: A::Extern | A::NoExtern } => Some(self.externref),
                // In Tally's profile every defined type is a function type.
                HeapType::Concrete(_) | HeapType::Exact(_) => Some(self.funcref),
                _ => None,
            },
        }
    }

    /// The largest value size (units).
    pub fn max_value_size(&self) -> u32 {
        [self.i32, self.i64, self.f32, self.f64, self.funcref, self.externref].into_iter().max().unwrap_or(1)
    }
}

impl Default for Schedule {
    /// The default schedule: the committed calibration's prices (`benches/calibration/fitted.json`;
    /// the operator classes in `ops.rs`, the per-unit costs here and in [`DynamicCosts`]).
    fn default() -> Self {
        Self {
            version: SCHEDULE_VERSION,
            op_costs: OpKind::ALL.iter().map(|op| Some(op.default_cost())).collect(),
            br_table_per_target: 8,
            branch_change: 19_000,
            per_local: 170,
            call_per_param: 28,
            dynamic: DynamicCosts::default(),
            stack: StackCosts::default(),
        }
    }
}

impl Schedule {
    /// A schedule where every operator costs `cost` (at least 1 for control operators), with the
    /// default dynamic and stack costs, no `br_table` per-target cost, no branch-change cost, no
    /// per-local cost and no per-parameter call cost. Useful in tests: the gas used is then
    /// `cost` × operators executed (+ dynamic charges).
    pub fn uniform(cost: u64) -> Self {
        let mut s =
            Self { br_table_per_target: 0, branch_change: 0, per_local: 0, call_per_param: 0, ..Self::default() };
        for op in OpKind::ALL {
            let c = if OpKind::CONTROL.contains(&op) { cost.max(1) } else { cost };
            s.op_costs[op.index()] = Some(c);
        }
        s
    }

    /// The cost of `op`; `None` when the operator is forbidden (or the table is malformed).
    pub fn cost(&self, op: OpKind) -> Option<u64> {
        self.op_costs.get(op.index()).copied().flatten()
    }

    /// Sets the cost of `op`; `None` forbids it.
    pub fn set_cost(&mut self, op: OpKind, cost: Option<u64>) -> &mut Self {
        if let Some(slot) = self.op_costs.get_mut(op.index()) {
            *slot = cost;
        }
        self
    }

    /// Builder form of [`Schedule::set_cost`].
    pub fn with_cost(mut self, op: OpKind, cost: Option<u64>) -> Self {
        self.set_cost(op, cost);
        self
    }

    /// The operator cost table, indexed by [`OpKind::index`].
    pub fn op_costs(&self) -> &[Option<u64>] {
        &self.op_costs
    }

    /// Checks the invariants every usable schedule has: the supported version, one cost per
    /// operator, a cost of at least 1 for `loop`, `br`, `br_if`, `br_table`, `call` and
    /// `call_indirect` (when they are allowed), and stack sizes of at least 1.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        if self.version != SCHEDULE_VERSION {
            return Err(ScheduleError::UnsupportedVersion(self.version));
        }
        if self.op_costs.len() != OpKind::COUNT {
            return Err(ScheduleError::WrongOperatorCount { expected: OpKind::COUNT, found: self.op_costs.len() });
        }
        for op in OpKind::CONTROL {
            if self.cost(op) == Some(0) {
                return Err(ScheduleError::ZeroControlCost(op));
            }
        }
        let s = &self.stack;
        for (name, v) in [
            ("activation", s.activation),
            ("i32", s.i32),
            ("i64", s.i64),
            ("f32", s.f32),
            ("f64", s.f64),
            ("funcref", s.funcref),
            ("externref", s.externref),
        ] {
            if v == 0 {
                return Err(ScheduleError::ZeroStackCost(name));
            }
        }
        Ok(())
    }

    /// The SCALE encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decodes a SCALE-encoded schedule and [validates](Schedule::validate) it. Trailing bytes
    /// are an error, and so is another version than [`SCHEDULE_VERSION`]
    /// ([`ScheduleError::UnsupportedVersion`], read before the rest).
    pub fn from_bytes(mut bytes: &[u8]) -> Result<Self, ScheduleError> {
        // The version first: another version's fields are laid out differently, so decoding them
        // as this version's would fail (or succeed) for the wrong reason.
        if let Some(&v) = bytes.first_chunk::<4>() {
            let version = u32::from_le_bytes(v);
            if version != SCHEDULE_VERSION {
                return Err(ScheduleError::UnsupportedVersion(version));
            }
        }
        let s = Self::decode(&mut bytes).map_err(|e| ScheduleError::Decode(e.to_string()))?;
        if !bytes.is_empty() {
            return Err(ScheduleError::Decode(format!("{} trailing bytes", bytes.len())));
        }
        s.validate()?;
        Ok(s)
    }

    /// Keccak-256 of the SCALE encoding: the schedule's identity in consensus.
    pub fn schedule_hash(&self) -> [u8; 32] {
        Keccak256::digest(self.encode()).into()
    }
}
