//! SNS SMS adapter. Being written.
