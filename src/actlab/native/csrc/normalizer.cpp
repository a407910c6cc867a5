// Softmax, Softmin, LogSoftmax, Softmax2d (activations/normalizer.py) along any dim, forward and
// backward, over rows that stay in cache (a max pass, an exp-and-sum pass, a scaling pass).
//
// Rows are the slices along dim of the tensor seen as (outer, n, inner). inner == 1 (dim last):
// lanes along a row, sums reduced horizontally. inner > 1: lanes across inner positions (a row
// per lane), sums vertical. Both run the same lane-wise math:
//   m = max x (NaN propagates), z = x - m as hi + lo (TwoSum: the rounding of x - m would move
//   e^z by up to 64 ulps), e = e^hi (1 + lo), softmax = e / sum e;
//   log-softmax = (hi - log1p(rest)) + lo, rest = the sum without the first maximal entry
//   (log of a sum near 1 would lose the small terms).
// A row whose max is +inf is one-hot when it holds one +inf and NaN otherwise; a NaN or an all
// -inf row is NaN: the lane-wise math gives these limits without special cases (top below).
// bfloat16/half rows are computed in float32 (without the low part of x - max, which they cannot
// see: shift_finite) and rounded once.
#include "kernels.h"
#include "softmax_rows.h"

namespace actlab {
namespace {

using namespace softmax_rows;

// expm1(y) on (-ln 2, 0] (where log-softmax's backward takes it): the small-range polynomial;
// Sleef's expm1 for other y (not a log-probability: y > 0), in float64 always
template <class V>
ACTLAB_INLINE V expm1_big(const V& y) {
  if constexpr (is_float<V>) {
    const V r = fma(y * y, horner(y, kExpm1Small), y);
    return any(y > zero<V>()) ? sel(y > zero<V>(), y.expm1(), r) : r;
  } else {
    return y.expm1();
  }
}

// ---- backward: softmax J^T g = y (g - <g, y>) (negated for softmin);
//      log-softmax g - e^y sum(g), as (g - G) - G expm1(y) where e^y > 1/2
template <Kind K, class V>
ACTLAB_INLINE V backward_value(const V& g, const V& y, const V& dot) {
  using S = Scalar<V>;
  if constexpr (K == Kind::kLogSoftmax) {
    const V big = y > V(static_cast<S>(-0.6931471805599453)), rest = g - vexp(y) * dot;
    if (!any(big)) return rest;  // p > 1/2 in at most one entry of a row
    return sel(big, (g - dot) - dot * expm1_big(sel(big, y, zero<V>())), rest);
  } else {
    const V r = y * (g - dot);
    return K == Kind::kSoftmin ? r.neg() : r;
  }
}

template <Kind K, class S>
void backward_row(const S* g, const S* y, S* out, int64_t n) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  V acc = zero<V>();
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min(W, n - i);
    const V gv = V::loadu(g + i, k);  // zeros beyond k
    acc = K == Kind::kLogSoftmax ? acc + gv : fma(gv, V::loadu(y + i, k), acc);
  }
  const V dot(hsum(acc));
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min(W, n - i);
    backward_value<K>(V::loadu(g + i, k), V::loadu(y + i, k), dot).store(out + i, static_cast<int>(k));
  }
}

// The lanes [0, w) of n rows (row j at j * stride), w <= kBlock: the dots of every lane first, row
// by row over contiguous runs (each lane still sums j = 0, 1, ... in order), then the values. Runs
// of w elements a row keep the hardware prefetchers on n streams; 8 lanes at a time left them
// one vector a row (1.5x torch in float32, 2.2x in bfloat16 along Softmax2d's channels).
template <Kind K, class S>
void backward_block(const S* g, const S* y, S* out, int64_t n, int64_t stride, int64_t w) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  alignas(64) S dot[kBlock];
  auto lanes = [&](int64_t i, auto body) ACTLAB_INLINE_LAMBDA {  // body(i, k): k lanes from i
    for (; i + W <= w; i += W) body(i, W);
    if (i < w) body(i, w - i);
  };
  lanes(0, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA { zero<V>().store(dot + i, static_cast<int>(k)); });
  for (int64_t j = 0; j < n; ++j) {
    const S *gj = g + j * stride, *yj = y + j * stride;
    lanes(0, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      const V d = V::loadu(dot + i, k), gv = V::loadu(gj + i, k);  // zeros beyond k
      (K == Kind::kLogSoftmax ? d + gv : fma(gv, V::loadu(yj + i, k), d)).store(dot + i, static_cast<int>(k));
    });
  }
  for (int64_t j = 0; j < n; ++j) {
    const S *gj = g + j * stride, *yj = y + j * stride;
    S* oj = out + j * stride;
    lanes(0, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      backward_value<K>(V::loadu(gj + i, k), V::loadu(yj + i, k), V::loadu(dot + i, k)).store(oj + i, static_cast<int>(k));
    });
  }
}

// backward_row on bfloat16/half storage: the same float arithmetic (each float vector added in the
// same order) on values widened as they are loaded, rounded once as stored
template <Kind K, class T>
void backward_row_half(const T* g, const T* y, T* out, int64_t n) {
  using V = Vectorized<float>;
  constexpr int64_t H = Vectorized<T>::size();
  V acc = zero<V>();
  for (int64_t i = 0; i < n; i += H) {
    const int64_t k = std::min(H, n - i);
    const auto [g0, g1] = load_wide(g + i, k);  // zeros beyond k
    if constexpr (K == Kind::kLogSoftmax) {
      acc = (acc + g0) + g1;
    } else {
      const auto [y0, y1] = load_wide(y + i, k);
      acc = fma(g1, y1, fma(g0, y0, acc));
    }
  }
  const V dot(hsum(acc));
  for (int64_t i = 0; i < n; i += H) {
    const int64_t k = std::min(H, n - i);
    const auto [g0, g1] = load_wide(g + i, k);
    const auto [y0, y1] = load_wide(y + i, k);
    store_narrow(out + i, backward_value<K>(g0, y0, dot), backward_value<K>(g1, y1, dot), k);
  }
}

// backward_block on bfloat16/half storage: the same float arithmetic on values widened as they
// are loaded, rounded once as stored (what the buffered path computes, without its copies)
template <Kind K, class T>
void backward_block_half(const T* g, const T* y, T* out, int64_t n, int64_t stride, int64_t w) {
  using V = Vectorized<float>;
  constexpr int64_t W = V::size(), H = Vectorized<T>::size();  // H = 2 W; kBlock is a multiple of H
  alignas(64) float dot[kBlock];
  for (int64_t i = 0; i < w; i += H) {
    zero<V>().store(dot + i);
    zero<V>().store(dot + i + W);
  }
  for (int64_t j = 0; j < n; ++j) {
    const T *gj = g + j * stride, *yj = y + j * stride;
    for (int64_t i = 0; i < w; i += H) {  // lanes beyond w read zeros and keep their dot
      const int64_t k = std::min(H, w - i);
      const auto [g0, g1] = load_wide(gj + i, k);
      const auto [y0, y1] = load_wide(yj + i, k);
      const V d0 = V::loadu(dot + i), d1 = V::loadu(dot + i + W);
      (K == Kind::kLogSoftmax ? d0 + g0 : fma(g0, y0, d0)).store(dot + i);
      (K == Kind::kLogSoftmax ? d1 + g1 : fma(g1, y1, d1)).store(dot + i + W);
    }
  }
  for (int64_t j = 0; j < n; ++j) {
    const T *gj = g + j * stride, *yj = y + j * stride;
    T* oj = out + j * stride;
    for (int64_t i = 0; i < w; i += H) {
      const int64_t k = std::min(H, w - i);
      const auto [g0, g1] = load_wide(gj + i, k);
      const auto [y0, y1] = load_wide(yj + i, k);
      store_narrow(oj + i, backward_value<K>(g0, y0, V::loadu(dot + i)), backward_value<K>(g1, y1, V::loadu(dot + i + W)), k);
    }
  }
}

template <Kind K>
at::Tensor backward(const at::Tensor& g, const at::Tensor& saved, int64_t dim) {
  dim = c10::maybe_wrap_dim(dim, g.dim());
  if (half_dense({&g, &saved}, 1)) {
    at::Tensor out = empty_like(g);
    const Shape s = shape_along(g, dim);
    on_reduced(g.scalar_type(), [&](auto tag) {
      using T = decltype(tag);
      const T *pg = g.const_data_ptr<T>(), *py = saved.const_data_ptr<T>();
      T* po = out.mutable_data_ptr<T>();
      for_rows(
          s, kBlock, [&](int64_t off) { backward_row_half<K, T>(pg + off, py + off, po + off, s.n); },
          [&](int64_t off, int64_t w) { backward_block_half<K, T>(pg + off, py + off, po + off, s.n, s.inner, w); });
    });
    return out;
  }
  return in_compute_type(g, [&] {
    const at::Tensor gc = compute_input(g), yc = compute_input(saved.to(g.scalar_type()));
    TORCH_CHECK(gc.sizes() == yc.sizes(), "actlab: grad and saved output differ in shape");
    at::Tensor out = empty_like(gc);
    if (gc.numel() == 0) return out;
    const Shape s = shape_along(gc, dim);
    auto run = [&](auto tag) {
      using S = decltype(tag);
      const S *pg = gc.const_data_ptr<S>(), *py = yc.const_data_ptr<S>();
      S* po = out.mutable_data_ptr<S>();
      for_rows(
          s, kBlock, [&](int64_t off) { backward_row<K, S>(pg + off, py + off, po + off, s.n); },
          [&](int64_t off, int64_t w) { backward_block<K, S>(pg + off, py + off, po + off, s.n, s.inner, w); });
    };
    on_compute_type(gc.scalar_type(), run);
    return out;
  });
}

// ---- double backward: the derivatives of <gg, J^T g> in g and y (Softmax.vjp2 and kin) -------
//   softmax: s = <g, y>, t = <gg, y>;  d/dg = y (gg - t),  d/dy = gg (g - s) - g t
//   softmin: both negated;  log-softmax: p = e^y;  d/dg = gg - <gg, p>,  d/dy = (-gg p) sum g
template <Kind K, class S>
void double_row(const S* gg, const S* g, const S* y, S* dg, S* dy, int64_t n) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  V a = zero<V>(), b = zero<V>();
  for (int64_t j = 0; j < n; j += W) {  // partial loads fill with zeros: e^0 gg = 0 adds nothing
    const int64_t k = std::min(W, n - j);
    const V ggv = V::loadu(gg + j, k), gv = V::loadu(g + j, k), yv = V::loadu(y + j, k);
    if constexpr (K == Kind::kLogSoftmax) {
      a = a + gv;
      b = fma(ggv, vexp(yv), b);
    } else {
      a = fma(gv, yv, a);
      b = fma(ggv, yv, b);
    }
  }
  const V s(hsum(a)), t(hsum(b));
  for (int64_t j = 0; j < n; j += W) {
    const int k = static_cast<int>(std::min(W, n - j));
    const V ggv = V::loadu(gg + j, k), gv = V::loadu(g + j, k), yv = V::loadu(y + j, k);
    V u, v;
    if constexpr (K == Kind::kLogSoftmax) {
      u = ggv - t;
      v = (ggv.neg() * vexp(yv)) * s;
    } else {
      u = yv * (ggv - t);
      v = ggv * (gv - s) - gv * t;
      if constexpr (K == Kind::kSoftmin) u = u.neg(), v = v.neg();
    }
    u.store(dg + j, k);
    v.store(dy + j, k);
  }
}

// The same formulas in ATen ops: other dtypes (bfloat16/half in float32) and dims
template <Kind K>
std::tuple<at::Tensor, at::Tensor> double_backward_ops(const at::Tensor& gg0, const at::Tensor& g0, const at::Tensor& y0,
                                                       int64_t dim) {
  const at::Tensor gg = compute_input(gg0), g = compute_input(g0), y = compute_input(y0.to(g0.scalar_type()));
  at::Tensor dg, dy;
  if constexpr (K == Kind::kLogSoftmax) {
    const at::Tensor p = y.exp();
    dg = gg.sub(gg.mul(p).sum(dim, true));
    dy = gg.neg().mul(p).mul(g.sum(dim, true));
  } else {
    const at::Tensor s = g.mul(y).sum(dim, true), t = gg.mul(y).sum(dim, true);
    dg = y.mul(gg.sub(t));
    dy = gg.mul(g.sub(s)).sub(g.mul(t));
    if constexpr (K == Kind::kSoftmin) dg = dg.neg(), dy = dy.neg();
  }
  return {dg.to(g0.scalar_type()), dy.to(y0.scalar_type())};
}

template <Kind K>
std::tuple<at::Tensor, at::Tensor> double_backward(const at::Tensor& gg, const at::Tensor& g, const at::Tensor& y,
                                                   int64_t dim) {
  dim = c10::maybe_wrap_dim(dim, g.dim());
  const at::ScalarType st = g.scalar_type();
  bool rows = (st == at::kFloat || st == at::kDouble) && g.numel() > 0 && dim == g.dim() - 1;
  for (const at::Tensor* t : {&gg, &g, &y}) {
    rows = rows && t->scalar_type() == st && t->is_contiguous() && t->sizes() == g.sizes();
  }
  if (!rows) return double_backward_ops<K>(gg, g, y, dim);
  at::Tensor dg = empty_like(g), dy = empty_like(y);
  const Shape s = shape_along(g, dim);
  auto run = [&](auto tag) {
    using S = decltype(tag);
    const S *pgg = gg.const_data_ptr<S>(), *pg = g.const_data_ptr<S>(), *py = y.const_data_ptr<S>();
    S *pdg = dg.mutable_data_ptr<S>(), *pdy = dy.mutable_data_ptr<S>();
    at::parallel_for(0, s.outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(s.n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r * s.n;
        double_row<K, S>(pgg + o, pg + o, py + o, pdg + o, pdy + o, s.n);
      }
    });
  };
  on_compute_type(st, run);
  return {dg, dy};
}

}  // namespace

at::Tensor softmax(const at::Tensor& x, int64_t dim) { return forward<Kind::kSoftmax>(x, dim); }
at::Tensor softmin(const at::Tensor& x, int64_t dim) { return forward<Kind::kSoftmin>(x, dim); }
at::Tensor log_softmax(const at::Tensor& x, int64_t dim) { return forward<Kind::kLogSoftmax>(x, dim); }
at::Tensor softmax_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim) {
  return backward<Kind::kSoftmax>(g, y, dim);
}
at::Tensor softmin_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim) {
  return backward<Kind::kSoftmin>(g, y, dim);
}
at::Tensor log_softmax_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim) {
  return backward<Kind::kLogSoftmax>(g, y, dim);
}
std::tuple<at::Tensor, at::Tensor> softmax_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                           const at::Tensor& y, int64_t dim) {
  return double_backward<Kind::kSoftmax>(gg, g, y, dim);
}
std::tuple<at::Tensor, at::Tensor> softmin_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                           const at::Tensor& y, int64_t dim) {
  return double_backward<Kind::kSoftmin>(gg, g, y, dim);
}
std::tuple<at::Tensor, at::Tensor> log_softmax_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                               const at::Tensor& y, int64_t dim) {
  return double_backward<Kind::kLogSoftmax>(gg, g, y, dim);
}

}  // namespace actlab
