//! Deployed code in two parts (see `ABI.md`, "State layout"): the *executable part*, which a
//! call's load reads and pays for by the byte, and the *custom sections* (a contract's metadata,
//! producers, debug information), stored under their own key, paid for by the byte at deploy and
//! never read by a load.
//!
//! The executable part is the module as deployed without its custom sections, except `name`,
//! which stays: the node reads it to name the function a trap happened in, so the loads that
//! carry it pay for it. Every removed section is kept whole (id, size, name, contents) with the
//! offset in the executable part where it stood, so the module as deployed — the bytes its code
//! hash and address are derived from, the artifact `tally build` reproduces — is put back
//! together exactly ([`CustomSections::reassemble`], [`code_as_deployed`]).
//!
//! Splitting only frames the sections (ids, sizes, custom section names), with the readers the
//! code check itself uses; code that does not frame is not split, and the check refuses it.

use parity_scale_codec::{Decode, Encode};
use wasmparser::BinaryReader;

use crate::state::{custom_key, keys};
use crate::storage::StorageError;

/// The custom section that stays in the executable part (the node names trapping functions
/// from it).
pub const KEPT_CUSTOM_SECTION: &str = "name";

/// The 8 bytes that start a core WebAssembly module: the magic number and version 1.
const MODULE_HEADER: [u8; 8] = *b"\0asm\x01\0\0\0";

/// A custom section taken out of deployed code.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct CustomSection {
    /// The offset in the executable part where the section stood: it goes back in before the
    /// byte at that offset (at the end when it is the part's length).
    pub at: u32,
    /// The section as deployed: its id (0), size, name and contents.
    pub bytes: Vec<u8>,
}

/// The custom sections taken out of deployed code, in their order in it: SCALE-encoded, the
/// value under `m:` ‖ code hash (absent when there are none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct CustomSections(pub Vec<CustomSection>);

/// Deployed code split into its two stored parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitCode {
    /// What a load reads: the code without its custom sections other than `name`.
    pub executable: Vec<u8>,
    /// What was taken out.
    pub custom: CustomSections,
}

/// Splits deployed `code` into its executable part and its custom sections. Code that is not a
/// core module framed into sections (header, then sections whose sizes fit, custom sections
/// with a UTF-8 name) is returned whole as the executable part, with no custom sections: the
/// code check refuses it.
pub fn split(code: &[u8]) -> SplitCode {
    let Some(removed) = removable_sections(code) else {
        return SplitCode { executable: code.to_vec(), custom: CustomSections::default() };
    };
    let taken: usize = removed.iter().map(|r| r.len()).sum();
    let mut executable = Vec::with_capacity(code.len() - taken);
    let mut sections = Vec::with_capacity(removed.len());
    let mut next = 0;
    for range in removed {
        executable.extend_from_slice(&code[next..range.start]);
        // `at` fits: the executable part is shorter than the code, whose length the deploy
        // limits (`max_code_size`, a `u32`) before it is split.
        let at = u32::try_from(executable.len()).unwrap_or(u32::MAX);
        sections.push(CustomSection { at, bytes: code[range.clone()].to_vec() });
        next = range.end;
    }
    executable.extend_from_slice(&code[next..]);
    SplitCode { executable, custom: CustomSections(sections) }
}

/// The byte ranges of the custom sections [`split`] takes out of `code` (every one not named
/// [`KEPT_CUSTOM_SECTION`]), in order; `None` when `code` does not frame as a core module.
fn removable_sections(code: &[u8]) -> Option<Vec<core::ops::Range<usize>>> {
    if code.get(..MODULE_HEADER.len())? != MODULE_HEADER {
        return None;
    }
    let mut reader = BinaryReader::new(code, 0);
    reader.read_bytes(MODULE_HEADER.len()).ok()?;
    let mut removed = Vec::new();
    while !reader.eof() {
        let start = reader.current_position();
        let id = reader.read_u8().ok()?;
        let size = reader.read_var_u32().ok()? as usize;
        let contents = reader.current_position();
        let end = contents.checked_add(size).filter(|end| *end <= code.len())?;
        if id == 0 {
            // The name as the module parser reads it (a length-prefixed UTF-8 string).
            let name = BinaryReader::new(&code[contents..end], contents as u64).read_string().ok()?;
            if name != KEPT_CUSTOM_SECTION {
                removed.push(start..end);
            }
        }
        reader.read_bytes(size).ok()?;
    }
    Some(removed)
}

impl CustomSections {
    /// Whether there are none (then nothing is stored under `m:`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Their bytes, summed.
    pub fn len_bytes(&self) -> usize {
        self.0.iter().map(|s| s.bytes.len()).sum()
    }

    /// The module as deployed: `executable` with the sections put back where they stood.
    /// `None` when they do not fit it (an offset past its end, or out of order): the two
    /// entries do not belong together.
    pub fn reassemble(&self, executable: &[u8]) -> Option<Vec<u8>> {
        let mut code = Vec::with_capacity(executable.len() + self.len_bytes());
        let mut next = 0;
        for section in &self.0 {
            let at = section.at as usize;
            code.extend_from_slice(executable.get(next..at)?);
            code.extend_from_slice(&section.bytes);
            next = at;
        }
        code.extend_from_slice(executable.get(next..)?);
        Some(code)
    }

    /// The offset in the code as deployed of the byte at `offset` in the executable part (what
    /// an error found in the executable part reports).
    pub fn deployed_offset(&self, offset: usize) -> usize {
        let before: usize = self.0.iter().take_while(|s| s.at as usize <= offset).map(|s| s.bytes.len()).sum();
        offset.saturating_add(before)
    }
}

/// The code stored under `code_hash` as it was deployed, its custom sections put back, read
/// with `read` (a [`Storage`](crate::Storage)'s `get`, or a lookup in an execution record's
/// read set): `None` when no code is stored under that hash. For tools (metadata, function
/// names, reproducible-build checks); a load never reads the custom sections.
pub fn code_as_deployed(
    code_hash: &[u8; 32],
    mut read: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, StorageError>,
) -> Result<Option<Vec<u8>>, StorageError> {
    let Some(executable) = read(&[keys::CODE, &code_hash[..]].concat())? else { return Ok(None) };
    let key = custom_key(code_hash);
    let Some(raw) = read(&key)? else { return Ok(Some(executable)) };
    let corrupt = |message: String| StorageError::Corrupted {
        message: format!("custom sections under {}: {message}", crate::hex(&key)),
    };
    let custom = CustomSections::decode(&mut &raw[..]).map_err(|e| corrupt(e.to_string()))?;
    custom.reassemble(&executable).map(Some).ok_or_else(|| corrupt("they do not fit the stored code".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A custom section named `name` with `data`.
    fn custom(name: &str, data: &[u8]) -> Vec<u8> {
        let mut contents = vec![name.len() as u8];
        contents.extend_from_slice(name.as_bytes());
        contents.extend_from_slice(data);
        [&[0, contents.len() as u8][..], &contents].concat()
    }

    #[test]
    fn custom_sections_other_than_name_are_taken_out_and_put_back_exactly() {
        let ty = [1u8, 4, 1, 0x60, 0, 0];
        let func = [3u8, 2, 1, 0];
        let body = [10u8, 4, 1, 2, 0, 0x0b];
        let code = [
            &MODULE_HEADER[..],
            &custom("first", b"a"),
            &ty,
            &custom("name", b"\x01\x04\x01\x00\x01f"),
            &func,
            &custom("tally.metadata", b"metadata"),
            &body,
            &custom("producers", b"p"),
        ]
        .concat();
        let split = split(&code);
        let names = custom("name", b"\x01\x04\x01\x00\x01f");
        let kept = [&MODULE_HEADER[..], &ty, &names, &func, &body].concat();
        assert_eq!(split.executable, kept);
        let at: Vec<u32> = split.custom.0.iter().map(|s| s.at).collect();
        assert_eq!(at, [8, (8 + ty.len() + names.len() + func.len()) as u32, kept.len() as u32]);
        assert_eq!(split.custom.0[1].bytes, custom("tally.metadata", b"metadata"));
        assert_eq!(split.custom.reassemble(&split.executable).as_deref(), Some(&code[..]));
        // The type section's first byte, after `first`; the body, after the metadata.
        assert_eq!(split.custom.deployed_offset(8), 8 + custom("first", b"a").len());
        let body_at = kept.len() - body.len();
        assert_eq!(&code[split.custom.deployed_offset(body_at)..][..body.len()], &body);
        wasmparser::Validator::new().validate_all(&split.executable).expect("the executable part is valid");
    }

    #[test]
    fn code_that_does_not_frame_is_not_split() {
        let cases: [&[u8]; 5] = [
            b"",
            b"\0asm\x0d\0\x01\0",
            &[&MODULE_HEADER[..], &[0, 5, 9, b'x']].concat(),
            &[&MODULE_HEADER[..], &[0, 3, 2, 0xff, 0xfe]].concat(),
            &[&MODULE_HEADER[..], &[1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]].concat(),
        ];
        for code in cases {
            let split = split(code);
            assert_eq!(split.executable, code);
            assert!(split.custom.is_empty());
        }
    }

    #[test]
    fn sections_that_do_not_fit_their_code_are_refused() {
        let custom = CustomSections(vec![CustomSection { at: 9, bytes: vec![0, 1, 0] }]);
        assert_eq!(custom.reassemble(&MODULE_HEADER), None);
        let unordered =
            CustomSections(vec![CustomSection { at: 8, bytes: vec![0] }, CustomSection { at: 4, bytes: vec![0] }]);
        assert_eq!(unordered.reassemble(&MODULE_HEADER), None);
    }
}
