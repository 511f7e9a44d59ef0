//! Real processes behind a Lambda Runtime API the harness hosts (to be built: issue 4).
