//! SESv2 email adapter. Being written.
