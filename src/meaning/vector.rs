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

    /// How many dimensions a vector has.
    pub const DIMENSIONS: usize = WIDTH;

    /// Quantizes a unit vector.
    pub fn quantize(unit: &[f32]) -> Vector {
        let largest = unit.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
        let values = unit.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8).collect();
        Vector { scale, values }
    }

    /// The cosine of two vectors (both unit length before quantizing), in [-1, 1].
    pub fn cosine(&self, other: &Vector) -> f64 {
        self.cosine_with(other.parts())
    }

    /// The cosine with a vector kept as its parts ([`Vector::parts`]), in [-1, 1].
    pub fn cosine_with(&self, (scale, values): (f32, &[i8])) -> f64 {
        let dot: i32 =
            self.values.iter().zip(values).map(|(a, b)| i32::from(*a) * i32::from(*b)).sum();
        (f64::from(dot) * f64::from(self.scale) * f64::from(scale)).clamp(-1.0, 1.0)
    }

    /// Its parts, to be kept side by side with other vectors' (a store of many vectors keeps
    /// their dimensions in one run of memory): the scale and the dimensions.
    pub fn parts(&self) -> (f32, &[i8]) {
        (self.scale, &self.values)
    }

    /// A vector from its parts ([`Vector::parts`]).
    pub fn from_parts(scale: f32, values: &[i8]) -> Vector {
        Vector { scale, values: values.to_vec() }
    }

    /// The signs of its dimensions, a bit each (set: positive): two vectors whose signs differ
    /// in fewer bits tend to have the larger cosine, and counting the differing bits is a tenth
    /// of the work of the cosine — the first sieve of a search over every record.
    pub fn signs(&self) -> Signs {
        let mut signs = [0u64; SIGN_WORDS];
        for (at, value) in self.values.iter().enumerate() {
            if *value > 0 {
                signs[at / 64] |= 1 << (at % 64);
            }
        }
        Signs(signs)
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

/// How many 64-bit words hold a vector's signs.
const SIGN_WORDS: usize = WIDTH.div_ceil(64);

/// The signs of a vector's dimensions ([`Vector::signs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signs([u64; SIGN_WORDS]);

impl Signs {
    /// In how many dimensions the signs differ (0 to the width).
    #[inline(always)]
    pub fn differing(&self, other: &Signs) -> u32 {
        self.0.iter().zip(&other.0).map(|(a, b)| (a ^ b).count_ones()).sum()
    }

    /// The signs of the first 128 dimensions: a record's part of a cheap first sieve (a whole
    /// library's heads are a quarter of its signs, and stay in the processor's cache).
    #[inline(always)]
    pub fn head(&self) -> u128 {
        u128::from(self.0[0]) | (u128::from(self.0[1]) << 64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_differ_where_the_dimensions_point_apart() {
        let mut unit = vec![0.0f32; WIDTH];
        unit[0] = 0.6;
        unit[WIDTH - 1] = -0.8;
        let vector = Vector::quantize(&unit);
        assert_eq!(vector.signs().differing(&vector.signs()), 0);
        let opposite = Vector::quantize(&unit.iter().map(|v| -v).collect::<Vec<_>>());
        // Only dimension 0 is positive in one and only the last in the other.
        assert_eq!(vector.signs().differing(&opposite.signs()), 2);
        // Dimension 0 is in the head, the last is not.
        assert_eq!((vector.signs().head() ^ opposite.signs().head()).count_ones(), 1);
    }
}
