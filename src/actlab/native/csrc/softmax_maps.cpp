// SoLU and RadixSoftmax (activations/normalizer.py) along any dim, on the softmax row kernels
// (softmax_rows.h: the max shifted exactly, +-inf/NaN rows as limits, bfloat16/half in float32
// buffers rounded once; results in x's layout).
//
// SoLU, y = x_s sigma, sigma = softmax(x), x_s = x where sigma > 0 and x is finite, 0 elsewhere
// (the limits at -inf and +inf), one row in cache at a time:
//   forward: the softmax's max and exp-and-sum passes, then one pass writing x_s sigma (Kind::kSoLU);
//   backward: sigma recomputed into out (max, sum, scale), d = <sigma, g x_s>, then
//             J^T g = g sigma + sigma (g x_s - d) (the declaration's composition, in its order).
// RadixSoftmax: x along dim as (cardinality, radix, rest), the softmax kernels along radix, the
// output radix-major (a transposing copy); the sigmoid kernel when radix = 1.
#include "softmax_maps.h"

#include <c10/core/WrapDimMinimal.h>

#include <string>

#include "elementwise.h"
#include "kernels.h"
#include "softmax_rows.h"

namespace actlab {

template <class V>
struct Sigmoid;
extern template struct Elementwise<Sigmoid>;

namespace {

using namespace softmax_rows;

// J^T g at one vector: g sigma + sigma (g x_s - d)
template <class V>
ACTLAB_INLINE V solu_value(const V& g, const V& x, const V& sig, const V& d) {
  const V h = g * sel((sig > zero<V>()) & (x.abs() < V(kInf<Scalar<V>>)), x, zero<V>());
  return g * sig + sig * (h - d);
}

template <class V>
ACTLAB_INLINE V solu_dot(const V& g, const V& x, const V& sig, const V& acc) {  // acc + sigma g x_s
  return fma(g * sel((sig > zero<V>()) & (x.abs() < V(kInf<Scalar<V>>)), x, zero<V>()), sig, acc);
}

// One contiguous row; out holds sigma between the passes. Lo: see shift_finite.
template <class S, bool Lo = true>
void solu_backward_row(const S* g, const S* x, S* out, int64_t n) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  forward_row<Kind::kSoftmax, S, Lo>(x, out, n);
  V acc = zero<V>();
  for (int64_t i = 0; i < n; i += W) {  // zeros beyond k add nothing
    const int64_t k = std::min(W, n - i);
    acc = solu_dot(V::loadu(g + i, k), V::loadu(x + i, k), V::loadu(out + i, k), acc);
  }
  const V d(hsum(acc));
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min(W, n - i);
    solu_value(V::loadu(g + i, k), V::loadu(x + i, k), V::loadu(out + i, k), d).store(out + i, static_cast<int>(k));
  }
}

// k <= W rows, one per lane: row l is at l + j * stride, j < n
template <class S, bool Lo = true>
void solu_backward_lanes(const S* g, const S* x, S* out, int64_t n, int64_t stride, int64_t k) {
  using V = Vectorized<S>;
  forward_lanes<Kind::kSoftmax, S, Lo>(x, out, n, stride, k);
  V d = zero<V>();
  for (int64_t j = 0; j < n; ++j) {
    const int64_t o = j * stride;
    d = solu_dot(V::loadu(g + o, k), V::loadu(x + o, k), V::loadu(out + o, k), d);
  }
  for (int64_t j = 0; j < n; ++j) {
    const int64_t o = j * stride;
    solu_value(V::loadu(g + o, k), V::loadu(x + o, k), V::loadu(out + o, k), d).store(out + o, static_cast<int>(k));
  }
}

// x along dim as (cardinality, radix, rest); errors as the declaration's (_Radix)
struct Radix {
  int64_t d;
  std::vector<int64_t> sizes;  // cardinality, radix, rest

  Radix(const at::Tensor& x, int64_t dim, int64_t radix, int64_t cardinality) {
    TORCH_CHECK(radix >= 1 && cardinality >= 1, "radix_softmax: radix and cardinality must be >= 1");
    if (x.dim() == 0) raise_shape_error("radix_softmax: expected an input with at least one dimension, got a scalar");
    d = c10::maybe_wrap_dim(dim, x.dim());
    const int64_t n = x.size(d);
    if (n % (radix * cardinality)) {
      raise_shape_error("radix_softmax: the size of dim " + std::to_string(d) + " (" + std::to_string(n) +
                        ") is not a multiple of radix * cardinality = " + std::to_string(radix * cardinality));
    }
    sizes = {cardinality, radix, n / (radix * cardinality)};
  }
  at::Tensor grouped(const at::Tensor& t) const { return t.unflatten(d, sizes); }
  at::Tensor out(const at::Tensor& t) const { return t.transpose(d, d + 1).flatten(d, d + 2); }  // radix-major
  at::Tensor back(const at::Tensor& g) const {  // an output-shaped g as (cardinality, radix, rest)
    return g.unflatten(d, {sizes[1], sizes[0], sizes[2]}).transpose(d, d + 1);
  }
};

}  // namespace

at::Tensor solu(const at::Tensor& x, int64_t dim) { return forward<Kind::kSoLU>(x, dim); }

at::Tensor solu_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim) {
  TORCH_CHECK(g.sizes() == x.sizes(), "actlab: grad and saved input differ in shape");
  dim = c10::maybe_wrap_dim(dim, x.dim());
  if (half_dense({&g, &x}, 1)) {  // bfloat16/half in float buffers
    at::Tensor out = empty_like(x);
    const Shape s = shape_along(x, dim);
    on_reduced(x.scalar_type(), [&](auto tag) {
      using T = decltype(tag);
      if (s.inner == 1) {
        reduced_rows<T>(s, {&g, &x}, out, [](const float* const* in, float* o, int64_t n) {
          solu_backward_row<float, false>(in[0], in[1], o, n);
        });
      } else {
        reduced_lanes<T>(s, {&g, &x}, out, [](const float* const* in, float* o, int64_t n, int64_t stride, int64_t w) {
          constexpr int64_t W = Vectorized<float>::size();
          for (int64_t l = 0; l < w; l += W) {
            solu_backward_lanes<float, false>(in[0] + l, in[1] + l, o + l, n, stride, std::min(W, w - l));
          }
        });
      }
    });
    return out;
  }
  return in_compute_type(x, [&] {
    const at::Tensor xc = compute_input(x), gc = compute_input(g.to(xc.scalar_type()));
    at::Tensor out = empty_like(xc);
    if (xc.numel() == 0) return out;
    const Shape s = shape_along(xc, dim);
    auto run = [&](auto tag) {
      using S = decltype(tag);
      const S *pg = gc.const_data_ptr<S>(), *px = xc.const_data_ptr<S>();
      S* po = out.mutable_data_ptr<S>();
      for_rows<Vectorized<S>::size()>(
          s, [&](int64_t off) { solu_backward_row<S>(pg + off, px + off, po + off, s.n); },
          [&](int64_t off, int64_t k) { solu_backward_lanes<S>(pg + off, px + off, po + off, s.n, s.inner, k); });
    };
    if (xc.scalar_type() == at::kDouble) {
      run(double{});
    } else {
      run(float{});
    }
    return out;
  });
}

at::Tensor radix_softmax(const at::Tensor& x, int64_t dim, int64_t radix, int64_t cardinality) {
  if (radix == 1) return Elementwise<Sigmoid>::f(x);
  const Radix v(x, dim, radix, cardinality);
  return v.out(softmax(v.grouped(x), v.d + 1));
}

at::Tensor radix_softmax_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t radix,
                                  int64_t cardinality) {
  if (radix == 1) return Elementwise<Sigmoid>::backward(g, x);
  TORCH_CHECK(g.sizes() == x.sizes(), "actlab: grad and saved input differ in shape");
  const Radix v(x, dim, radix, cardinality);
  const at::Tensor sig = softmax(v.grouped(x), v.d + 1);
  return softmax_backward(v.back(g), sig, v.d + 1).flatten(v.d, v.d + 2);
}

}  // namespace actlab
