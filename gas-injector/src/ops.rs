//! The operators of Tally's profile, in a canonical, stable order.
//!
//! Tally accepts WebAssembly 2.0 without SIMD: the MVP plus sign extension, saturating
//! float-to-int conversion, multi-value, reference types and bulk memory. [`OpKind`] names each of
//! its 201 operators. The order of [`OpKind::ALL`] is the order of the binary opcodes (one-byte
//! opcodes, then the `0xFC`-prefixed ones by sub-opcode); it is the index order of the cost table
//! in a [`Schedule`](crate::Schedule) and is frozen since schedule version 1.

use wasmparser::Operator;

/// Declares [`OpKind`] from one table. Each row: variant (the `wasmparser::Operator` variant of
/// the same name), text-format name, opcode (`0xFC00 | sub` for prefixed ones), operand-stack
/// arity `[pops pushes]` (`_` where it depends on types), default cost in gas.
macro_rules! define_ops {
    ($( $op:ident $name:literal $code:literal [$p:tt $q:tt] $cost:literal, )*) => {
        /// One operator of Tally's profile (WebAssembly 2.0 without SIMD).
        ///
        /// The discriminant is the operator's index in the canonical table ([`OpKind::index`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        pub enum OpKind {
            $(
                #[doc = concat!("`", $name, "`")]
                $op,
            )*
        }

        impl OpKind {
            /// Every operator, in canonical order.
            pub const ALL: [OpKind; OpKind::COUNT] = [$(OpKind::$op,)*];

            /// Number of operators in the profile.
            pub const COUNT: usize = [$($name,)*].len();

            /// The operator's text-format name (`"i32.add"`; `"select t"` for typed `select`).
            pub const fn name(self) -> &'static str {
                match self {
                    $(OpKind::$op => $name,)*
                }
            }

            /// The binary opcode: the opcode byte, or `0xFC00 | sub-opcode` for `0xFC`-prefixed
            /// operators.
            pub const fn opcode(self) -> u16 {
                match self {
                    $(OpKind::$op => $code,)*
                }
            }

            /// Classifies a parsed operator; `None` when it is outside Tally's profile.
            pub fn of(op: &Operator<'_>) -> Option<OpKind> {
                match op {
                    $(Operator::$op { .. } => Some(OpKind::$op),)*
                    _ => None,
                }
            }

            /// Values popped and pushed when that does not depend on types; `None` for control
            /// operators and calls.
            pub(crate) const fn fixed_arity(self) -> Option<(u32, u32)> {
                match self {
                    $(OpKind::$op => define_ops!(@arity $p $q),)*
                }
            }

            /// Cost in the default schedule.
            pub(crate) const fn default_cost(self) -> u64 {
                match self {
                    $(OpKind::$op => $cost,)*
                }
            }
        }
    };
    (@arity _ _) => { None };
    (@arity $p:literal $q:literal) => { Some(($p, $q)) };
}

// Default costs: the committed calibration (`benches/calibration/fitted.json`, written by
// `calibrate`, rule v6; BENCHMARKS.md, "Calibration"). Every operator of a class costs the
// class's price. Each class was fitted on its worst-case operands (subnormal floats, cache-missing
// loads, mispredicted `br_table` and `call_indirect` targets, division latency, ...), and the
// prices were then chosen by linear programming so that every program of the adversarial
// time-per-gas suite, run whole and taken at its worst of three suite runs, stays within 3× the
// reference workloads' median time per gas, with that median kept where the earlier defaults had
// it (the gas unit is unchanged), and within 2.5× where the other programs allow (a program no
// such price brings within 3× would be held at its own least bound): on the calibration of
// session 20, with the reference guests in a contract-sized memory, every program within 2.84×.
// `benches/tests/calibrate.rs` checks that these prices equal the file.
define_ops! {
    Unreachable        "unreachable"          0x0000   [0 0] 1_900,
    Nop                "nop"                  0x0001   [0 0] 820,
    Block              "block"                0x0002   [_ _] 820,
    Loop               "loop"                 0x0003   [_ _] 3_300,
    If                 "if"                   0x0004   [_ _] 3_300,
    Else               "else"                 0x0005   [_ _] 820,
    End                "end"                  0x000B   [_ _] 820,
    Br                 "br"                   0x000C   [_ _] 3_300,
    BrIf               "br_if"                0x000D   [_ _] 3_300,
    BrTable            "br_table"             0x000E   [_ _] 9_700,
    Return             "return"               0x000F   [_ _] 3_300,
    Call               "call"                 0x0010   [_ _] 36_000,
    CallIndirect       "call_indirect"        0x0011   [_ _] 24_000,
    Drop               "drop"                 0x001A   [1 0] 820,
    Select             "select"               0x001B   [3 1] 1_900,
    TypedSelect        "select t"             0x001C   [3 1] 1_900,
    LocalGet           "local.get"            0x0020   [0 1] 820,
    LocalSet           "local.set"            0x0021   [1 0] 820,
    LocalTee           "local.tee"            0x0022   [1 1] 820,
    GlobalGet          "global.get"           0x0023   [0 1] 1_500,
    GlobalSet          "global.set"           0x0024   [1 0] 1_500,
    TableGet           "table.get"            0x0025   [1 1] 7_600,
    TableSet           "table.set"            0x0026   [2 0] 7_600,
    I32Load            "i32.load"             0x0028   [1 1] 5_800,
    I64Load            "i64.load"             0x0029   [1 1] 5_800,
    F32Load            "f32.load"             0x002A   [1 1] 5_800,
    F64Load            "f64.load"             0x002B   [1 1] 5_800,
    I32Load8S          "i32.load8_s"          0x002C   [1 1] 5_800,
    I32Load8U          "i32.load8_u"          0x002D   [1 1] 5_800,
    I32Load16S         "i32.load16_s"         0x002E   [1 1] 5_800,
    I32Load16U         "i32.load16_u"         0x002F   [1 1] 5_800,
    I64Load8S          "i64.load8_s"          0x0030   [1 1] 5_800,
    I64Load8U          "i64.load8_u"          0x0031   [1 1] 5_800,
    I64Load16S         "i64.load16_s"         0x0032   [1 1] 5_800,
    I64Load16U         "i64.load16_u"         0x0033   [1 1] 5_800,
    I64Load32S         "i64.load32_s"         0x0034   [1 1] 5_800,
    I64Load32U         "i64.load32_u"         0x0035   [1 1] 5_800,
    I32Store           "i32.store"            0x0036   [2 0] 5_800,
    I64Store           "i64.store"            0x0037   [2 0] 5_800,
    F32Store           "f32.store"            0x0038   [2 0] 5_800,
    F64Store           "f64.store"            0x0039   [2 0] 5_800,
    I32Store8          "i32.store8"           0x003A   [2 0] 5_800,
    I32Store16         "i32.store16"          0x003B   [2 0] 5_800,
    I64Store8          "i64.store8"           0x003C   [2 0] 5_800,
    I64Store16         "i64.store16"          0x003D   [2 0] 5_800,
    I64Store32         "i64.store32"          0x003E   [2 0] 5_800,
    MemorySize         "memory.size"          0x003F   [0 1] 1_900,
    MemoryGrow         "memory.grow"          0x0040   [1 1] 17_000,
    I32Const           "i32.const"            0x0041   [0 1] 820,
    I64Const           "i64.const"            0x0042   [0 1] 820,
    F32Const           "f32.const"            0x0043   [0 1] 820,
    F64Const           "f64.const"            0x0044   [0 1] 820,
    I32Eqz             "i32.eqz"              0x0045   [1 1] 1_900,
    I32Eq              "i32.eq"               0x0046   [2 1] 1_900,
    I32Ne              "i32.ne"               0x0047   [2 1] 1_900,
    I32LtS             "i32.lt_s"             0x0048   [2 1] 1_900,
    I32LtU             "i32.lt_u"             0x0049   [2 1] 1_900,
    I32GtS             "i32.gt_s"             0x004A   [2 1] 1_900,
    I32GtU             "i32.gt_u"             0x004B   [2 1] 1_900,
    I32LeS             "i32.le_s"             0x004C   [2 1] 1_900,
    I32LeU             "i32.le_u"             0x004D   [2 1] 1_900,
    I32GeS             "i32.ge_s"             0x004E   [2 1] 1_900,
    I32GeU             "i32.ge_u"             0x004F   [2 1] 1_900,
    I64Eqz             "i64.eqz"              0x0050   [1 1] 1_900,
    I64Eq              "i64.eq"               0x0051   [2 1] 1_900,
    I64Ne              "i64.ne"               0x0052   [2 1] 1_900,
    I64LtS             "i64.lt_s"             0x0053   [2 1] 1_900,
    I64LtU             "i64.lt_u"             0x0054   [2 1] 1_900,
    I64GtS             "i64.gt_s"             0x0055   [2 1] 1_900,
    I64GtU             "i64.gt_u"             0x0056   [2 1] 1_900,
    I64LeS             "i64.le_s"             0x0057   [2 1] 1_900,
    I64LeU             "i64.le_u"             0x0058   [2 1] 1_900,
    I64GeS             "i64.ge_s"             0x0059   [2 1] 1_900,
    I64GeU             "i64.ge_u"             0x005A   [2 1] 1_900,
    F32Eq              "f32.eq"               0x005B   [2 1] 1_900,
    F32Ne              "f32.ne"               0x005C   [2 1] 1_900,
    F32Lt              "f32.lt"               0x005D   [2 1] 1_900,
    F32Gt              "f32.gt"               0x005E   [2 1] 1_900,
    F32Le              "f32.le"               0x005F   [2 1] 1_900,
    F32Ge              "f32.ge"               0x0060   [2 1] 1_900,
    F64Eq              "f64.eq"               0x0061   [2 1] 1_900,
    F64Ne              "f64.ne"               0x0062   [2 1] 1_900,
    F64Lt              "f64.lt"               0x0063   [2 1] 1_900,
    F64Gt              "f64.gt"               0x0064   [2 1] 1_900,
    F64Le              "f64.le"               0x0065   [2 1] 1_900,
    F64Ge              "f64.ge"               0x0066   [2 1] 1_900,
    I32Clz             "i32.clz"              0x0067   [1 1] 7_500,
    I32Ctz             "i32.ctz"              0x0068   [1 1] 7_500,
    I32Popcnt          "i32.popcnt"           0x0069   [1 1] 7_500,
    I32Add             "i32.add"              0x006A   [2 1] 1_900,
    I32Sub             "i32.sub"              0x006B   [2 1] 1_900,
    I32Mul             "i32.mul"              0x006C   [2 1] 1_900,
    I32DivS            "i32.div_s"            0x006D   [2 1] 5_900,
    I32DivU            "i32.div_u"            0x006E   [2 1] 5_900,
    I32RemS            "i32.rem_s"            0x006F   [2 1] 5_900,
    I32RemU            "i32.rem_u"            0x0070   [2 1] 5_900,
    I32And             "i32.and"              0x0071   [2 1] 1_900,
    I32Or              "i32.or"               0x0072   [2 1] 1_900,
    I32Xor             "i32.xor"              0x0073   [2 1] 1_900,
    I32Shl             "i32.shl"              0x0074   [2 1] 1_900,
    I32ShrS            "i32.shr_s"            0x0075   [2 1] 1_900,
    I32ShrU            "i32.shr_u"            0x0076   [2 1] 1_900,
    I32Rotl            "i32.rotl"             0x0077   [2 1] 1_900,
    I32Rotr            "i32.rotr"             0x0078   [2 1] 1_900,
    I64Clz             "i64.clz"              0x0079   [1 1] 7_500,
    I64Ctz             "i64.ctz"              0x007A   [1 1] 7_500,
    I64Popcnt          "i64.popcnt"           0x007B   [1 1] 7_500,
    I64Add             "i64.add"              0x007C   [2 1] 1_900,
    I64Sub             "i64.sub"              0x007D   [2 1] 1_900,
    I64Mul             "i64.mul"              0x007E   [2 1] 1_900,
    I64DivS            "i64.div_s"            0x007F   [2 1] 5_900,
    I64DivU            "i64.div_u"            0x0080   [2 1] 5_900,
    I64RemS            "i64.rem_s"            0x0081   [2 1] 5_900,
    I64RemU            "i64.rem_u"            0x0082   [2 1] 5_900,
    I64And             "i64.and"              0x0083   [2 1] 1_900,
    I64Or              "i64.or"               0x0084   [2 1] 1_900,
    I64Xor             "i64.xor"              0x0085   [2 1] 1_900,
    I64Shl             "i64.shl"              0x0086   [2 1] 1_900,
    I64ShrS            "i64.shr_s"            0x0087   [2 1] 1_900,
    I64ShrU            "i64.shr_u"            0x0088   [2 1] 1_900,
    I64Rotl            "i64.rotl"             0x0089   [2 1] 1_900,
    I64Rotr            "i64.rotr"             0x008A   [2 1] 1_900,
    F32Abs             "f32.abs"              0x008B   [1 1] 1_900,
    F32Neg             "f32.neg"              0x008C   [1 1] 1_900,
    F32Ceil            "f32.ceil"             0x008D   [1 1] 7_200,
    F32Floor           "f32.floor"            0x008E   [1 1] 7_200,
    F32Trunc           "f32.trunc"            0x008F   [1 1] 7_200,
    F32Nearest         "f32.nearest"          0x0090   [1 1] 7_200,
    F32Sqrt            "f32.sqrt"             0x0091   [1 1] 5_800,
    F32Add             "f32.add"              0x0092   [2 1] 9_000,
    F32Sub             "f32.sub"              0x0093   [2 1] 9_000,
    F32Mul             "f32.mul"              0x0094   [2 1] 12_000,
    F32Div             "f32.div"              0x0095   [2 1] 20_000,
    F32Min             "f32.min"              0x0096   [2 1] 7_200,
    F32Max             "f32.max"              0x0097   [2 1] 7_200,
    F32Copysign        "f32.copysign"         0x0098   [2 1] 1_900,
    F64Abs             "f64.abs"              0x0099   [1 1] 1_900,
    F64Neg             "f64.neg"              0x009A   [1 1] 1_900,
    F64Ceil            "f64.ceil"             0x009B   [1 1] 7_200,
    F64Floor           "f64.floor"            0x009C   [1 1] 7_200,
    F64Trunc           "f64.trunc"            0x009D   [1 1] 7_200,
    F64Nearest         "f64.nearest"          0x009E   [1 1] 7_200,
    F64Sqrt            "f64.sqrt"             0x009F   [1 1] 5_800,
    F64Add             "f64.add"              0x00A0   [2 1] 9_000,
    F64Sub             "f64.sub"              0x00A1   [2 1] 9_000,
    F64Mul             "f64.mul"              0x00A2   [2 1] 12_000,
    F64Div             "f64.div"              0x00A3   [2 1] 20_000,
    F64Min             "f64.min"              0x00A4   [2 1] 7_200,
    F64Max             "f64.max"              0x00A5   [2 1] 7_200,
    F64Copysign        "f64.copysign"         0x00A6   [2 1] 1_900,
    I32WrapI64         "i32.wrap_i64"         0x00A7   [1 1] 1_900,
    I32TruncF32S       "i32.trunc_f32_s"      0x00A8   [1 1] 2_700,
    I32TruncF32U       "i32.trunc_f32_u"      0x00A9   [1 1] 2_700,
    I32TruncF64S       "i32.trunc_f64_s"      0x00AA   [1 1] 2_700,
    I32TruncF64U       "i32.trunc_f64_u"      0x00AB   [1 1] 2_700,
    I64ExtendI32S      "i64.extend_i32_s"     0x00AC   [1 1] 1_900,
    I64ExtendI32U      "i64.extend_i32_u"     0x00AD   [1 1] 1_900,
    I64TruncF32S       "i64.trunc_f32_s"      0x00AE   [1 1] 2_700,
    I64TruncF32U       "i64.trunc_f32_u"      0x00AF   [1 1] 2_700,
    I64TruncF64S       "i64.trunc_f64_s"      0x00B0   [1 1] 2_700,
    I64TruncF64U       "i64.trunc_f64_u"      0x00B1   [1 1] 2_700,
    F32ConvertI32S     "f32.convert_i32_s"    0x00B2   [1 1] 2_700,
    F32ConvertI32U     "f32.convert_i32_u"    0x00B3   [1 1] 2_700,
    F32ConvertI64S     "f32.convert_i64_s"    0x00B4   [1 1] 2_700,
    F32ConvertI64U     "f32.convert_i64_u"    0x00B5   [1 1] 2_700,
    F32DemoteF64       "f32.demote_f64"       0x00B6   [1 1] 2_700,
    F64ConvertI32S     "f64.convert_i32_s"    0x00B7   [1 1] 2_700,
    F64ConvertI32U     "f64.convert_i32_u"    0x00B8   [1 1] 2_700,
    F64ConvertI64S     "f64.convert_i64_s"    0x00B9   [1 1] 2_700,
    F64ConvertI64U     "f64.convert_i64_u"    0x00BA   [1 1] 2_700,
    F64PromoteF32      "f64.promote_f32"      0x00BB   [1 1] 2_700,
    I32ReinterpretF32  "i32.reinterpret_f32"  0x00BC   [1 1] 1_900,
    I64ReinterpretF64  "i64.reinterpret_f64"  0x00BD   [1 1] 1_900,
    F32ReinterpretI32  "f32.reinterpret_i32"  0x00BE   [1 1] 1_900,
    F64ReinterpretI64  "f64.reinterpret_i64"  0x00BF   [1 1] 1_900,
    I32Extend8S        "i32.extend8_s"        0x00C0   [1 1] 1_900,
    I32Extend16S       "i32.extend16_s"       0x00C1   [1 1] 1_900,
    I64Extend8S        "i64.extend8_s"        0x00C2   [1 1] 1_900,
    I64Extend16S       "i64.extend16_s"       0x00C3   [1 1] 1_900,
    I64Extend32S       "i64.extend32_s"       0x00C4   [1 1] 1_900,
    RefNull            "ref.null"             0x00D0   [0 1] 820,
    RefIsNull          "ref.is_null"          0x00D1   [1 1] 1_900,
    RefFunc            "ref.func"             0x00D2   [0 1] 1_900,
    I32TruncSatF32S    "i32.trunc_sat_f32_s"  0xFC00   [1 1] 2_700,
    I32TruncSatF32U    "i32.trunc_sat_f32_u"  0xFC01   [1 1] 2_700,
    I32TruncSatF64S    "i32.trunc_sat_f64_s"  0xFC02   [1 1] 2_700,
    I32TruncSatF64U    "i32.trunc_sat_f64_u"  0xFC03   [1 1] 2_700,
    I64TruncSatF32S    "i64.trunc_sat_f32_s"  0xFC04   [1 1] 2_700,
    I64TruncSatF32U    "i64.trunc_sat_f32_u"  0xFC05   [1 1] 2_700,
    I64TruncSatF64S    "i64.trunc_sat_f64_s"  0xFC06   [1 1] 2_700,
    I64TruncSatF64U    "i64.trunc_sat_f64_u"  0xFC07   [1 1] 2_700,
    MemoryInit         "memory.init"          0xFC08   [3 0] 9_200,
    DataDrop           "data.drop"            0xFC09   [0 0] 9_200,
    MemoryCopy         "memory.copy"          0xFC0A   [3 0] 9_200,
    MemoryFill         "memory.fill"          0xFC0B   [3 0] 9_200,
    TableInit          "table.init"           0xFC0C   [3 0] 9_200,
    ElemDrop           "elem.drop"            0xFC0D   [0 0] 9_200,
    TableCopy          "table.copy"           0xFC0E   [3 0] 9_200,
    TableGrow          "table.grow"           0xFC0F   [2 1] 17_000,
    TableSize          "table.size"           0xFC10   [0 1] 1_900,
    TableFill          "table.fill"           0xFC11   [3 0] 9_200,
}

impl OpKind {
    /// Position in the canonical table (the index into a schedule's cost table).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The operator whose binary opcode ([`OpKind::opcode`]) is `opcode`, if it is in the profile.
    /// A `const fn`, so that the instrumenter's decoder resolves its opcodes at compile time.
    pub(crate) const fn with_opcode(opcode: u16) -> Option<OpKind> {
        let mut i = 0;
        while i < Self::COUNT {
            if Self::ALL[i].opcode() == opcode {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The operator at `index` in the canonical table.
    pub fn from_index(index: usize) -> Option<OpKind> {
        Self::ALL.get(index).copied()
    }

    /// Control-flow operators whose cost a schedule may not set to 0 (every loop iteration and
    /// every call must cost at least 1).
    pub const CONTROL: [OpKind; 6] =
        [OpKind::Loop, OpKind::Br, OpKind::BrIf, OpKind::BrTable, OpKind::Call, OpKind::CallIndirect];

    /// Whether the operator is a load or a store: an access to linear memory at an address the
    /// code computes. Besides its own cost, each pays the schedule's
    /// [`memory_access_per_page`](crate::DynamicCosts::memory_access_per_page) times the memory's
    /// current size in pages (`SPEC.md`, "Memory accesses").
    pub const fn is_memory_access(self) -> bool {
        matches!(self.opcode(), 0x28..=0x3E)
    }

    /// The per-unit (page, byte or element) dynamic cost class of a size-dependent operator.
    pub const fn dynamic(self) -> Option<Dynamic> {
        Some(match self {
            OpKind::MemoryGrow => Dynamic::MemoryGrow,
            OpKind::MemoryInit => Dynamic::MemoryInit,
            OpKind::MemoryCopy => Dynamic::MemoryCopy,
            OpKind::MemoryFill => Dynamic::MemoryFill,
            OpKind::TableGrow => Dynamic::TableGrow,
            OpKind::TableInit => Dynamic::TableInit,
            OpKind::TableCopy => Dynamic::TableCopy,
            OpKind::TableFill => Dynamic::TableFill,
            _ => return None,
        })
    }
}

impl core::fmt::Display for OpKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The size-dependent operators. Each is charged, just before it runs, its length operand (the
/// `i32` on top of the stack: pages, bytes or elements) times a per-unit cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dynamic {
    /// `memory.grow`, per page requested.
    MemoryGrow,
    /// `memory.init`, per byte.
    MemoryInit,
    /// `memory.copy`, per byte.
    MemoryCopy,
    /// `memory.fill`, per byte.
    MemoryFill,
    /// `table.grow`, per element requested.
    TableGrow,
    /// `table.init`, per element.
    TableInit,
    /// `table.copy`, per element.
    TableCopy,
    /// `table.fill`, per element.
    TableFill,
}
