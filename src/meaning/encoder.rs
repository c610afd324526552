//! The encoder of Google's Universal Sentence Encoder, multilingual v3: each piece's embedding,
//! three convolutions over piece n-grams (2, 3 and 5 pieces wide), their features averaged over
//! the text and passed through a small feed-forward network to one 512-wide unit vector.

use super::MeaningError;
use super::file::{Matrix, Reader};

/// Width of a piece's embedding and of the sentence vector.
pub(super) const WIDTH: usize = 512;
/// Width of each n-gram branch.
const BRANCH: usize = 256;
/// Each branch's n-gram length and how many pieces before the current one it reaches.
const ORDERS: [(usize, usize); 3] = [(2, 0), (3, 1), (5, 2)];
/// A piece's features: its embedding and the three branches' outputs.
const FEATURES: usize = WIDTH + ORDERS.len() * BRANCH;
/// Width of the feed-forward network's hidden layers.
const HIDDEN: usize = 320;

/// One n-gram branch: two convolutions, each with a residual connection.
struct Branch {
    order: usize,
    left: usize,
    first: Matrix,
    first_bias: Vec<f32>,
    second: Matrix,
    second_bias: Vec<f32>,
}

/// The encoder's weights.
pub(super) struct Encoder {
    /// The quantized piece embeddings, [`WIDTH`] bytes a piece, by id.
    table: Vec<u8>,
    /// Dequantization of a piece's row: scale and offset of chunk `id % chunks`.
    scale: Vec<f32>,
    low: Vec<f32>,
    /// The three branches' input projections side by side (512 × 768), their bias and the
    /// layer norm over all three.
    projection: Matrix,
    projection_bias: Vec<f32>,
    projection_gain: Vec<f32>,
    projection_shift: Vec<f32>,
    branches: Vec<Branch>,
    /// The layer norm over a piece's features.
    gain: Vec<f32>,
    shift: Vec<f32>,
    /// Features to the averaged sentence representation.
    pooling: Matrix,
    pooling_bias: Vec<f32>,
    /// The feed-forward network (names as in the exported graph).
    d0: Matrix,
    d1: Matrix,
    p1: Matrix,
    d2: Matrix,
    p3: Matrix,
    d3: Matrix,
    epsilon: f32,
}

impl Encoder {
    /// Reads the weights of a model with `pieces` pieces.
    pub(super) fn read(reader: &mut Reader<'_>, pieces: usize) -> Result<Encoder, MeaningError> {
        let chunks = reader.count()?;
        let scale = reader.floats(chunks)?;
        let low = reader.floats(chunks)?;
        if chunks == 0 {
            return Err(MeaningError::Format("no quantization chunks".into()));
        }
        let table = reader.take(pieces * WIDTH)?.to_vec();
        let mut projections = Vec::new();
        let (mut projection_bias, mut projection_gain, mut projection_shift) =
            (Vec::new(), Vec::new(), Vec::new());
        let mut branches = Vec::new();
        for (order, left) in ORDERS {
            projections.push(reader.matrix(WIDTH, BRANCH)?);
            projection_bias.extend(reader.vector(BRANCH)?);
            projection_gain.extend(reader.vector(BRANCH)?);
            projection_shift.extend(reader.vector(BRANCH)?);
            branches.push(Branch {
                order,
                left,
                first: reader.matrix(order * BRANCH, BRANCH)?,
                first_bias: reader.vector(BRANCH)?,
                second: reader.matrix(order * BRANCH, BRANCH)?,
                second_bias: reader.vector(BRANCH)?,
            });
        }
        let mut projection = Matrix {
            rows: WIDTH,
            columns: ORDERS.len() * BRANCH,
            values: Vec::with_capacity(WIDTH * ORDERS.len() * BRANCH),
        };
        for row in 0..WIDTH {
            for part in &projections {
                projection.values.extend_from_slice(&part.values[row * BRANCH..][..BRANCH]);
            }
        }
        Ok(Encoder {
            table,
            scale,
            low,
            projection,
            projection_bias,
            projection_gain,
            projection_shift,
            branches,
            gain: reader.vector(FEATURES)?,
            shift: reader.vector(FEATURES)?,
            pooling: reader.matrix(FEATURES, WIDTH)?,
            pooling_bias: reader.vector(WIDTH)?,
            d0: reader.matrix(WIDTH, HIDDEN)?,
            d1: reader.matrix(HIDDEN, HIDDEN)?,
            p1: reader.matrix(WIDTH, HIDDEN)?,
            d2: reader.matrix(HIDDEN, WIDTH)?,
            p3: reader.matrix(HIDDEN, WIDTH)?,
            d3: reader.matrix(WIDTH, WIDTH)?,
            epsilon: reader.f32()?,
        })
    }

    /// The unit sentence vectors of texts' pieces (start and end marks included), encoded as one
    /// flat batch: each weight matrix is packed for the product once for all their pieces, not
    /// once a text (the packing cost as much as the product for one short text).
    pub(super) fn encode_many(&self, texts: &[Vec<u32>]) -> Vec<Vec<f32>> {
        let mut spans = Vec::with_capacity(texts.len());
        let mut pieces: Vec<u32> = Vec::new();
        for ids in texts {
            spans.push((pieces.len(), ids.len().max(1)));
            pieces.extend(ids);
            if ids.is_empty() {
                pieces.push(0);
            }
        }
        let n = pieces.len();
        if n == 0 {
            return Vec::new();
        }
        // The text each piece belongs to, as the range of rows an n-gram window may read.
        let bounds: Vec<(usize, usize)> = spans
            .iter()
            .flat_map(|&(start, length)| std::iter::repeat_n((start, start + length), length))
            .collect();
        let mut embedded = vec![0.0f32; n * WIDTH];
        for (t, id) in pieces.iter().enumerate() {
            let id = *id as usize;
            let row = self.table.get(id * WIDTH..(id + 1) * WIDTH).unwrap_or(&self.table[..WIDTH]);
            let chunk = id % self.scale.len();
            let (scale, low) = (self.scale[chunk], self.low[chunk]);
            for (out, byte) in embedded[t * WIDTH..][..WIDTH].iter_mut().zip(row) {
                *out = f32::from(*byte) * scale + low;
            }
        }
        let mut projected = multiply(&embedded, n, &self.projection);
        add_rows(&mut projected, &self.projection_bias);
        self.layer_norm(&mut projected, &self.projection_gain, &self.projection_shift);
        let mut features = vec![0.0f32; n * FEATURES];
        for t in 0..n {
            features[t * FEATURES..][..WIDTH].copy_from_slice(&embedded[t * WIDTH..][..WIDTH]);
        }
        let all = ORDERS.len() * BRANCH;
        for (at, branch) in self.branches.iter().enumerate() {
            let input: Vec<f32> = projected
                .chunks_exact(all)
                .flat_map(|row| row[at * BRANCH..][..BRANCH].iter().copied())
                .collect();
            let hidden = branch.convolve(&input, &bounds, &branch.first, &branch.first_bias);
            let output = branch.convolve(&hidden, &bounds, &branch.second, &branch.second_bias);
            for t in 0..n {
                features[t * FEATURES + WIDTH + at * BRANCH..][..BRANCH]
                    .copy_from_slice(&output[t * BRANCH..][..BRANCH]);
            }
        }
        self.layer_norm(&mut features, &self.gain, &self.shift);
        let count = spans.len();
        let mut summed = vec![0.0f32; count * FEATURES];
        for (total, &(start, length)) in summed.chunks_exact_mut(FEATURES).zip(&spans) {
            for row in features[start * FEATURES..][..length * FEATURES].chunks_exact(FEATURES) {
                total.iter_mut().zip(row).for_each(|(t, value)| *t += value);
            }
        }
        let mut sentences = multiply(&summed, count, &self.pooling);
        for (row, &(_, length)) in sentences.chunks_exact_mut(WIDTH).zip(&spans) {
            let length = length as f32;
            for (value, bias) in row.iter_mut().zip(&self.pooling_bias) {
                *value = (*value + length * bias) / length.sqrt();
            }
        }
        let y0 = relu(multiply(&sentences, count, &self.d0));
        let y1 = relu(sum(multiply(&sentences, count, &self.p1), &multiply(&y0, count, &self.d1)));
        let y2 = relu(multiply(&y1, count, &self.d2));
        let mut z = sum(multiply(&y1, count, &self.p3), &multiply(&y2, count, &self.d3));
        z.chunks_exact_mut(WIDTH)
            .map(|row| {
                row.iter_mut().for_each(|value| *value = value.tanh());
                let norm = row.iter().map(|v| v * v).sum::<f32>().max(self.epsilon).sqrt();
                row.iter().map(|value| value / norm).collect()
            })
            .collect()
    }

    /// Layer norm of each row of `rows` (as wide as `gain`), in place.
    fn layer_norm(&self, rows: &mut [f32], gain: &[f32], shift: &[f32]) {
        let width = gain.len();
        for row in rows.chunks_exact_mut(width) {
            let mean = row.iter().sum::<f32>() / width as f32;
            row.iter_mut().for_each(|value| *value -= mean);
            let variance = row.iter().map(|v| v * v).sum::<f32>() / width as f32;
            let inverse = 1.0 / (variance + self.epsilon).sqrt();
            for ((value, g), s) in row.iter_mut().zip(gain).zip(shift) {
                *value = *value * inverse * g + s;
            }
        }
    }
}

impl Branch {
    /// One convolution over the n-gram windows of `input` (a row of [`BRANCH`] per piece; a
    /// window reaching past its piece's text, `bounds[t]`, reads zeros), then ReLU and the
    /// residual input.
    fn convolve(
        &self,
        input: &[f32],
        bounds: &[(usize, usize)],
        weights: &Matrix,
        bias: &[f32],
    ) -> Vec<f32> {
        let n = bounds.len();
        let mut windows = vec![0.0f32; n * self.order * BRANCH];
        for (t, &(start, end)) in bounds.iter().enumerate() {
            for k in 0..self.order {
                let Some(at) =
                    (t + k).checked_sub(self.left).filter(|at| (start..end).contains(at))
                else {
                    continue;
                };
                windows[(t * self.order + k) * BRANCH..][..BRANCH]
                    .copy_from_slice(&input[at * BRANCH..][..BRANCH]);
            }
        }
        let mut output = multiply(&windows, n, weights);
        add_rows(&mut output, bias);
        for (value, residual) in output.iter_mut().zip(input) {
            *value = value.max(0.0) + residual;
        }
        output
    }
}

/// `a` (`rows` × `b.rows`, row-major) times `b`.
fn multiply(a: &[f32], rows: usize, b: &Matrix) -> Vec<f32> {
    assert_eq!(a.len(), rows * b.rows, "matrix product of mismatched shapes");
    assert_eq!(b.values.len(), b.rows * b.columns, "malformed matrix");
    let mut out = vec![0.0f32; rows * b.columns];
    if out.is_empty() || b.rows == 0 {
        return out;
    }
    let (inner, columns) = (b.rows as isize, b.columns as isize);
    // SAFETY: `a` holds `rows × b.rows`, `b` holds `b.rows × b.columns` and `out` holds
    // `rows × b.columns` values, each row-major with the strides given (checked above).
    unsafe {
        matrixmultiply::sgemm(
            rows,
            b.rows,
            b.columns,
            1.0,
            a.as_ptr(),
            inner,
            1,
            b.values.as_ptr(),
            columns,
            1,
            0.0,
            out.as_mut_ptr(),
            columns,
            1,
        );
    }
    out
}

/// Adds `bias` to every row of `rows`.
fn add_rows(rows: &mut [f32], bias: &[f32]) {
    for row in rows.chunks_exact_mut(bias.len()) {
        row.iter_mut().zip(bias).for_each(|(value, b)| *value += b);
    }
}

fn relu(mut values: Vec<f32>) -> Vec<f32> {
    values.iter_mut().for_each(|value| *value = value.max(0.0));
    values
}

fn sum(mut a: Vec<f32>, b: &[f32]) -> Vec<f32> {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    a
}
