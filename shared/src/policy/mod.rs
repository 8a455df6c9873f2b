//! Channel policy. Being written.
