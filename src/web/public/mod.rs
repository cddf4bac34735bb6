//! Pages anyone can see.

pub mod document;
pub mod home;
pub mod template;
