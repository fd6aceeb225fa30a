//! The test's side of the peer: commands in on stdin, answers and events out on stdout, one JSON object a line.

use std::io::Write;

use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct Command {
    pub id: u64,
    pub cmd: String,
    #[serde(default)]
    pub addr: String,
    #[serde(default)]
    pub peer: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub ms: u64,
}

pub fn out(v: Value) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{v}");
    let _ = o.flush();
}
