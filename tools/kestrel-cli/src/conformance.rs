//! `kestrel conformance`: run the JAM PVM test vectors through [`kestrel::conformance`] and report
//! every field that differs, one line per failing vector (every vector with `--verbose`), or JSON.

use std::path::Path;

use anyhow::{Context, Result};
use kestrel::conformance::{self, Summary, VectorResult};
use kestrel::{Config, Engine, InstructionSetKind};
use serde::Serialize;

use crate::output::Output;
use crate::run::api_error;

#[derive(Debug, Serialize)]
struct JsonSummary {
    directory: String,
    isa: &'static str,
    passed: usize,
    failed: usize,
    known_divergences: usize,
    vectors: Vec<VectorResult>,
}

/// Runs `kestrel conformance`; returns the exit code (0 when every failure is a known divergence).
pub fn run(dir: &Path, isa: InstructionSetKind, json: bool, verbose: bool) -> Result<u8> {
    let paths = conformance::vector_paths(dir)?;
    let mut config = Config::from_env().map_err(api_error).context("bad configuration in the environment")?;
    config.set_allow_dynamic_paging(true);
    let engine = Engine::new(&config).map_err(api_error)?;

    let mut out = Output::open(None)?;
    let mut results = Vec::new();
    for path in &paths {
        let result = conformance::run_file(&engine, isa, path);
        if !json && let Some(line) = result_line(&result, verbose) {
            out.line(&line)?;
        }
        results.push(result);
    }

    let summary = Summary::new(isa, &results);
    let Summary { passed, failed, known_divergences: known, .. } = summary;
    if json {
        let summary = JsonSummary {
            directory: dir.display().to_string(),
            isa: isa.name(),
            passed,
            failed,
            known_divergences: known,
            vectors: results,
        };
        out.line(&serde_json::to_string_pretty(&summary)?)?;
    } else {
        for name in &summary.unexpected_passes {
            out.line(&format!(
                "{name}: passes the vector, but polkavm 0.37 fails it (Kestrel must behave like polkavm 0.37)"
            ))?;
        }
        let names: Vec<&str> =
            results.iter().filter(|result| result.known_divergence).map(|result| result.name.as_str()).collect();
        out.line(&format!(
            "{known} of the failures {} known polkavm 0.37 divergence{} (matches polkavm 0.37, differs from the vector){}",
            if known == 1 { "is a" } else { "are" },
            if known == 1 { "" } else { "s" },
            if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) }
        ))?;
        out.line(&format!("{passed} passed, {failed} failed"))?;
    }
    out.finish()?;
    Ok(if summary.is_ok() { 0 } else { 1 })
}

/// The line printed for one vector: failures always, passes only with `--verbose`.
fn result_line(result: &VectorResult, verbose: bool) -> Option<String> {
    if result.passed {
        return verbose.then(|| format!("ok    {}", result.name));
    }
    let details = result.differences.join("; ");
    if let Some(known) = result.divergence() {
        return Some(format!(
            "KNOWN {}: {details} (known divergence: matches polkavm 0.37, differs from the vector; {})",
            result.name, known.why
        ));
    }
    Some(format!("FAIL  {}: {details}", result.name))
}
