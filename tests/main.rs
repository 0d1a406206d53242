//! The one integration test binary (one link step): each area is a module.
//! Tests run the real `cmdbgen` binary in temporary folders.

// A test that unwraps fails with the error shown, which is what a test should do.
#![allow(clippy::unwrap_used)]

mod util;

mod architecture;
mod attributes;
mod bench;
mod changes;
mod cli;
mod compute;
mod crosscheck;
mod distributed;
mod estimate;
mod hostile;
mod infra;
mod ingest;
mod kubernetes;
mod lifecycle;
mod network;
mod online;
mod ops;
mod packaging;
mod parquet;
mod platform;
mod progress;
mod real_import;
mod sources;
mod storage;
mod validate;
