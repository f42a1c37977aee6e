//! Where command output goes: standard output or a file, with I/O errors that name the file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A buffered text sink: stdout, or a file created on open.
pub struct Output {
    writer: BufWriter<Box<dyn Write>>,
    path: Option<PathBuf>,
}

impl Output {
    /// Opens `path` for writing (truncating it), or standard output for `None`.
    pub fn open(path: Option<&Path>) -> Result<Output> {
        let inner: Box<dyn Write> = match path {
            Some(path) => Box::new(File::create(path).with_context(|| format!("cannot create {}", path.display()))?),
            None => Box::new(io::stdout().lock()),
        };
        Ok(Output { writer: BufWriter::new(inner), path: path.map(Path::to_path_buf) })
    }

    /// Writes `text` followed by a newline.
    pub fn line(&mut self, text: &str) -> Result<()> {
        let result = self.writer.write_all(text.as_bytes()).and_then(|()| self.writer.write_all(b"\n"));
        result.with_context(|| self.describe())
    }

    /// Writes `text` as it is.
    pub fn text(&mut self, text: &str) -> Result<()> {
        let result = self.writer.write_all(text.as_bytes());
        result.with_context(|| self.describe())
    }

    /// Flushes everything; call once at the end so write errors are reported.
    pub fn finish(mut self) -> Result<()> {
        let result = self.writer.flush();
        result.with_context(|| self.describe())
    }

    fn describe(&self) -> String {
        match &self.path {
            Some(path) => format!("cannot write {}", path.display()),
            None => "cannot write to standard output".to_owned(),
        }
    }
}

/// Whether the error is stdout closed by the reader (`kestrel disasm x | head`): not worth a message.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}
