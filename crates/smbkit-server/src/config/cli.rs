//! The command line of `smbkitd`.

use std::path::PathBuf;

use clap::Parser;

/// The command line of `smbkitd`.
#[derive(Debug, Clone, Default, Parser)]
#[command(name = "smbkitd", version, about = "smbkit SMB 2/3 file server")]
pub struct Cli {
    /// Configuration file (TOML).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on; repeat for several. Replaces `server.listen`.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Vec<String>,
    /// A share; repeat for several. Replaces the path of a file share with the
    /// same name, otherwise adds one.
    #[arg(long, value_name = "NAME=PATH")]
    pub share: Vec<String>,
    /// An account; repeat for several. Replaces a file user with the same name.
    #[arg(long, value_name = "NAME:PASSWORD")]
    pub user: Vec<String>,
    /// More logging: -v debug, -vv trace (otherwise `SMBKIT_LOG`, default info).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}
