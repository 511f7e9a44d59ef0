//! CPU time and context switches per thread and per process tree, from /proc. CPU time comes from
//! `schedstat` (nanoseconds, unlike `stat`'s clock ticks), so a round of a few hundred invocations
//! is enough to tell microseconds apart.

use std::fs;

/// What one thread, or a sum of them, has used so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub cpu_ns: u64,
    pub voluntary: u64,
    pub involuntary: u64,
}

impl Usage {
    fn add(&mut self, other: Usage) {
        self.cpu_ns += other.cpu_ns;
        self.voluntary += other.voluntary;
        self.involuntary += other.involuntary;
    }

    /// What was used between `earlier` and `self`.
    pub fn since(self, earlier: Usage) -> Usage {
        Usage {
            cpu_ns: self.cpu_ns.saturating_sub(earlier.cpu_ns),
            voluntary: self.voluntary.saturating_sub(earlier.voluntary),
            involuntary: self.involuntary.saturating_sub(earlier.involuntary),
        }
    }
}

/// One thread's usage; zero if it is gone.
pub fn thread(pid: u32, tid: u32) -> Usage {
    let dir = format!("/proc/{pid}/task/{tid}");
    let cpu_ns = fs::read_to_string(format!("{dir}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let status = fs::read_to_string(format!("{dir}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    Usage {
        cpu_ns,
        voluntary: field("voluntary_ctxt_switches:"),
        involuntary: field("nonvoluntary_ctxt_switches:"),
    }
}

/// The threads of `pid`: id and name.
pub fn threads(pid: u32) -> Vec<(u32, String)> {
    let Ok(entries) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .map(|tid: u32| {
            let comm = fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm"))
                .unwrap_or_default()
                .trim()
                .to_string();
            (tid, comm)
        })
        .collect()
}

/// Everything `pid`, its threads and its descendants have used (a function and any helpers it
/// started).
pub fn tree(pid: u32) -> Usage {
    let mut total = Usage::default();
    for (tid, _) in threads(pid) {
        total.add(thread(pid, tid));
        let children =
            fs::read_to_string(format!("/proc/{pid}/task/{tid}/children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            total.add(tree(child));
        }
    }
    total
}

/// The harness process split by thread: the calling thread (`main_tid`), the Runtime API host
/// thread, and everything else.
#[derive(Clone, Copy, Debug, Default)]
pub struct Split {
    pub calling: Usage,
    pub host: Usage,
    pub other: Usage,
}

impl Split {
    /// This process now.
    pub fn now(main_tid: u32) -> Split {
        let pid = std::process::id();
        let mut split = Split::default();
        for (tid, comm) in threads(pid) {
            let usage = thread(pid, tid);
            if tid == main_tid {
                split.calling.add(usage);
            } else if comm.starts_with("runtime-api") {
                split.host.add(usage);
            } else {
                split.other.add(usage);
            }
        }
        split
    }

    /// What was used between `earlier` and `self`.
    pub fn since(self, earlier: Split) -> Split {
        Split {
            calling: self.calling.since(earlier.calling),
            host: self.host.since(earlier.host),
            other: self.other.since(earlier.other),
        }
    }

    /// The whole process.
    pub fn total(self) -> Usage {
        let mut total = self.calling;
        total.add(self.host);
        total.add(self.other);
        total
    }
}

/// The calling thread's id.
pub fn gettid() -> u32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() as u32 }
}
