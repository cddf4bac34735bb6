//! `docket user create|list`: accounts for editors and admins.

use clap::{Args, Subcommand, ValueEnum};

use crate::auth::{self, password};
use crate::config::Settings;
use crate::domain::Role;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an editor or admin account. The password is read from the
    /// first line of standard input with --password-stdin; otherwise one is
    /// generated and printed once.
    Create(CreateArgs),
    /// List accounts (id, role, name, whether active); no e-mail addresses.
    List,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    email: String,
    /// The name shown to other editors.
    #[arg(long)]
    name: String,
    #[arg(long, value_enum)]
    role: RoleArg,
    /// Read the password from the first line of standard input
    /// (e.g. `printf '%s\n' "$PW" | docket user create … --password-stdin`).
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    Admin,
    Editor,
}

pub fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let mut conn = super::prepared(settings)?;
    match command {
        UserCommand::Create(args) => {
            let (password, generated) = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            } else {
                (password::generate(), true)
            };
            let role = match args.role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Editor => Role::Editor,
            };
            let user = auth::create_user(&mut conn, &args.email, &args.name, role, &password)?;
            println!(
                "Created {} account #{} for {}.",
                user.role, user.id, user.name
            );
            if generated {
                println!("Password (shown once, store it now): {password}");
            }
        }
        UserCommand::List => {
            for user in crate::db::users::list(&mut conn)? {
                let state = if user.active { "active" } else { "inactive" };
                println!("{}\t{}\t{}\t{}", user.id, user.role, state, user.name);
            }
        }
    }
    Ok(())
}
