//! Deterministic demo / benchmark database generator (v1 schema written by this project).
