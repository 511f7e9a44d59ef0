//! Reading the files a user names: scenario files, pool files, `cognito-harness.toml`, event
//! files. Only regular files are read (a FIFO would block the run for ever, a device such as
//! `/dev/zero` never ends, a directory is no document), at most [`MAX_INPUT_FILE`] bytes, as
//! UTF-8 with or without a byte order mark. Each refusal is one [`Error::Read`] naming the file.

use std::io::Read as _;
use std::path::Path;

use crate::error::Error;

/// The largest input file read: 10 MiB, far beyond any scenario, pool or config file.
pub(crate) const MAX_INPUT_FILE: u64 = 10 * 1024 * 1024;

/// Reads `path` as text, refusing what is not a regular file, is longer than
/// [`MAX_INPUT_FILE`], or is not UTF-8; a leading UTF-8 byte order mark is dropped.
pub(crate) fn read_input_file(path: &Path) -> Result<String, Error> {
    let refuse = |message: String| Error::Read {
        file: path.to_path_buf(),
        message,
    };
    // Checked before opening: opening a FIFO for reading waits for a writer.
    let metadata = std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?;
    if let Some(kind) = not_regular(&metadata.file_type()) {
        return Err(refuse(format!(
            "is {kind}, not a regular file; only regular files are read"
        )));
    }
    let file = open_without_blocking(path).map_err(|e| refuse(e.to_string()))?;
    // Checked again on what was opened, in case the path changed in between.
    let opened = file.metadata().ok();
    if let Some(kind) = opened.as_ref().and_then(|m| not_regular(&m.file_type())) {
        return Err(refuse(format!(
            "is {kind}, not a regular file; only regular files are read"
        )));
    }
    // Sized for the whole file and the read that finds its end: one read call instead of a
    // buffer grown from nothing, for the thousands of files a large suite reads.
    let expected = opened.map_or(0, |m| m.len().min(MAX_INPUT_FILE)) as usize;
    let mut bytes = Vec::with_capacity(expected + 1);
    file.take(MAX_INPUT_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(e.to_string()))?;
    if bytes.len() as u64 > MAX_INPUT_FILE {
        return Err(refuse(format!(
            "is larger than {} MiB, the limit for an input file",
            MAX_INPUT_FILE / (1024 * 1024)
        )));
    }
    if bytes.starts_with("\u{feff}".as_bytes()) {
        bytes.drain(.."\u{feff}".len());
    }
    String::from_utf8(bytes).map_err(|e| refuse(format!("is not UTF-8 text ({e})")))
}

/// What a file that is not a regular one is, for the message (`a directory`, `a FIFO`, ...).
fn not_regular(file_type: &std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Opens for reading; on Unix with `O_NONBLOCK`, so that a FIFO swapped in after the check does
/// not block the open (regular files ignore the flag).
fn open_without_blocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("input-file-{}", crate::ids::uuid_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        let dir = temp_dir();
        let path = dir.join("bom.json");
        std::fs::write(&path, "\u{feff}{\"a\": 1}").unwrap();
        assert_eq!(read_input_file(&path).unwrap(), "{\"a\": 1}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_a_device_and_a_long_file_are_refused_naming_the_file() {
        let dir = temp_dir();
        let err = read_input_file(&dir).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{}: is a directory, not a regular file; only regular files are read",
                dir.display()
            )
        );
        #[cfg(unix)]
        assert_eq!(
            read_input_file(Path::new("/dev/zero"))
                .unwrap_err()
                .to_string(),
            "/dev/zero: is a character device, not a regular file; only regular files are read"
        );
        let long = dir.join("long.json");
        let file = std::fs::File::create(&long).unwrap();
        file.set_len(MAX_INPUT_FILE + 1).unwrap(); // sparse: no 10 MiB written
        assert_eq!(
            read_input_file(&long).unwrap_err().to_string(),
            format!(
                "{}: is larger than 10 MiB, the limit for an input file",
                long.display()
            )
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn text_that_is_not_utf8_is_refused() {
        let dir = temp_dir();
        let path = dir.join("latin1.json");
        std::fs::write(&path, b"{\"a\": \"\xe9\"}").unwrap();
        let err = read_input_file(&path).unwrap_err().to_string();
        assert!(err.contains("is not UTF-8 text"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
