//! The model file's layout (`assets/meaning/use-multilingual-v3.bin`, written by
//! `assets/meaning/export.py` from the registry package): little-endian throughout.
//!
//! ```text
//! "TMUSE1\0\0"
//! u32 pieces, then per piece: f32 score, u16 length, UTF-8 bytes
//! u32 normalized characters, then per character: u32 code point, u8 length, UTF-8 replacement
//! u32 chunks, f32 scale[chunks], f32 low[chunks]   (a piece's row is dequantized with those of
//!                                                   chunk id % chunks)
//! u8 table[pieces × 512]                            (the quantized piece embeddings, by id)
//! matrices, each: u32 rows, u32 columns, f32 values row by row
//! f32 epsilon of the layer norms
//! ```

use super::MeaningError;

/// The magic bytes the file starts with.
const MAGIC: &[u8; 8] = b"TMUSE1\0\0";

/// A row-major matrix of `f32`.
#[derive(Debug, Clone)]
pub(super) struct Matrix {
    /// Rows.
    pub(super) rows: usize,
    /// Columns.
    pub(super) columns: usize,
    /// The values, row by row.
    pub(super) values: Vec<f32>,
}

/// Reads the file's parts in order.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of the file, after checking its magic bytes.
    pub(super) fn new(bytes: &'a [u8]) -> Result<Reader<'a>, MeaningError> {
        let mut reader = Reader { bytes, at: 0 };
        if reader.take(MAGIC.len())? != MAGIC {
            return Err(MeaningError::Format("not a techmarket sentence-encoder file".into()));
        }
        Ok(reader)
    }

    /// The next `length` bytes.
    pub(super) fn take(&mut self, length: usize) -> Result<&'a [u8], MeaningError> {
        let end = self.at.checked_add(length).filter(|end| *end <= self.bytes.len());
        let end =
            end.ok_or_else(|| MeaningError::Format(format!("ends before byte {}", self.at)))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], MeaningError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// The next `u8`.
    pub(super) fn u8(&mut self) -> Result<u8, MeaningError> {
        Ok(self.array::<1>()?[0])
    }

    /// The next `u16`.
    pub(super) fn u16(&mut self) -> Result<u16, MeaningError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// The next `u32`, as a count or a code point.
    pub(super) fn u32(&mut self) -> Result<u32, MeaningError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// The next `u32` as a length.
    pub(super) fn count(&mut self) -> Result<usize, MeaningError> {
        usize::try_from(self.u32()?).map_err(|_| MeaningError::Format("count too large".into()))
    }

    /// The next `f32`.
    pub(super) fn f32(&mut self) -> Result<f32, MeaningError> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    /// The next `count` values of `f32`.
    pub(super) fn floats(&mut self, count: usize) -> Result<Vec<f32>, MeaningError> {
        let bytes = self.take(count.checked_mul(4).ok_or_else(too_large)?)?;
        Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }

    /// The next UTF-8 text of `length` bytes.
    pub(super) fn text(&mut self, length: usize) -> Result<&'a str, MeaningError> {
        std::str::from_utf8(self.take(length)?)
            .map_err(|_| MeaningError::Format(format!("text before byte {} is not UTF-8", self.at)))
    }

    /// The next matrix, which must have `rows` × `columns` values.
    pub(super) fn matrix(&mut self, rows: usize, columns: usize) -> Result<Matrix, MeaningError> {
        let (stored_rows, stored_columns) = (self.count()?, self.count()?);
        if (stored_rows, stored_columns) != (rows, columns) {
            return Err(MeaningError::Format(format!(
                "a {stored_rows}×{stored_columns} matrix where a {rows}×{columns} one belongs"
            )));
        }
        Ok(Matrix { rows, columns, values: self.floats(rows * columns)? })
    }

    /// The next row vector of `length` values.
    pub(super) fn vector(&mut self, length: usize) -> Result<Vec<f32>, MeaningError> {
        Ok(self.matrix(1, length)?.values)
    }

    /// Fails unless the whole file was read.
    pub(super) fn finish(self) -> Result<(), MeaningError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(MeaningError::Format(format!("{} bytes left over", self.bytes.len() - self.at)))
        }
    }
}

fn too_large() -> MeaningError {
    MeaningError::Format("size too large".into())
}
