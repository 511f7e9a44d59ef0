//! The environment a nested `cargo build` gets from a bench or a test.

use std::process::Command;

/// Removes what cargo sets for the running bench or test (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...), so a
/// nested build sees the shell's environment: build scripts that rerun when one of these changes
/// (ring's) would otherwise rebuild, and relink, what the outer `cargo bench` or `cargo test` just built (and is running).
pub fn as_from_a_shell(cargo: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if is_set_by_cargo_for_the_crate(key) {
            cargo.env_remove(key);
        }
    }
    cargo
}

fn is_set_by_cargo_for_the_crate(key: &str) -> bool {
    key.starts_with("CARGO_PKG_")
        || key.starts_with("CARGO_BIN_EXE_")
        || matches!(
            key,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "CARGO_TARGET_TMPDIR"
                | "CARGO_RUSTC_CURRENT_DIR"
        )
}
