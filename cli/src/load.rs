//! Reading the files commands take, each at most [`MAX_FILE_SIZE`] bytes: modules (a
//! WebAssembly binary, or text compiled to one), gas schedules and execution records.

use std::io::Read;
use std::path::Path;

use tally_gas_injector::Schedule;

use crate::CliError;

/// The largest code, WAT or record file the commands read. Larger files are refused before
/// they are read in full (the runtime's own limits are far lower; this only bounds memory use).
pub const MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Reads a file of at most [`MAX_FILE_SIZE`] bytes. Larger files are refused before they are
/// read in full.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    read_limited(path, MAX_FILE_SIZE)
}

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, CliError> {
    let read = |source| CliError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(read)?;
    if bytes.len() as u64 > limit {
        return Err(CliError::TooLarge { path: path.to_path_buf(), limit });
    }
    Ok(bytes)
}

/// Reads a module file: a WebAssembly binary, or WebAssembly text (`.wat`), which is compiled
/// to a binary.
///
/// Any file starting with the binary magic `\0asm` is taken as a binary; a file named `*.wasm`
/// without it is an error; anything else is parsed as text.
pub fn load_module(path: &Path) -> Result<Vec<u8>, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })?;
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes);
    }
    let is_wasm = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wasm"));
    if is_wasm {
        return Err(CliError::Parse {
            path: Some(path.to_path_buf()),
            message: "not a WebAssembly binary (missing the `\\0asm` magic header)".to_string(),
        });
    }
    wat::parse_bytes(&bytes)
        .map(|cow| cow.into_owned())
        .map_err(|e| CliError::Parse { path: Some(path.to_path_buf()), message: e.to_string() })
}

/// Reads the SCALE-encoded schedule at `path`, or returns [`Schedule::default`] for `None`.
pub fn load_schedule(path: Option<&Path>) -> Result<Schedule, CliError> {
    let Some(path) = path else { return Ok(Schedule::default()) };
    let bytes = std::fs::read(path).map_err(|source| CliError::Read { path: path.to_path_buf(), source })?;
    Schedule::from_bytes(&bytes).map_err(|error| CliError::Schedule { path: path.to_path_buf(), error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_over_the_limit_are_refused_and_text_is_compiled() {
        let dir = std::env::temp_dir().join(format!("tally-cli-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("m.wat");
        std::fs::write(&text, "(module)").unwrap();
        assert_eq!(read_limited(&text, 8).unwrap(), b"(module)");
        let err = read_limited(&text, 7).unwrap_err();
        assert!(matches!(err, CliError::TooLarge { limit: 7, .. }), "{err:?}");
        assert!(err.to_string().contains("larger than the limit of 7 bytes"), "{err}");
        assert_eq!(load_module(&text).unwrap(), b"\0asm\x01\0\0\0");
        let not_wasm = dir.join("m.wasm");
        std::fs::write(&not_wasm, "(module)").unwrap();
        assert!(load_module(&not_wasm).unwrap_err().to_string().contains("magic"));
        assert!(matches!(read_file(&dir.join("missing")), Err(CliError::Read { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
