//! The [`KeyService`] over AWS KMS: `GenerateDataKey` (`AES_256`) and `Decrypt`, both with
//! the encryption context, on the key `SECRETS_KEY_ID` names.

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::DataKeySpec;
use aws_smithy_types::error::display::DisplayErrorContext;
use zeroize::Zeroizing;

use super::{mismatch, Context, DataKey, KeyService, DATA_KEY_BYTES};
use crate::config::SECRETS_KEY_ID_ENV;
use crate::{Error, Result};

/// KMS codes that mean "this ciphertext is not for this context or key", not an outage.
const MISMATCH_CODES: [&str; 2] = ["InvalidCiphertextException", "IncorrectKeyException"];

/// KMS on one key (an id, key ARN or alias ARN). Cheap to clone; no I/O until used.
#[derive(Debug, Clone)]
pub struct KmsKeys {
    client: aws_sdk_kms::Client,
    key_id: String,
}

impl KmsKeys {
    pub fn new(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        Self {
            client,
            key_id: key_id.into(),
        }
    }

    fn unavailable<E, R>(&self, call: &str, permission: &str, e: &SdkError<E, R>) -> Error
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
        R: std::fmt::Debug,
    {
        let code = e.code().unwrap_or("no error code");
        tracing::error!(call, code, "KMS call failed");
        Error::KeyUnavailable(format!(
            "KMS {call} on {} failed ({code}: {}); nothing was changed. Check that KMS is \
             reachable, that the key is enabled and that this function's role allows \
             {permission} on it ({SECRETS_KEY_ID_ENV}), then retry (docs/operations.md, \
             \"KMS unavailable\")",
            self.key_id,
            DisplayErrorContext(e)
        ))
    }
}

#[async_trait::async_trait]
impl KeyService for KmsKeys {
    async fn generate(&self, context: &Context) -> Result<DataKey> {
        let mut call = self
            .client
            .generate_data_key()
            .key_id(&self.key_id)
            .key_spec(DataKeySpec::Aes256);
        for (k, v) in context.pairs() {
            call = call.encryption_context(k, v);
        }
        let out = call
            .send()
            .await
            .map_err(|e| self.unavailable("GenerateDataKey", "kms:GenerateDataKey", &e))?;
        let plaintext = Zeroizing::new(
            out.plaintext()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        );
        let wrapped = out
            .ciphertext_blob()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default();
        if plaintext.len() != DATA_KEY_BYTES || wrapped.is_empty() {
            return Err(Error::KeyUnavailable(format!(
                "KMS GenerateDataKey on {} returned no AES-256 data key; retry",
                self.key_id
            )));
        }
        Ok(DataKey {
            plaintext,
            wrapped,
            key_id: out.key_id().unwrap_or(&self.key_id).to_string(),
        })
    }

    async fn unwrap(&self, wrapped: &[u8], context: &Context) -> Result<Zeroizing<Vec<u8>>> {
        let mut call = self
            .client
            .decrypt()
            .ciphertext_blob(Blob::new(wrapped.to_vec()));
        for (k, v) in context.pairs() {
            call = call.encryption_context(k, v);
        }
        match call.send().await {
            Ok(out) => Ok(Zeroizing::new(
                out.plaintext()
                    .map(|b| b.as_ref().to_vec())
                    .unwrap_or_default(),
            )),
            Err(e) if e.code().is_some_and(|c| MISMATCH_CODES.contains(&c)) => Err(mismatch(
                context,
                "KMS refused the data key for this context",
            )),
            Err(e) => Err(self.unavailable("Decrypt", "kms:Decrypt", &e)),
        }
    }
}
