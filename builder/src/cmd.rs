//! One module per subcommand.

pub mod build;
pub mod serve;
pub mod verify;
