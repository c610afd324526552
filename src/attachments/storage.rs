//! Where the bytes of attachments live: one [`ObjectStore`] API over the data folder
//! (`LocalFileSystem`, the embedded default) and S3-compatible object storage
//! (`TECHMARKET_STORAGE_URL=s3://bucket/prefix`, endpoint and credentials from `AWS_*`).
//!
//! Blobs are content-addressed (`blobs/<first two hex digits>/<sha256>`), so identical uploads
//! share one object. An upload is streamed to `staging/<attachment id>` in parts, copied to its
//! blob once its hash is known, and the staging object removed. A blob is only released
//! ([`Storage::release`]) when no attachment row names its hash any more, by moving it aside,
//! asking again and then deleting it or moving it back — so a sweep racing a new upload of the
//! same bytes never loses them (the upload checks its blob after its row is written and copies
//! it again if it went missing).

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreScheme};

/// The folder inside the data folder that holds attachments when no storage URL is set.
pub const FOLDER_NAME: &str = "attachments";
/// The part size of uploads to the data folder (small parts: memory stays flat).
const LOCAL_PART_BYTES: usize = 256 * 1024;
/// The part size of uploads to S3 (its smallest allowed part but the last).
const S3_PART_BYTES: usize = 5 * 1024 * 1024;

/// Where attachments are stored, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageUrl {
    /// A folder on this machine (the data folder's `attachments` by default).
    Folder(PathBuf),
    /// An S3-compatible bucket, under a key prefix (may be empty).
    S3 {
        /// The bucket.
        bucket: String,
        /// The key prefix, without leading or trailing `/`.
        prefix: String,
    },
}

impl StorageUrl {
    /// Reads `TECHMARKET_STORAGE_URL`: unset or empty → the data folder's `attachments`;
    /// `s3://bucket[/prefix]` → S3; anything else is refused with one line.
    pub fn parse(url: Option<&str>, data_dir: &FsPath) -> Result<StorageUrl, String> {
        let url = match url.map(str::trim) {
            None | Some("") => return Ok(StorageUrl::Folder(data_dir.join(FOLDER_NAME))),
            Some(url) => url,
        };
        let refused = || {
            format!(
                "TECHMARKET_STORAGE_URL `{url}` is not s3://bucket/prefix (unset it to store attachments in the data folder)"
            )
        };
        let parsed = url::Url::parse(url).map_err(|_| refused())?;
        match ObjectStoreScheme::parse(&parsed) {
            Ok((ObjectStoreScheme::AmazonS3, prefix)) if parsed.scheme() == "s3" => {
                let bucket = parsed.host_str().filter(|b| !b.is_empty()).ok_or_else(refused)?;
                Ok(StorageUrl::S3 {
                    bucket: bucket.to_string(),
                    prefix: prefix.as_ref().trim_matches('/').to_string(),
                })
            }
            _ => Err(refused()),
        }
    }

    /// A short description for the start-up log (no credentials are ever part of it).
    pub fn describe(&self) -> String {
        match self {
            StorageUrl::Folder(dir) => format!("folder {}", dir.display()),
            StorageUrl::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// The attachment store every instance uses.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    part_bytes: usize,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Storage({})", self.store)
    }
}

/// The key of a blob.
fn blob(sha256: &str) -> Path {
    let fan = sha256.get(..2).unwrap_or("00");
    Path::from(format!("blobs/{fan}/{sha256}"))
}

/// The key an upload is streamed to before its hash is known.
fn staging(attachment_id: &str) -> Path {
    Path::from(format!("staging/{attachment_id}"))
}

/// Whether an error means the object is not there.
fn is_missing(error: &object_store::Error) -> bool {
    matches!(error, object_store::Error::NotFound { .. })
}

impl Storage {
    /// Opens the configured store (creating the folder if needed). S3 reads its endpoint,
    /// region and credentials from `AWS_*` (`AWS_ENDPOINT`, `AWS_ALLOW_HTTP` for a local
    /// server); nothing is contacted until the first upload.
    pub fn open(url: &StorageUrl) -> anyhow::Result<Storage> {
        match url {
            StorageUrl::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create attachment folder {}: {e}", dir.display())
                })?;
                let store = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Storage { store: Arc::new(store), part_bytes: LOCAL_PART_BYTES })
            }
            StorageUrl::S3 { bucket, prefix } => {
                let s3 = AmazonS3Builder::from_env().with_bucket_name(bucket).build()?;
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                };
                Ok(Storage { store, part_bytes: S3_PART_BYTES })
            }
        }
    }

    /// A writer streaming an upload to its staging key in parts (at most two in flight).
    pub fn stage(&self, attachment_id: &str) -> BufWriter {
        BufWriter::with_capacity(self.store.clone(), staging(attachment_id), self.part_bytes)
            .with_max_concurrency(2)
    }

    /// Removes an upload's staging object (gone already is fine).
    pub async fn discard(&self, attachment_id: &str) -> object_store::Result<()> {
        match self.store.delete(&staging(attachment_id)).await {
            Err(error) if !is_missing(&error) => Err(error),
            _ => Ok(()),
        }
    }

    /// Copies a staged upload to its content-addressed blob (the same bytes again if the blob
    /// exists: identical content).
    pub async fn publish(&self, attachment_id: &str, sha256: &str) -> object_store::Result<()> {
        self.store.copy(&staging(attachment_id), &blob(sha256)).await
    }

    /// Whether the blob of this hash is stored.
    pub async fn has(&self, sha256: &str) -> object_store::Result<bool> {
        match self.store.head(&blob(sha256)).await {
            Ok(_) => Ok(true),
            Err(error) if is_missing(&error) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The bytes of a blob, as a stream.
    pub async fn read(
        &self,
        sha256: &str,
    ) -> object_store::Result<BoxStream<'static, object_store::Result<Bytes>>> {
        Ok(self.store.get(&blob(sha256)).await?.into_stream())
    }

    /// Removes staging objects last written before `cutoff` (uploads cut off by a crash or a
    /// restart); returns how many.
    pub async fn sweep_staging(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
    ) -> object_store::Result<usize> {
        let prefix = Path::from("staging");
        let stale: Vec<Path> = self
            .store
            .list(Some(&prefix))
            .try_filter_map(|meta| async move {
                Ok((meta.last_modified < cutoff).then_some(meta.location))
            })
            .try_collect()
            .await?;
        for location in &stale {
            match self.store.delete(location).await {
                Err(error) if !is_missing(&error) => return Err(error),
                _ => {}
            }
        }
        Ok(stale.len())
    }

    /// Deletes the blob of `sha256` unless `still_used` (asked after the blob was moved
    /// aside) says an attachment names it again, in which case it is moved back. Returns
    /// whether it was deleted.
    pub async fn release<F, Fut>(&self, sha256: &str, still_used: F) -> anyhow::Result<bool>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<bool>>,
    {
        let aside = Path::from(format!("trash/{sha256}-{}", uuid::Uuid::new_v4().simple()));
        match self.store.rename(&blob(sha256), &aside).await {
            Ok(()) => {}
            Err(error) if is_missing(&error) => return Ok(false),
            Err(error) => return Err(error.into()),
        }
        let used = match still_used().await {
            Ok(used) => used,
            Err(error) => {
                self.store.rename(&aside, &blob(sha256)).await?;
                return Err(error);
            }
        };
        if used {
            self.store.rename(&aside, &blob(sha256)).await?;
            return Ok(false);
        }
        self.store.delete(&aside).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls_are_the_data_folder_or_s3() {
        let data = FsPath::new("/srv/techmarket");
        assert_eq!(StorageUrl::parse(None, data), Ok(StorageUrl::Folder(data.join(FOLDER_NAME))));
        assert_eq!(
            StorageUrl::parse(Some(" "), data),
            Ok(StorageUrl::Folder(data.join(FOLDER_NAME)))
        );
        assert_eq!(
            StorageUrl::parse(Some("s3://market/files/2026/"), data),
            Ok(StorageUrl::S3 { bucket: "market".into(), prefix: "files/2026".into() })
        );
        assert_eq!(
            StorageUrl::parse(Some("s3://market"), data),
            Ok(StorageUrl::S3 { bucket: "market".into(), prefix: String::new() })
        );
        for refused in
            ["/srv/files", "file:///srv/files", "https://s3.example.com/b", "gs://b/p", "s3://"]
        {
            let error = StorageUrl::parse(Some(refused), data).unwrap_err();
            assert!(error.contains("TECHMARKET_STORAGE_URL"), "{refused}: {error}");
        }
    }
}
