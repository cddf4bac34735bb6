//! Pages anyone can see.

pub mod comments;
pub mod document;
pub mod home;
pub mod template;
