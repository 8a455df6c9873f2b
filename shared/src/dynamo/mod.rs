//! DynamoDB adapter (single table). Being written.
