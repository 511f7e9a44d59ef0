//! The harness's own failures ([`Error`]): bad input files, functions it could not run, ports it
//! could not bind. Cognito's exceptions are [`crate::CognitoError`], never mixed with these.

use std::path::PathBuf;

/// The harness's own failures: bad input files, functions it could not run, ports it could not bind.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{file}: {message}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why it could not be read.
        message: String,
    },
    /// A file was read but does not fit: the JSON path of the offending value and what was expected.
    #[error("{file}: at {json_path}: {message}")]
    Input {
        /// The file.
        file: PathBuf,
        /// Where in it, as `$.a.b[0]`.
        json_path: String,
        /// What was expected there.
        message: String,
    },
    /// A bad flag or argument.
    #[error("{0}")]
    Usage(String),
    /// The harness could not start or reach a bound function (exit code 3).
    #[error("could not run function `{function}`: {message}")]
    FunctionUnavailable {
        /// The function's name.
        function: String,
        /// Why it could not be run.
        message: String,
    },
    /// An I/O error outside any one input file.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A bad input file, with the JSON path of the offending value.
    pub fn input(
        file: impl Into<PathBuf>,
        json_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input {
            file: file.into(),
            json_path: json_path.into(),
            message: message.into(),
        }
    }
}

/// Parses JSON text into `T`, naming the JSON path of the first value that does not fit.
pub fn parse_json_file<T: serde::de::DeserializeOwned>(
    file: &std::path::Path,
    text: &str,
) -> Result<T, Error> {
    // Most files fit: they are read at full speed, and read again with the path tracked (a third
    // of a scenario's parsing) only to say where one does not. The wrapper is transparent, so
    // both readings accept the same documents.
    if let Ok(parsed) = T::deserialize(&mut serde_json::Deserializer::from_str(text)) {
        return Ok(parsed);
    }
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Error::input(file, json_path_of(&path), e.into_inner().to_string())
    })
}

/// Turns serde_path_to_error's `a.b[0]` into the `$.a.b[0]` form users know from jq and JSONPath.
pub fn json_path_of(path: &str) -> String {
    if path == "." || path.is_empty() {
        "$".to_string()
    } else if path.starts_with('[') {
        format!("${path}")
    } else {
        format!("$.{path}")
    }
}
