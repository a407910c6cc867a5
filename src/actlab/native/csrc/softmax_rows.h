// The softmax row kernels' forward and their driving, shared by normalizer.cpp (Softmax, Softmin,
// LogSoftmax) and softmax_maps.cpp (SoLU: x times the softmax, its last pass fused in: Kind::kSoLU).
// See normalizer.cpp for the math: rows as (outer, n, inner), the max shifted exactly (hi + lo),
// +-inf and NaN rows as limits, bfloat16/half in float32 buffers rounded once.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/cpu/vec/functional.h>  // vec_reduce_all (vec512.h does not include it)
#include <c10/core/WrapDimMinimal.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <vector>

#include "accurate.h"
#include "loop.h"
#include "rows.h"

namespace actlab {
namespace softmax_rows {

// kSoLU: the softmax's passes, its last one writing x_s sigma (solu below)
enum class Kind { kSoftmax, kSoftmin, kLogSoftmax, kSoLU };

template <class V>
struct Shifted {
  V hi, lo;
};

// x - m = hi + lo; in a row whose max is +inf: hi = top (0 for a single +inf, NaN for several)
// at +inf, -inf elsewhere, and lo = 0 (the limit the declaration documents: one-hot); lo = 0
// where hi is not finite
template <class V>
ACTLAB_INLINE Shifted<V> shift(const V& x, const V& m, const V& top) {
  using S = Scalar<V>;
  const V inf(kInf<S>), inf_row = m == inf;
  const V mm = sel(inf_row, zero<V>(), m);
  const V hi = x - mm, mv = hi - x;
  const V lo = (x - (hi - mv)) + (mm.neg() - mv);
  const V h = sel(inf_row, sel(x == inf, top, inf.neg()), hi);
  return {h, sel(inf_row | (h.abs() == inf) | h.isnan(), zero<V>(), lo)};
}

template <class V>
ACTLAB_INLINE V exp_shifted(const Shifted<V>& z) {  // e^{hi} (1 + lo), hi <= 0 (x - max)
  if constexpr (is_float<V>) {
    return mul_exp_nonpos(V(1.0f), z.hi, z.lo);  // lo folded into the exponent: one rounding
  } else {
    const V e = vexp(z.hi);
    return fma(e, z.lo, e);
  }
}

// a / s given r = 1/s: a r corrected by one Newton step (the residual a - (a r) s is exact)
template <class V>
ACTLAB_INLINE V divide(const V& a, const V& s, const V& r) {
  const V q = a * r;
  return fma(fma(q.neg(), s, a), r, q);
}

// The last pass: sigma = e / sum (divide) for the softmax, x_s sigma for SoLU, x_s = x where
// sigma > 0 (0 x 0 at -inf; a NaN sigma stays NaN). x is read only for SoLU.
template <Kind K, class V>
ACTLAB_INLINE V finish(const V& e, const V& s, const V& r, const Scalar<V>* x, int64_t k) {
  const V sig = divide(e, s, r);
  if constexpr (K == Kind::kSoLU) {
    return sel(sig > zero<V>(), k == V::size() ? V::loadu(x) : V::loadu(x, k), zero<V>()) * sig;
  } else {
    return sig;
  }
}

// x - m = hi + lo for a finite row max m: -inf entries as -FLT_MAX (e^hi = 0 all the same;
// log-softmax puts their -inf back). Lo = false (bfloat16/half rows): lo = 0, the rounding of
// x - m left in (at most 2^-24 relative in e^hi per unit of |x - m|, 2^-17 at |x - m| = 100:
// under 1/500 of a bfloat16 ulp, 1/60 of a half ulp, before the one rounding to them)
template <bool Lo = true, bool Clamp = true, class V>
ACTLAB_INLINE Shifted<V> shift_finite(const V& x, const V& m) {
  // Clamp = false where the caller puts -inf back itself (lo is NaN there)
  V xf = x;
  if constexpr (Clamp) xf = at::vec::maximum(x, V(std::numeric_limits<Scalar<V>>::lowest()));
  const V hi = xf - m;
  if constexpr (!Lo) {
    return {hi, zero<V>()};
  } else {
    const V mv = hi - xf;
    return {hi, (xf - (hi - mv)) + (m.neg() - mv)};
  }
}

// softmax of a row with a finite max: e^{x - m}, sum, e / sum; the common case, without the
// inf-row selects of shift()
template <Kind K, bool Lo, class S>
void softmax_row_finite(const S* x, S* y, int64_t n, S ms) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  const V m(ms);
  V acc = zero<V>();
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const V v = V::loadu(x + i);
    const V e = exp_shifted(shift_finite<Lo>(K == Kind::kSoftmin ? v.neg() : v, m));
    e.store(y + i);
    acc = acc + e;
  }
  if (i < n) {
    const V v = V::loadu(x + i, n - i);
    const V e = sel(lanes_below<V>(n - i), exp_shifted(shift_finite<Lo>(K == Kind::kSoftmin ? v.neg() : v, m)), zero<V>());
    e.store(y + i, static_cast<int>(n - i));
    acc = acc + e;
  }
  const V s(hsum(acc)), r = V(1) / s;
  for (i = 0; i + W <= n; i += W) finish<K>(V::loadu(y + i), s, r, x + i, W).store(y + i);
  if (i < n) finish<K>(V::loadu(y + i, n - i), s, r, x + i, n - i).store(y + i, static_cast<int>(n - i));
}

// log-softmax of a row with a finite max: (hi - log1p(rest)) + lo, rest without the first
// maximal entry
template <bool Lo, class S>
void log_softmax_row_finite(const S* x, S* y, int64_t n, S ms) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  // rest = the entries below the max, plus the ties beyond the first (e^0 = 1 each, exactly)
  const V m(ms), one(1), ninf(-kInf<S>);
  V acc = zero<V>(), ties = zero<V>();
  int64_t i = 0;
  for (; i + W <= n; i += W) {  // whole vectors, then the tail with its lanes masked
    const V v = V::loadu(x + i), top = v == m;
    acc = acc + sel(top, zero<V>(), exp_shifted(shift_finite<Lo>(v, m)));
    ties = ties + (top & one);
  }
  if (i < n) {
    const int64_t k = n - i;
    const V v = V::loadu(x + i, k), top = v == m;
    acc = acc + sel(lanes_below<V>(k) & (v != m), exp_shifted(shift_finite<Lo>(v, m)), zero<V>());
    ties = ties + sel(lanes_below<V>(k) & top, one, zero<V>());
  }
  const S rest = hsum(acc) + (hsum(ties) - S(1));
  const V l(std::log1p(rest));
  auto value = [&](const V& v) ACTLAB_INLINE_LAMBDA {
    const Shifted<V> z = shift_finite<Lo, false>(v, m);
    return sel(v == ninf, ninf, (z.hi - l) + z.lo);
  };
  for (i = 0; i + W <= n; i += W) value(V::loadu(x + i)).store(y + i);
  if (i < n) value(V::loadu(x + i, n - i)).store(y + i, static_cast<int>(n - i));
}

// One contiguous row x[0, n) -> y[0, n). Lo: see shift_finite.
template <Kind K, class S, bool Lo = true>
void forward_row(const S* x, S* y, int64_t n) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  auto load = [&](int64_t i) {
    const int64_t k = std::min(W, n - i);
    const V v = V::loadu(x + i, k);
    return sel(lanes_below<V>(k), K == Kind::kSoftmin ? v.neg() : v, V(-kInf<S>));
  };
  V mv(-kInf<S>);
  int64_t i0 = 0;
  for (; i0 + W <= n; i0 += W) {
    const V v = V::loadu(x + i0);
    mv = at::vec::maximum(mv, K == Kind::kSoftmin ? v.neg() : v);
  }
  if (i0 < n) mv = at::vec::maximum(mv, load(i0));
  const S ms = hmax(mv);
  if (std::abs(ms) < kInf<S>) {
    if constexpr (K == Kind::kLogSoftmax) {
      return log_softmax_row_finite<Lo, S>(x, y, n, ms);
    } else {
      return softmax_row_finite<K, Lo, S>(x, y, n, ms);
    }
  }
  const V m(ms);
  S count = 0;  // of +inf entries, only needed when the max is +inf
  if (ms == kInf<S>) {
    for (int64_t i = 0; i < n; i += W) count += hsum(sel(load(i) == V(kInf<S>), V(1), zero<V>()));
  }
  const V top(count == S(1) ? S(0) : kNaN<S>);
  V acc = zero<V>();
  if constexpr (K == Kind::kLogSoftmax) {
    int64_t first = 0;  // the first maximal entry (n when m is NaN)
    const S ms = hmax(mv);
    while (first < n && x[first] != ms) ++first;
    for (int64_t i = 0; i < n; i += W) {
      const V e = exp_shifted(shift(load(i), m, top));
      V keep = lanes_below<V>(n - i);
      if (first >= i && first < i + W) keep = keep & (V::arange(S(0), S(1)) != V(static_cast<S>(first - i)));
      acc = acc + sel(keep, e, zero<V>());
    }
    const V l(std::log1p(hsum(acc)));
    for (int64_t i = 0; i < n; i += W) {
      const Shifted<V> z = shift(load(i), m, top);
      ((z.hi - l) + z.lo).store(y + i, static_cast<int>(std::min(W, n - i)));
    }
  } else {
    for (int64_t i = 0; i < n; i += W) {
      const V e = sel(lanes_below<V>(n - i), exp_shifted(shift(load(i), m, top)), zero<V>());
      e.store(y + i, static_cast<int>(std::min(W, n - i)));
      acc = acc + e;
    }
    const V s(hsum(acc)), r = V(1) / s;
    for (int64_t i = 0; i < n; i += W) {
      const int64_t k = std::min(W, n - i);
      finish<K>(V::loadu(y + i, k), s, r, x + i, k).store(y + i, static_cast<int>(k));
    }
  }
}

// k <= W rows, one per lane: row l is x[l + j * stride], j < n, written to y[l + j * ystride] (RadixSoftmax's
// radix-major output; ystride = stride elsewhere). Lo: see shift_finite.
template <Kind K, class S, bool Lo = true>
void forward_lanes(const S* x, S* y, int64_t n, int64_t stride, int64_t k, int64_t ystride) {
  using V = Vectorized<S>;
  auto load = [&](int64_t j) {
    const V v = V::loadu(x + j * stride, k);
    return K == Kind::kSoftmin ? v.neg() : v;
  };
  V m(-kInf<S>);
  for (int64_t j = 0; j < n; ++j) m = at::vec::maximum(m, load(j));
  V cnt = zero<V>();  // of +inf entries, only needed in lanes whose max is +inf
  if (any(m == V(kInf<S>))) {
    for (int64_t j = 0; j < n; ++j) cnt = cnt + sel(load(j) == V(kInf<S>), V(1), zero<V>());
  }
  const V top = sel(cnt == V(1), zero<V>(), V(kNaN<S>));
  const bool finite = !any(m.abs() == V(kInf<S>)) && !any(m.isnan());  // the common case: no inf selects
  auto shifted = [&](const V& v) ACTLAB_INLINE_LAMBDA { return finite ? shift_finite<Lo>(v, m) : shift(v, m, top); };
  V acc = zero<V>();
  if constexpr (K == Kind::kLogSoftmax) {
    V done = zero<V>();  // 1 once a lane has passed its first maximal entry
    for (int64_t j = 0; j < n; ++j) {
      const V v = load(j), first = (v == m) & (done == zero<V>());
      done = sel(first, V(1), done);
      acc = acc + sel(first, zero<V>(), exp_shifted(shifted(v)));
    }
    const V l = acc.log1p();
    for (int64_t j = 0; j < n; ++j) {
      const Shifted<V> z = shifted(load(j));
      const V out = (z.hi - l) + z.lo, v = load(j);  // finite rows: -inf entries stayed -FLT_MAX
      (finite ? sel(v == V(-kInf<S>), V(-kInf<S>), out) : out).store(y + j * ystride, static_cast<int>(k));
    }
  } else {
    for (int64_t j = 0; j < n; ++j) {
      const V e = exp_shifted(shifted(load(j)));
      e.store(y + j * ystride, static_cast<int>(k));
      acc = acc + e;
    }
    const V r = V(1) / acc;
    for (int64_t j = 0; j < n; ++j) {
      finish<K>(V::loadu(y + j * ystride, k), acc, r, x + j * stride, k).store(y + j * ystride, static_cast<int>(k));
    }
  }
}

template <Kind K, class S, bool Lo = true>
void forward_lanes(const S* x, S* y, int64_t n, int64_t stride, int64_t k) {
  forward_lanes<K, S, Lo>(x, y, n, stride, k, stride);
}

// lanes a block: normalizer.cpp's backward_block (why there), reduced_lanes' buffers
constexpr int64_t kBlock = 512;

// The lanes forward_block (and softmax_maps.cpp's backward_block) take at a time along n rows: the block's rows of x
// and y (n w elements each) in about 8 KB, so that its passes stay in L1; at least a vector, at most kBlock (along a dim
// of 2: 512)
template <class S>
constexpr int64_t block_lanes(int64_t n) {
  constexpr int64_t W = Vectorized<S>::size();
  return std::clamp<int64_t>(static_cast<int64_t>(4096 / sizeof(S)) / std::max<int64_t>(n, 1) / W * W, W, kBlock);
}

// The lanes [0, w) of n rows, w <= kBlock (rows as forward_lanes'): forward_lanes' math, pass by pass over the whole
// block (the maxima of every lane, then the exponentials and sums, then the scaling), so that the vectors' chains of
// latencies (max, exp, sum, divide) overlap where a vector's own rows are too few for that: along a dim of 2
// (RadixSoftmax's radix), forward_lanes a vector at a time took 1.8x the block's time (4000 x 2 x 500 floats, AMD
// EPYC Zen 4, 1 thread: 4.5-5.7 ms vs 2.5-3.0) and 2x the row kernel's. Along more rows, and where a block's maxima
// are not all finite, forward_lanes runs a vector at a time (along 4 or 8 rows it was the faster).
template <Kind K, class S, bool Lo = true>
void forward_block(const S* x, S* y, int64_t n, int64_t stride, int64_t ystride, int64_t w) {
  static_assert(K != Kind::kLogSoftmax, "log-softmax runs forward_lanes");
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  if (n > 2) {  // enough chains in a vector's own rows (min of 60 runs, 4M floats: faster from n = 4 on, but 16)
    for (int64_t i = 0; i < w; i += W) forward_lanes<K, S, Lo>(x + i, y + i, n, stride, std::min(W, w - i), ystride);
    return;
  }
  alignas(64) S mb[kBlock], sb[kBlock];
  auto lanes = [&](auto body) ACTLAB_INLINE_LAMBDA {  // body(i, k): k lanes from i
    int64_t i = 0;
    for (; i + W <= w; i += W) body(i, W);
    if (i < w) body(i, w - i);
  };
  auto load = [&](const S* p, int64_t k) ACTLAB_INLINE_LAMBDA {  // zeros beyond k
    const V v = V::loadu(p, k);
    return K == Kind::kSoftmin ? v.neg() : v;
  };
  lanes([&](int64_t i, int64_t) ACTLAB_INLINE_LAMBDA { V(-kInf<S>).store(mb + i); });
  for (int64_t j = 0; j < n; ++j) {
    lanes([&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      at::vec::maximum(V::loadu(mb + i), load(x + j * stride + i, k)).store(mb + i);
    });
  }
  V bad = zero<V>();
  lanes([&](int64_t i, int64_t) ACTLAB_INLINE_LAMBDA {
    const V m = V::loadu(mb + i);
    bad = bad | (m.abs() == V(kInf<S>)) | m.isnan();
    zero<V>().store(sb + i);
  });
  if (any(bad)) {
    lanes([&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA { forward_lanes<K, S, Lo>(x + i, y + i, n, stride, k, ystride); });
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    lanes([&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      const V e = exp_shifted(shift_finite<Lo>(load(x + j * stride + i, k), V::loadu(mb + i)));
      e.store(y + j * ystride + i, static_cast<int>(k));
      (V::loadu(sb + i) + e).store(sb + i);
    });
  }
  lanes([&](int64_t i, int64_t) ACTLAB_INLINE_LAMBDA { (V(1) / V::loadu(sb + i)).store(mb + i); });  // mb: 1/sum
  for (int64_t j = 0; j < n; ++j) {
    lanes([&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      S* yj = y + j * ystride + i;
      finish<K>(V::loadu(yj, k), V::loadu(sb + i), V::loadu(mb + i), x + j * stride + i, k).store(yj, static_cast<int>(k));
    });
  }
}


// ---- driving: (outer, n, inner) views, threads over rows / lane blocks -----------------------
struct Shape {
  int64_t outer = 1, n = 1, inner = 1;
};

inline Shape shape_along(const at::Tensor& t, int64_t dim) {
  Shape s;
  if (t.dim() == 0) return s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= t.size(d);
  s.n = t.size(dim);
  for (int64_t d = dim + 1; d < t.dim(); ++d) s.inner *= t.size(d);
  return s;
}

// row(offset) over every row (inner == 1), else lanes(offset, k) over blocks of k <= Lanes
// contiguous lanes (one vector's worth for log-softmax's forward_lanes, kBlock for the block kernels)
template <class RowFn, class LaneFn>
void for_rows(const Shape& s, int64_t Lanes, RowFn row, LaneFn lanes) {
  if (s.inner == 1) {
    at::parallel_for(0, s.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(s.n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) row(r * s.n);
    });
    return;
  }
  const int64_t blocks = (s.inner + Lanes - 1) / Lanes;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(s.n * Lanes, 1));
  at::parallel_for(0, s.outer * blocks, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / blocks, i = (t % blocks) * Lanes;
      lanes(o * s.n * s.inner + i, std::min(Lanes, s.inner - i));
    }
  });
}

// y of x's dtype and layout from a computation on contiguous float/double data
template <class Fn>
at::Tensor in_compute_type(const at::Tensor& like, Fn compute) {
  at::Tensor y = compute();
  if (y.scalar_type() != like.scalar_type()) y = y.to(like.scalar_type());
  if (!like.is_contiguous()) {
    at::Tensor out = empty_like(like);
    out.copy_(y);
    return out;
  }
  return y;
}

// run(double{}) or run(float{}): the compute type of a float64 or float32 (or widened bfloat16/half) tensor
template <class Run>
void on_compute_type(at::ScalarType st, Run run) {
  if (st == at::kDouble) {
    run(double{});
  } else {
    run(float{});
  }
}

inline at::Tensor compute_input(const at::Tensor& t) {
  TORCH_CHECK(at::isFloatingType(t.scalar_type()), "actlab: expected a floating-point tensor, got ", t.scalar_type());
  const bool reduced = t.scalar_type() == at::kBFloat16 || t.scalar_type() == at::kHalf;
  return (reduced ? t.to(at::kFloat) : t).contiguous();
}

// bfloat16/half rows along a contiguous last dim: each row converted into a float buffer,
// computed there and rounded once on the way out (no float32 copy of the whole tensor).
// row(in, out, n) runs on the buffers; ins and out share x's dtype T.
template <class T, class RowFn>
void reduced_rows(const Shape& s, std::initializer_list<const at::Tensor*> ins, at::Tensor& out, RowFn row) {
  const int nin = static_cast<int>(ins.size());
  const T* pin[2];
  int k = 0;
  for (const at::Tensor* t : ins) pin[k++] = t->const_data_ptr<T>();
  T* pout = out.mutable_data_ptr<T>();
  at::parallel_for(0, s.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(s.n, 1)), [&](int64_t b, int64_t e) {
    std::vector<float> buf((nin + 1) * s.n);
    const float* bin[2] = {buf.data(), buf.data() + s.n};
    float* bout = buf.data() + nin * s.n;
    for (int64_t r = b; r < e; ++r) {
      for (int j = 0; j < nin; ++j) at::vec::convert(pin[j] + r * s.n, buf.data() + j * s.n, s.n);
      row(bin, bout, s.n);
      at::vec::convert(bout, pout + r * s.n, s.n);  // rounds once, to nearest even
    }
  });
}

// bfloat16/half along a dim with inner > 1: blocks of up to B inner positions (n rows of B)
// converted into float buffers, computed there by the lane kernels, rounded once on the way out.
// block(in, out, n, stride, w) runs the block's w lanes on the buffers; ins and out share x's
// dtype T.
template <class T, class BlockFn>
void reduced_lanes(const Shape& s, std::initializer_list<const at::Tensor*> ins, at::Tensor& out, BlockFn block) {
  constexpr int64_t W = Vectorized<float>::size();
  const int64_t B = std::clamp<int64_t>(4096 / std::max<int64_t>(s.n, 1) / W * W, W, kBlock);  // <= 16 KB a buffer
  const int nin = static_cast<int>(ins.size());
  const T* pin[2];
  int k = 0;
  for (const at::Tensor* t : ins) pin[k++] = t->const_data_ptr<T>();
  T* pout = out.mutable_data_ptr<T>();
  const int64_t blocks = (s.inner + B - 1) / B;
  at::parallel_for(0, s.outer * blocks, std::max<int64_t>(1, kGrain / (s.n * B)), [&](int64_t b, int64_t e) {
    std::vector<float> buf((nin + 1) * s.n * B);
    float* bout = buf.data() + nin * s.n * B;
    for (int64_t t = b; t < e; ++t) {
      const int64_t i0 = (t % blocks) * B, w = std::min(B, s.inner - i0);
      const int64_t base = (t / blocks) * s.n * s.inner + i0;
      for (int j = 0; j < nin; ++j) {
        for (int64_t r = 0; r < s.n; ++r) at::vec::convert(pin[j] + base + r * s.inner, buf.data() + (j * s.n + r) * B, w);
      }
      const float* bin[2] = {buf.data(), buf.data() + s.n * B};
      block(bin, bout, s.n, B, w);
      for (int64_t r = 0; r < s.n; ++r) at::vec::convert(bout + r * B, pout + base + r * s.inner, w);  // rounds once
    }
  });
}

template <class F>
void on_reduced(at::ScalarType st, F f) {
  if (st == at::kBFloat16) {
    f(c10::BFloat16{});
  } else {
    f(c10::Half{});
  }
}

template <Kind K>
at::Tensor forward(const at::Tensor& x, int64_t dim) {
  dim = c10::maybe_wrap_dim(dim, x.dim());
  if (half_dense({&x}, 1)) {  // reduced_rows/reduced_lanes
    at::Tensor y = empty_like(x);
    const Shape s = shape_along(x, dim);
    on_reduced(x.scalar_type(), [&](auto tag) {
      using T = decltype(tag);
      if (s.inner == 1) {
        reduced_rows<T>(s, {&x}, y, [](const float* const* in, float* out, int64_t n) { forward_row<K, float, false>(in[0], out, n); });
      } else {
        reduced_lanes<T>(s, {&x}, y, [](const float* const* in, float* out, int64_t n, int64_t stride, int64_t w) {
          if constexpr (K == Kind::kLogSoftmax) {
            constexpr int64_t W = Vectorized<float>::size();
            for (int64_t l = 0; l < w; l += W) forward_lanes<K, float, false>(in[0] + l, out + l, n, stride, std::min(W, w - l));
          } else {
            for (int64_t l = 0, b = block_lanes<float>(n); l < w; l += b) {
              forward_block<K, float, false>(in[0] + l, out + l, n, stride, stride, std::min(b, w - l));
            }
          }
        });
      }
    });
    return y;
  }
  return in_compute_type(x, [&] {
    const at::Tensor xc = compute_input(x);
    at::Tensor y = empty_like(xc);
    if (xc.numel() == 0) return y;
    const Shape s = shape_along(xc, dim);
    auto run = [&](auto tag) {
      using S = decltype(tag);
      const S* px = xc.const_data_ptr<S>();
      S* py = y.mutable_data_ptr<S>();
      if constexpr (K == Kind::kLogSoftmax) {
        for_rows(
            s, Vectorized<S>::size(), [&](int64_t off) { forward_row<K, S>(px + off, py + off, s.n); },
            [&](int64_t off, int64_t k) { forward_lanes<K, S>(px + off, py + off, s.n, s.inner, k); });
      } else {
        for_rows(
            s, block_lanes<S>(s.n), [&](int64_t off) { forward_row<K, S>(px + off, py + off, s.n); },
            [&](int64_t off, int64_t w) { forward_block<K, S>(px + off, py + off, s.n, s.inner, s.inner, w); });
      }
    };
    on_compute_type(xc.scalar_type(), run);
    return y;
  });
}

}  // namespace softmax_rows
}  // namespace actlab
