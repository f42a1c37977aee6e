//! The single opcode table of Kestrel.
//!
//! Every fact about an instruction that depends only on its mnemonic lives in
//! [`for_each_instruction!`]: its name, its argument format, whether it ends a basic block, its
//! opcode byte in each legacy instruction set and its raw opcodes (with argument lengths) in
//! Latest64. Decoder, encoder, assembler, disassembler and cost models are generated from or
//! checked against this table, so adding an instruction touches one place.

use crate::isa::InstructionSetKind;

/// Invokes `$callback!` with the complete instruction table.
///
/// Row syntax: `Variant "name" Format Control [revive_v1] [jam_v1] [latest32] [(raw, arg_len), ...];`
/// where an empty bracket means the instruction does not exist in that instruction set.
#[macro_export]
macro_rules! for_each_instruction {
    ($callback:ident) => {
        $callback! {
            Trap "trap"                              None          Stop         [0] [0] [0] [(0, 0)];
            Fallthrough "fallthrough"                None          Fallthrough  [1] [1] [1] [(1, 0)];
            Memset "memset"                          None          No           [] [] [2] [(510, 0)];
            Unlikely "unlikely"                      None          No           [] [2] [3] [(2, 0)];
            JumpIndirect "jump_indirect"             RegImm        Stop         [50] [50] [50] [(3, 1), (255, 5)];
            LoadImm "load_imm"                       RegImm        No           [51] [51] [51] [(4, 1), (5, 2), (6, 3), (7, 4), (8, 5)];
            LoadU8 "load_u8"                         RegImm        No           [52] [52] [52] [(9, 5)];
            LoadI8 "load_i8"                         RegImm        No           [53] [53] [53] [(10, 4), (256, 5)];
            LoadU16 "load_u16"                       RegImm        No           [54] [54] [54] [(11, 5)];
            LoadI16 "load_i16"                       RegImm        No           [55] [55] [55] [(12, 5)];
            LoadI32 "load_i32"                       RegImm        No           [57] [57] [57] [(13, 4), (14, 5)];
            LoadU32 "load_u32"                       RegImm        No           [56] [56] [] [(15, 5)];
            LoadU64 "load_u64"                       RegImm        No           [58] [58] [] [(16, 4), (17, 5)];
            StoreU8 "store_u8"                       RegImm        No           [59] [59] [59] [(18, 5)];
            StoreU16 "store_u16"                     RegImm        No           [60] [60] [60] [(19, 5)];
            StoreU32 "store_u32"                     RegImm        No           [61] [61] [61] [(20, 5)];
            StoreU64 "store_u64"                     RegImm        No           [62] [62] [] [(21, 4), (22, 5)];
            LoadImmAndJump "load_imm_and_jump"       RegImmOffset  Stop         [80] [80] [80] [(23, 4), (24, 5), (25, 6), (26, 7), (27, 8), (257, 9)];
            BranchEqImm "branch_eq_imm"              RegImmOffset  Branch       [81] [81] [81] [(28, 2), (29, 3), (30, 4), (31, 5), (32, 6), (33, 9)];
            BranchNotEqImm "branch_not_eq_imm"       RegImmOffset  Branch       [82] [82] [82] [(34, 2), (35, 3), (36, 4), (37, 6), (258, 9)];
            BranchLessUnsignedImm "branch_less_unsigned_imm" RegImmOffset  Branch       [83] [83] [83] [(38, 3), (39, 4), (40, 5), (41, 9)];
            BranchLessSignedImm "branch_less_signed_imm" RegImmOffset  Branch       [87] [87] [87] [(42, 2), (43, 3), (44, 4), (45, 9)];
            BranchGreaterOrEqualUnsignedImm "branch_greater_or_equal_unsigned_imm" RegImmOffset  Branch       [85] [85] [85] [(46, 3), (47, 4), (48, 5), (259, 9)];
            BranchGreaterOrEqualSignedImm "branch_greater_or_equal_signed_imm" RegImmOffset  Branch       [89] [89] [89] [(49, 2), (50, 3), (51, 9)];
            BranchLessOrEqualSignedImm "branch_less_or_equal_signed_imm" RegImmOffset  Branch       [88] [88] [88] [(52, 2), (53, 3), (54, 6), (260, 9)];
            BranchLessOrEqualUnsignedImm "branch_less_or_equal_unsigned_imm" RegImmOffset  Branch       [84] [84] [84] [(55, 3), (56, 4), (57, 6), (261, 9)];
            BranchGreaterSignedImm "branch_greater_signed_imm" RegImmOffset  Branch       [90] [90] [90] [(58, 3), (59, 4), (60, 5), (61, 9)];
            BranchGreaterUnsignedImm "branch_greater_unsigned_imm" RegImmOffset  Branch       [86] [86] [86] [(62, 3), (63, 4), (64, 5), (65, 9)];
            StoreImmIndirectU8 "store_imm_indirect_u8" RegImmImm     No           [70] [70] [70] [(66, 1), (67, 2), (68, 3), (69, 4), (70, 5), (262, 9)];
            StoreImmIndirectU16 "store_imm_indirect_u16" RegImmImm     No           [71] [71] [71] [(71, 2), (72, 3), (73, 4), (74, 5), (263, 9)];
            StoreImmIndirectU32 "store_imm_indirect_u32" RegImmImm     No           [72] [72] [72] [(75, 1), (76, 2), (77, 3), (78, 4), (79, 6), (80, 9)];
            StoreImmIndirectU64 "store_imm_indirect_u64" RegImmImm     No           [73] [73] [] [(81, 1), (82, 2), (83, 3), (84, 4), (85, 5), (86, 6), (87, 7), (264, 9)];
            StoreIndirectU8 "store_indirect_u8"      RegRegImm     No           [120] [120] [120] [(88, 1), (89, 2), (90, 3), (265, 5)];
            StoreIndirectU16 "store_indirect_u16"    RegRegImm     No           [121] [121] [121] [(91, 1), (92, 2), (93, 3), (266, 5)];
            StoreIndirectU32 "store_indirect_u32"    RegRegImm     No           [122] [122] [122] [(94, 1), (95, 2), (96, 3), (267, 5)];
            StoreIndirectU64 "store_indirect_u64"    RegRegImm     No           [123] [123] [] [(97, 1), (98, 2), (99, 3), (268, 5)];
            LoadIndirectU8 "load_indirect_u8"        RegRegImm     No           [124] [124] [124] [(100, 1), (101, 2), (102, 3), (269, 5)];
            LoadIndirectI8 "load_indirect_i8"        RegRegImm     No           [125] [125] [125] [(103, 1), (104, 2), (105, 3), (270, 5)];
            LoadIndirectU16 "load_indirect_u16"      RegRegImm     No           [126] [126] [126] [(106, 1), (107, 2), (108, 3), (271, 5)];
            LoadIndirectI16 "load_indirect_i16"      RegRegImm     No           [127] [127] [127] [(109, 1), (110, 2), (111, 3), (272, 5)];
            LoadIndirectI32 "load_indirect_i32"      RegRegImm     No           [129] [129] [129] [(112, 1), (113, 2), (114, 3), (273, 5)];
            LoadIndirectU32 "load_indirect_u32"      RegRegImm     No           [128] [128] [] [(115, 1), (116, 2), (117, 3), (274, 5)];
            LoadIndirectU64 "load_indirect_u64"      RegRegImm     No           [130] [130] [] [(118, 1), (119, 2), (120, 3), (275, 5)];
            AddImm32 "add_imm_32"                    RegRegImm     No           [131] [131] [131] [(121, 1), (122, 2), (123, 3), (124, 5)];
            AddImm64 "add_imm_64"                    RegRegImm     No           [149] [149] [] [(125, 2), (126, 3), (127, 4), (128, 5)];
            AndImm "and_imm"                         RegRegImm     No           [132] [132] [132] [(129, 2), (130, 3), (131, 5)];
            XorImm "xor_imm"                         RegRegImm     No           [133] [133] [133] [(132, 2), (133, 3), (134, 5)];
            OrImm "or_imm"                           RegRegImm     No           [134] [134] [134] [(135, 2), (136, 3), (137, 5)];
            MulImm32 "mul_imm_32"                    RegRegImm     No           [135] [135] [135] [(138, 5)];
            MulImm64 "mul_imm_64"                    RegRegImm     No           [150] [150] [] [(139, 2), (140, 3), (141, 5)];
            SetLessThanUnsignedImm "set_less_than_unsigned_imm" RegRegImm     No           [136] [136] [136] [(142, 2), (143, 3), (144, 5)];
            SetLessThanSignedImm "set_less_than_signed_imm" RegRegImm     No           [137] [137] [137] [(145, 1), (146, 2), (276, 5)];
            ShiftLogicalLeftImm32 "shift_logical_left_imm_32" RegRegImm     No           [138] [138] [138] [(147, 2), (277, 5)];
            ShiftLogicalLeftImm64 "shift_logical_left_imm_64" RegRegImm     No           [151] [151] [] [(148, 2), (278, 5)];
            ShiftLogicalRightImm32 "shift_logical_right_imm_32" RegRegImm     No           [139] [139] [139] [(149, 2), (279, 5)];
            ShiftLogicalRightImm64 "shift_logical_right_imm_64" RegRegImm     No           [152] [152] [] [(150, 2), (280, 5)];
            ShiftArithmeticRightImm32 "shift_arithmetic_right_imm_32" RegRegImm     No           [140] [140] [140] [(151, 2), (281, 5)];
            ShiftArithmeticRightImm64 "shift_arithmetic_right_imm_64" RegRegImm     No           [153] [153] [] [(152, 2), (282, 5)];
            NegateAndAddImm32 "negate_and_add_imm_32" RegRegImm     No           [141] [141] [141] [(153, 1), (154, 3), (283, 5)];
            NegateAndAddImm64 "negate_and_add_imm_64" RegRegImm     No           [154] [154] [] [(155, 1), (156, 2), (157, 5)];
            SetGreaterThanUnsignedImm "set_greater_than_unsigned_imm" RegRegImm     No           [142] [142] [142] [(158, 1), (159, 5)];
            SetGreaterThanSignedImm "set_greater_than_signed_imm" RegRegImm     No           [143] [143] [143] [(160, 1), (284, 5)];
            ShiftLogicalRightImmAlt32 "shift_logical_right_imm_alt_32" RegRegImm     No           [145] [145] [145] [(285, 5)];
            ShiftLogicalRightImmAlt64 "shift_logical_right_imm_alt_64" RegRegImm     No           [156] [156] [] [(161, 2), (162, 5)];
            ShiftArithmeticRightImmAlt32 "shift_arithmetic_right_imm_alt_32" RegRegImm     No           [146] [146] [146] [(286, 5)];
            ShiftArithmeticRightImmAlt64 "shift_arithmetic_right_imm_alt_64" RegRegImm     No           [157] [157] [] [(287, 5)];
            ShiftLogicalLeftImmAlt32 "shift_logical_left_imm_alt_32" RegRegImm     No           [144] [144] [144] [(163, 5)];
            ShiftLogicalLeftImmAlt64 "shift_logical_left_imm_alt_64" RegRegImm     No           [155] [155] [] [(164, 2), (288, 5)];
            CmovIfZeroImm "cmov_if_zero_imm"         RegRegImm     No           [147] [147] [147] [(165, 1), (166, 2), (167, 5)];
            CmovIfNotZeroImm "cmov_if_not_zero_imm"  RegRegImm     No           [148] [148] [148] [(168, 1), (169, 2), (170, 5)];
            RotateRightImm32 "rotate_right_imm_32"   RegRegImm     No           [160] [160] [160] [(171, 2), (289, 5)];
            RotateRightImmAlt32 "rotate_right_imm_alt_32" RegRegImm     No           [161] [161] [161] [(290, 5)];
            RotateRightImm64 "rotate_right_imm_64"   RegRegImm     No           [158] [158] [] [(172, 2), (291, 5)];
            RotateRightImmAlt64 "rotate_right_imm_alt_64" RegRegImm     No           [159] [159] [] [(292, 5)];
            BranchEq "branch_eq"                     RegRegOffset  Branch       [170] [170] [170] [(173, 2), (174, 3), (175, 5)];
            BranchNotEq "branch_not_eq"              RegRegOffset  Branch       [171] [171] [171] [(176, 2), (177, 3), (178, 5)];
            BranchLessUnsigned "branch_less_unsigned" RegRegOffset  Branch       [172] [172] [172] [(179, 2), (180, 3), (293, 5)];
            BranchLessSigned "branch_less_signed"    RegRegOffset  Branch       [173] [173] [173] [(181, 2), (182, 3), (294, 5)];
            BranchGreaterOrEqualUnsigned "branch_greater_or_equal_unsigned" RegRegOffset  Branch       [174] [174] [174] [(183, 2), (184, 3), (295, 5)];
            BranchGreaterOrEqualSigned "branch_greater_or_equal_signed" RegRegOffset  Branch       [175] [175] [175] [(185, 2), (186, 3), (296, 5)];
            Add32 "add_32"                           RegRegReg     No           [190] [190] [190] [(187, 2)];
            Add64 "add_64"                           RegRegReg     No           [200] [200] [] [(188, 2)];
            Sub32 "sub_32"                           RegRegReg     No           [191] [191] [191] [(189, 2)];
            Sub64 "sub_64"                           RegRegReg     No           [201] [201] [] [(190, 2)];
            And "and"                                RegRegReg     No           [210] [210] [210] [(191, 2)];
            Xor "xor"                                RegRegReg     No           [211] [211] [211] [(192, 2)];
            Or "or"                                  RegRegReg     No           [212] [212] [212] [(193, 2)];
            Mul32 "mul_32"                           RegRegReg     No           [192] [192] [192] [(194, 2)];
            Mul64 "mul_64"                           RegRegReg     No           [202] [202] [] [(195, 2)];
            MulUpperSignedSigned "mul_upper_signed_signed" RegRegReg     No           [213] [213] [213] [(297, 2)];
            MulUpperUnsignedUnsigned "mul_upper_unsigned_unsigned" RegRegReg     No           [214] [214] [214] [(196, 2)];
            MulUpperSignedUnsigned "mul_upper_signed_unsigned" RegRegReg     No           [215] [215] [215] [(298, 2)];
            SetLessThanUnsigned "set_less_than_unsigned" RegRegReg     No           [216] [216] [216] [(197, 2)];
            SetLessThanSigned "set_less_than_signed" RegRegReg     No           [217] [217] [217] [(198, 2)];
            ShiftLogicalLeft32 "shift_logical_left_32" RegRegReg     No           [197] [197] [197] [(199, 2)];
            ShiftLogicalLeft64 "shift_logical_left_64" RegRegReg     No           [207] [207] [] [(200, 2)];
            ShiftLogicalRight32 "shift_logical_right_32" RegRegReg     No           [198] [198] [198] [(201, 2)];
            ShiftLogicalRight64 "shift_logical_right_64" RegRegReg     No           [208] [208] [] [(202, 2)];
            ShiftArithmeticRight32 "shift_arithmetic_right_32" RegRegReg     No           [199] [199] [199] [(299, 2)];
            ShiftArithmeticRight64 "shift_arithmetic_right_64" RegRegReg     No           [209] [209] [] [(300, 2)];
            DivUnsigned32 "div_unsigned_32"          RegRegReg     No           [193] [193] [193] [(203, 2)];
            DivUnsigned64 "div_unsigned_64"          RegRegReg     No           [203] [203] [] [(204, 2)];
            DivSigned32 "div_signed_32"              RegRegReg     No           [194] [194] [194] [(205, 2)];
            DivSigned64 "div_signed_64"              RegRegReg     No           [204] [204] [] [(301, 2)];
            RemUnsigned32 "rem_unsigned_32"          RegRegReg     No           [195] [195] [195] [(206, 2)];
            RemUnsigned64 "rem_unsigned_64"          RegRegReg     No           [205] [205] [] [(207, 2)];
            RemSigned32 "rem_signed_32"              RegRegReg     No           [196] [196] [196] [(208, 2)];
            RemSigned64 "rem_signed_64"              RegRegReg     No           [206] [206] [] [(302, 2)];
            CmovIfZero "cmov_if_zero"                RegRegReg     No           [218] [218] [218] [(209, 2)];
            CmovIfNotZero "cmov_if_not_zero"         RegRegReg     No           [219] [219] [219] [(210, 2)];
            AndInverted "and_inverted"               RegRegReg     No           [224] [224] [224] [(211, 2)];
            OrInverted "or_inverted"                 RegRegReg     No           [225] [225] [225] [(212, 2)];
            Xnor "xnor"                              RegRegReg     No           [226] [226] [226] [(213, 2)];
            Maximum "maximum"                        RegRegReg     No           [227] [227] [227] [(303, 2)];
            MaximumUnsigned "maximum_unsigned"       RegRegReg     No           [228] [228] [228] [(214, 2)];
            Minimum "minimum"                        RegRegReg     No           [229] [229] [229] [(304, 2)];
            MinimumUnsigned "minimum_unsigned"       RegRegReg     No           [230] [230] [230] [(215, 2)];
            RotateLeft32 "rotate_left_32"            RegRegReg     No           [221] [221] [221] [(305, 2)];
            RotateLeft64 "rotate_left_64"            RegRegReg     No           [220] [220] [] [(216, 2)];
            RotateRight32 "rotate_right_32"          RegRegReg     No           [223] [223] [223] [(306, 2)];
            RotateRight64 "rotate_right_64"          RegRegReg     No           [222] [222] [] [(307, 2)];
            Jump "jump"                              Offset        Stop         [40] [40] [40] [(217, 1), (218, 2), (219, 3), (220, 4)];
            Ecalli "ecalli"                          Imm           No           [10] [10] [10] [(221, 1), (308, 4)];
            StoreImmU8 "store_imm_u8"                ImmImm        No           [30] [30] [30] [(222, 6), (309, 9)];
            StoreImmU16 "store_imm_u16"              ImmImm        No           [31] [31] [31] [(310, 9)];
            StoreImmU32 "store_imm_u32"              ImmImm        No           [32] [32] [32] [(223, 5), (224, 6), (225, 9)];
            StoreImmU64 "store_imm_u64"              ImmImm        No           [33] [33] [] [(226, 5), (311, 9)];
            MoveReg "move_reg"                       RegReg        No           [100] [100] [100] [(227, 1)];
            Sbrk "sbrk"                              RegReg        No           [] [] [101] [(509, 1)];
            CountLeadingZeroBits32 "count_leading_zero_bits_32" RegReg        No           [105] [104] [105] [(228, 1)];
            CountLeadingZeroBits64 "count_leading_zero_bits_64" RegReg        No           [104] [103] [] [(229, 1)];
            CountTrailingZeroBits32 "count_trailing_zero_bits_32" RegReg        No           [107] [106] [107] [(312, 1)];
            CountTrailingZeroBits64 "count_trailing_zero_bits_64" RegReg        No           [106] [105] [] [(230, 1)];
            CountSetBits32 "count_set_bits_32"       RegReg        No           [103] [102] [103] [(231, 1)];
            CountSetBits64 "count_set_bits_64"       RegReg        No           [102] [101] [] [(232, 1)];
            SignExtend8 "sign_extend_8"              RegReg        No           [108] [107] [108] [(233, 1)];
            SignExtend16 "sign_extend_16"            RegReg        No           [109] [108] [109] [(234, 1)];
            ZeroExtend16 "zero_extend_16"            RegReg        No           [110] [109] [110] [(235, 1)];
            ReverseByte "reverse_byte"               RegReg        No           [111] [110] [111] [(236, 1)];
            LoadImmAndJumpIndirect "load_imm_and_jump_indirect" RegRegImmImm  Stop         [180] [180] [180] [(237, 4), (238, 5), (313, 10)];
            LoadImm64 "load_imm64"                   RegImm64      No           [20] [20] [] [(239, 9)];
        }
    };
}

/// How the argument bytes of an instruction are laid out (`instructions.md` §2.3).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Format {
    None,
    Imm,
    Offset,
    RegImm,
    RegImm64,
    RegImmImm,
    RegImmOffset,
    ImmImm,
    RegReg,
    RegRegImm,
    RegRegOffset,
    RegRegReg,
    RegRegImmImm,
}

/// How an instruction affects basic blocks.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Control {
    /// Does not end a basic block.
    No,
    /// Ends the block and never continues with the next instruction (`trap`, jumps).
    Stop,
    /// Conditional branch: ends the block, may continue with the next instruction.
    Branch,
    /// `fallthrough`: ends the block and always continues with the next instruction.
    Fallthrough,
}

/// One raw Latest64 opcode: its number (0..=510) and its fixed argument length.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct RawEncoding {
    pub raw: u16,
    pub arg_len: u8,
}

macro_rules! define_opcodes {
    ($($variant:ident $name:literal $format:ident $control:ident [$($revive:literal)?] [$($jam:literal)?] [$($latest32:literal)?] [$(($raw:literal, $len:literal)),*];)*) => {
        /// Every mnemonic of every instruction set, plus the pseudo-instruction [`Opcode::Invalid`].
        #[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode {
            $($variant,)*
            /// Pseudo-instruction for undecodable bytes; executes as a trap.
            Invalid,
        }

        impl Opcode {
            /// All real opcodes in table order (without [`Opcode::Invalid`]).
            pub const ALL: &'static [Opcode] = &[$(Opcode::$variant,)*];

            /// The mnemonic (`add_64`, `invalid`, ...).
            #[inline]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Opcode::$variant => $name,)*
                    Opcode::Invalid => "invalid",
                }
            }

            /// The argument format.
            #[inline]
            pub const fn format(self) -> Format {
                match self {
                    $(Opcode::$variant => Format::$format,)*
                    Opcode::Invalid => Format::None,
                }
            }

            /// The effect on basic blocks.
            #[inline]
            pub const fn control(self) -> Control {
                match self {
                    $(Opcode::$variant => Control::$control,)*
                    Opcode::Invalid => Control::Stop,
                }
            }

            /// The opcode byte in a legacy instruction set, or `None` if the instruction is not
            /// part of that set (always `None` for Latest64; see [`Opcode::latest64_encodings`]).
            #[inline]
            pub const fn legacy_byte(self, isa: InstructionSetKind) -> Option<u8> {
                match isa {
                    InstructionSetKind::ReviveV1 => match self {
                        $(Opcode::$variant => first_or_none(&[$($revive)?]),)*
                        Opcode::Invalid => None,
                    },
                    InstructionSetKind::JamV1 => match self {
                        $(Opcode::$variant => first_or_none(&[$($jam)?]),)*
                        Opcode::Invalid => None,
                    },
                    InstructionSetKind::Latest32 => match self {
                        $(Opcode::$variant => first_or_none(&[$($latest32)?]),)*
                        Opcode::Invalid => None,
                    },
                    InstructionSetKind::Latest64 => None,
                }
            }

            /// The raw Latest64 opcodes of this mnemonic, in increasing argument length.
            #[inline]
            pub const fn latest64_encodings(self) -> &'static [RawEncoding] {
                match self {
                    $(Opcode::$variant => &[$(RawEncoding { raw: $raw, arg_len: $len }),*],)*
                    Opcode::Invalid => &[],
                }
            }
        }
    };
}

const fn first_or_none(bytes: &[u8]) -> Option<u8> {
    if bytes.is_empty() { None } else { Some(bytes[0]) }
}

for_each_instruction!(define_opcodes);

/// Number of real opcodes (without `Invalid`).
pub const OPCODE_COUNT: usize = Opcode::ALL.len();

/// Number of raw opcode values in Latest64 (0..=510).
pub const LATEST64_RAW_COUNT: usize = 511;

impl Opcode {
    /// Whether the instruction ends a basic block (`instructions.md` §7.1).
    #[inline]
    pub const fn ends_block(self) -> bool {
        !matches!(self.control(), Control::No)
    }

    /// Whether execution may continue with the next instruction after this one.
    #[inline]
    pub const fn can_fall_through(self) -> bool {
        !matches!(self.control(), Control::Stop)
    }

    /// Whether the instruction exists in the given instruction set.
    #[inline]
    pub const fn is_in(self, isa: InstructionSetKind) -> bool {
        match isa {
            InstructionSetKind::Latest64 => !self.latest64_encodings().is_empty(),
            _ => self.legacy_byte(isa).is_some(),
        }
    }

    /// Looks a mnemonic up by name.
    pub fn from_name(name: &str) -> Option<Opcode> {
        Opcode::ALL.iter().copied().find(|opcode| opcode.name() == name)
    }

    /// Decodes a legacy opcode byte (`None` = unassigned in this set, decodes as `invalid`).
    /// For Latest64 this always returns `None`; use [`Opcode::from_latest64_raw`].
    #[inline]
    pub const fn from_legacy_byte(isa: InstructionSetKind, byte: u8) -> Option<Opcode> {
        match isa {
            InstructionSetKind::ReviveV1 => REVIVE_V1_BYTES[byte as usize],
            InstructionSetKind::JamV1 => JAM_V1_BYTES[byte as usize],
            InstructionSetKind::Latest32 => LATEST32_BYTES[byte as usize],
            InstructionSetKind::Latest64 => None,
        }
    }

    /// Decodes a Latest64 raw opcode (0..=510) into its mnemonic and argument length.
    #[inline]
    pub const fn from_latest64_raw(raw: u16) -> Option<(Opcode, u8)> {
        if raw as usize >= LATEST64_RAW_COUNT {
            return None;
        }
        LATEST64_RAW[raw as usize]
    }
}

const fn build_legacy_table(isa: InstructionSetKind) -> [Option<Opcode>; 256] {
    let mut table = [None; 256];
    let mut i = 0;
    while i < Opcode::ALL.len() {
        let opcode = Opcode::ALL[i];
        if let Some(byte) = opcode.legacy_byte(isa) {
            // A collision is a typo in the table; fail the build.
            assert!(table[byte as usize].is_none(), "two opcodes share a legacy opcode byte");
            table[byte as usize] = Some(opcode);
        }
        i += 1;
    }
    table
}

const fn build_latest64_table() -> [Option<(Opcode, u8)>; LATEST64_RAW_COUNT] {
    let mut table = [None; LATEST64_RAW_COUNT];
    let mut i = 0;
    while i < Opcode::ALL.len() {
        let opcode = Opcode::ALL[i];
        let encodings = opcode.latest64_encodings();
        let mut k = 0;
        while k < encodings.len() {
            let raw = encodings[k].raw as usize;
            assert!(raw < LATEST64_RAW_COUNT, "raw opcode out of range");
            assert!(table[raw].is_none(), "two opcodes share a Latest64 raw opcode");
            if k > 0 {
                assert!(encodings[k - 1].arg_len < encodings[k].arg_len, "encodings must be sorted by length");
            }
            table[raw] = Some((opcode, encodings[k].arg_len));
            k += 1;
        }
        i += 1;
    }
    table
}

static REVIVE_V1_BYTES: [Option<Opcode>; 256] = build_legacy_table(InstructionSetKind::ReviveV1);
static JAM_V1_BYTES: [Option<Opcode>; 256] = build_legacy_table(InstructionSetKind::JamV1);
static LATEST32_BYTES: [Option<Opcode>; 256] = build_legacy_table(InstructionSetKind::Latest32);
static LATEST64_RAW: [Option<(Opcode, u8)>; LATEST64_RAW_COUNT] = build_latest64_table();

impl core::fmt::Display for Opcode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_the_spec() {
        assert_eq!(OPCODE_COUNT, 141);
        let count = |isa| Opcode::ALL.iter().filter(|op| op.is_in(isa)).count();
        assert_eq!(count(InstructionSetKind::ReviveV1), 138);
        assert_eq!(count(InstructionSetKind::Latest32), 106);
        assert_eq!(count(InstructionSetKind::Latest64), 141);
        assert_eq!(count(InstructionSetKind::JamV1), 139);
        let raw_count = LATEST64_RAW.iter().filter(|slot| slot.is_some()).count();
        assert_eq!(raw_count, 301);
    }

    #[test]
    fn unassigned_latest64_ranges() {
        for raw in (240..=254).chain(314..=508) {
            assert_eq!(Opcode::from_latest64_raw(raw), None, "raw {raw}");
        }
        assert_eq!(Opcode::from_latest64_raw(509), Some((Opcode::Sbrk, 1)));
        assert_eq!(Opcode::from_latest64_raw(510), Some((Opcode::Memset, 0)));
        assert_eq!(Opcode::from_latest64_raw(511), None);
    }

    #[test]
    fn renumbered_bit_manipulation_group() {
        use InstructionSetKind::*;
        assert_eq!(Opcode::from_legacy_byte(ReviveV1, 101), None);
        assert_eq!(Opcode::from_legacy_byte(JamV1, 101), Some(Opcode::CountSetBits64));
        assert_eq!(Opcode::from_legacy_byte(ReviveV1, 111), Some(Opcode::ReverseByte));
        assert_eq!(Opcode::from_legacy_byte(JamV1, 111), None);
        assert_eq!(Opcode::from_legacy_byte(Latest32, 101), Some(Opcode::Sbrk));
        assert_eq!(Opcode::from_legacy_byte(JamV1, 2), Some(Opcode::Unlikely));
        assert_eq!(Opcode::from_legacy_byte(Latest32, 2), Some(Opcode::Memset));
        assert_eq!(Opcode::from_legacy_byte(ReviveV1, 254), None);
    }

    #[test]
    fn block_ends() {
        assert!(Opcode::Trap.ends_block() && !Opcode::Trap.can_fall_through());
        assert!(Opcode::Fallthrough.ends_block() && Opcode::Fallthrough.can_fall_through());
        assert!(Opcode::BranchEqImm.ends_block() && Opcode::BranchEqImm.can_fall_through());
        assert!(!Opcode::Ecalli.ends_block());
        assert!(!Opcode::Unlikely.ends_block());
        assert!(Opcode::Invalid.ends_block() && !Opcode::Invalid.can_fall_through());
        let terminators = Opcode::ALL.iter().filter(|op| op.ends_block()).count();
        // trap, fallthrough, jump, jump_indirect, load_imm_and_jump(_indirect), 16 branches
        assert_eq!(terminators, 22);
    }
}
