//! A function's output outside its answer, capped: a chatty function keeps only its last
//! [`MAX_LOG_BYTES`], and what was dropped is said at the top, so an idle `serve` or a
//! `check --format json` report does not grow with what a function prints.

/// The most output kept per invocation: the last 256 KiB (Lambda's own `LogType: Tail` gives the
/// last 4 KB; this keeps more for debugging while bounding memory).
pub(crate) const MAX_LOG_BYTES: usize = 256 * 1024;

/// The tail of what a function wrote, and how many bytes before it were dropped.
#[derive(Debug, Default)]
pub(crate) struct LogTail {
    text: String,
    dropped: u64,
}

impl LogTail {
    /// Appends output. The buffer may grow to twice the cap between trims, so that trimming
    /// costs O(1) per byte written.
    pub(crate) fn push_str(&mut self, output: &str) {
        self.text.push_str(output);
        if self.text.len() > 2 * MAX_LOG_BYTES {
            self.trim();
        }
    }

    /// What was written since the last take, at most [`MAX_LOG_BYTES`] of it (the end), after a
    /// line saying how many bytes were dropped before it, if any were.
    pub(crate) fn take(&mut self) -> String {
        self.trim();
        let text = std::mem::take(&mut self.text);
        match std::mem::take(&mut self.dropped) {
            0 => text,
            dropped => format!(
                "[cognito-harness: {dropped} bytes of earlier output dropped; the last {MAX_LOG_BYTES} are kept]\n{text}"
            ),
        }
    }

    /// Drops the start of the text beyond the cap (at a character boundary).
    fn trim(&mut self) {
        if self.text.len() <= MAX_LOG_BYTES {
            return;
        }
        let mut cut = self.text.len() - MAX_LOG_BYTES;
        while !self.text.is_char_boundary(cut) {
            cut += 1;
        }
        self.text.drain(..cut);
        self.dropped += cut as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        let mut logs = LogTail::default();
        logs.push_str("START\n");
        logs.push_str("END\n");
        assert_eq!(logs.take(), "START\nEND\n");
        assert_eq!(logs.take(), "");
    }

    #[test]
    fn long_output_keeps_its_tail_and_says_how_much_was_dropped() {
        let mut logs = LogTail::default();
        let line = "x".repeat(1023) + "\n";
        for _ in 0..1000 {
            logs.push_str(&line);
        }
        logs.push_str("last words\n");
        let taken = logs.take();
        let dropped = 1000 * 1024 + 11 - MAX_LOG_BYTES;
        let header = format!(
            "[cognito-harness: {dropped} bytes of earlier output dropped; the last {MAX_LOG_BYTES} are kept]\n"
        );
        assert!(taken.starts_with(&header), "{}", &taken[..200]);
        assert_eq!(taken.len(), header.len() + MAX_LOG_BYTES);
        assert!(taken.ends_with("x\nlast words\n"));
        // The count starts again with the next invocation.
        logs.push_str("next\n");
        assert_eq!(logs.take(), "next\n");
    }

    #[test]
    fn the_cut_falls_on_a_character_boundary() {
        let mut logs = LogTail::default();
        logs.push_str(&"é".repeat(MAX_LOG_BYTES));
        let taken = logs.take();
        assert!(taken.ends_with('é'));
        assert!(taken.contains("bytes of earlier output dropped"));
    }
}
