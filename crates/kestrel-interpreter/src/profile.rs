//! Op-level execution profile (cargo feature `op-profile`; a tuning tool, it slows the
//! interpreter down). Counts how often each op is dispatched and reports the hottest op kinds,
//! in-block pairs and triples, the hottest blocks, and every executed block (`B count kinds..`)
//! for offline analysis. With the feature on, `KESTREL_NO_FUSE=1` disables sequence fusion so
//! the report shows the instruction-level sequences.

/// Whether fusion is disabled for profiling (never without the feature).
pub fn fusion_disabled() -> bool {
    cfg!(feature = "op-profile") && std::env::var_os("KESTREL_NO_FUSE").is_some()
}

#[cfg(feature = "op-profile")]
pub use enabled::*;

#[cfg(feature = "op-profile")]
mod enabled {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::fmt::Write;

    use crate::compile::CompiledCode;
    use crate::ops::Op;

    thread_local! {
        static COUNTS: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
    }

    /// Counts a dispatch of op `i`.
    pub fn hit(i: usize, len: usize) {
        COUNTS.with(|counts| {
            let mut counts = counts.borrow_mut();
            if counts.len() < len {
                counts.resize(len, 0);
            }
            if let Some(count) = counts.get_mut(i) {
                *count += 1;
            }
        });
    }

    fn name(op: &Op) -> String {
        format!("{:?}", op.kind)
    }

    fn top<K: core::fmt::Display>(out: &mut String, title: &str, map: HashMap<K, u64>, total: u64) {
        let mut list: Vec<_> = map.into_iter().collect();
        list.sort_by_key(|entry| core::cmp::Reverse(entry.1));
        let _ = writeln!(out, "\n== {title}");
        for (key, count) in list.iter().take(60) {
            let _ = writeln!(out, "{:6.2}% {count:12} {key}", *count as f64 * 100.0 / total as f64);
        }
    }

    /// The report for this thread's counts against `code`.
    pub fn report(code: &CompiledCode) -> String {
        let counts = COUNTS.with(|counts| counts.borrow().clone());
        let count = |k: usize| counts.get(k).copied().unwrap_or(0);
        let total: u64 = counts.iter().sum::<u64>().max(1);
        let mut out = String::new();
        let _ = writeln!(out, "dispatches: {total}");

        let mut by_kind: HashMap<String, u64> = HashMap::new();
        for (k, op) in code.ops.iter().enumerate() {
            *by_kind.entry(name(op)).or_default() += count(k);
        }
        top(&mut out, "by op kind", by_kind, total);

        // Sequences inside blocks, weighted by how often their last op ran.
        let block_start: std::collections::HashSet<usize> = code.blocks.iter().map(|b| b.op as usize).collect();
        let mut pairs: HashMap<String, u64> = HashMap::new();
        let mut triples: HashMap<String, u64> = HashMap::new();
        for k in 0..code.ops.len() {
            if count(k) == 0 || block_start.contains(&(k + 1)) || k + 1 >= code.ops.len() {
                continue;
            }
            let (a, b) = (name(&code.ops[k]), name(&code.ops[k + 1]));
            *pairs.entry(format!("{a} + {b}")).or_default() += count(k + 1);
            if k + 2 < code.ops.len() && !block_start.contains(&(k + 2)) {
                let c = name(&code.ops[k + 2]);
                *triples.entry(format!("{a} + {b} + {c}")).or_default() += count(k + 2);
            }
        }
        top(&mut out, "pairs", pairs, total);
        top(&mut out, "triples", triples, total);

        let block_range = |index: usize| {
            let start = code.blocks[index].op as usize;
            let end = code.blocks.get(index + 1).map_or(code.ops.len(), |b| b.op as usize);
            start..end
        };
        let mut blocks: Vec<(u64, usize)> = (0..code.blocks.len())
            .map(|index| (block_range(index).map(count).sum(), index))
            .filter(|&(weight, _)| weight > 0)
            .collect();
        blocks.sort_by_key(|entry| core::cmp::Reverse(entry.0));
        let _ = writeln!(out, "\n== hottest blocks");
        for &(weight, index) in blocks.iter().take(40) {
            let range = block_range(index);
            let _ = writeln!(
                out,
                "-- op {} pc {}: {:.2}% of dispatches, entered {}",
                range.start,
                code.blocks[index].pc,
                weight as f64 * 100.0 / total as f64,
                count(range.start)
            );
            for k in range {
                let _ = writeln!(out, "   {:10} {:?}", count(k), code.ops[k]);
            }
        }
        let _ = writeln!(out, "\n== blocks raw");
        for index in 0..code.blocks.len() {
            let range = block_range(index);
            if count(range.start) > 0 {
                let kinds: Vec<String> = code.ops[range.clone()].iter().map(name).collect();
                let _ = writeln!(out, "B {} {}", count(range.start), kinds.join(" "));
            }
        }
        out
    }
}
