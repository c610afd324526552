//! A sentence vector as stored: one byte a dimension and a scale (516 bytes), close enough to
//! the unit vector that cosines agree to about 0.005.

use super::encoder::WIDTH;

/// A quantized unit sentence vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    /// What a unit of `values` is worth.
    scale: f32,
    /// The dimensions, in units of `scale`.
    values: Vec<i8>,
}

impl Vector {
    /// How many bytes [`Vector::to_bytes`] writes.
    pub const BYTES: usize = 4 + WIDTH;

    /// Quantizes a unit vector.
    pub fn quantize(unit: &[f32]) -> Vector {
        let largest = unit.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        let values = unit.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8).collect();
        Vector { scale, values }
    }

    /// The cosine of two vectors (both unit length before quantizing), in [-1, 1].
    pub fn cosine(&self, other: &Vector) -> f64 {
        let dot: i32 =
            self.values.iter().zip(&other.values).map(|(a, b)| i32::from(*a) * i32::from(*b)).sum();
        (f64::from(dot) * f64::from(self.scale) * f64::from(other.scale)).clamp(-1.0, 1.0)
    }

    /// The stored form: the scale (little-endian `f32`) and the dimensions.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(Self::BYTES);
        bytes.extend_from_slice(&self.scale.to_le_bytes());
        bytes.extend(self.values.iter().map(|v| v.to_le_bytes()[0]));
        bytes
    }

    /// Reads the stored form back (`None` if it is not one).
    pub fn from_bytes(bytes: &[u8]) -> Option<Vector> {
        if bytes.len() != Self::BYTES {
            return None;
        }
        let scale = f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        Some(Vector { scale, values: bytes[4..].iter().map(|b| i8::from_le_bytes([*b])).collect() })
    }
}
