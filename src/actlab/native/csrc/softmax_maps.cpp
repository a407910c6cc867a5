// SoLU and RadixSoftmax (activations/normalizer.py) along any dim, on the softmax row kernels
// (softmax_rows.h: the max shifted exactly, +-inf/NaN rows as limits, bfloat16/half in float32
// buffers rounded once; results in x's layout).
//
// SoLU, y = x_s sigma, sigma = softmax(x), x_s = x where sigma > 0 and x is finite, 0 elsewhere
// (the limits at -inf and +inf), one row in cache at a time:
//   forward: the softmax's max and exp-and-sum passes, then one pass writing x_s sigma (Kind::kSoLU);
//   backward: sigma recomputed into out (max, sum, scale), d = <sigma, g x_s>, then
//             J^T g = g sigma + sigma (g x_s - d) (the declaration's composition, in its order).
// Along a dim that is not last, blocks of up to kBlock lanes, pass by pass (forward_block, backward_block).
// RadixSoftmax: x along dim as (outer, cardinality, radix, lanes) (lanes: rest and the dims after dim), the
// softmax lane kernels along radix written straight into the radix-major output (outer, radix, cardinality,
// lanes); the backward one pass over blocks of lanes: sigma recomputed from x into out, d = <sigma, g> (g read
// radix-major), out = sigma (g - d). The sigmoid kernel when radix = 1.
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

// J^T g over the lanes [0, w) (w <= kBlock) of n rows: sigma from x into out (rows at j * stride; forward_block),
// the dots of every lane d = sum_j dot(g, x, sigma, .) over g's rows (at j * gstride: RadixSoftmax's radix-major
// output, else stride), then out = value(g, x, sigma, d); row by row over runs of w (normalizer.cpp's backward_block)
template <class S, bool Lo, class Dot, class Value>
void backward_block(const S* g, const S* x, S* out, int64_t n, int64_t stride, int64_t gstride, int64_t w, Dot dot_of,
                    Value value) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  alignas(64) S dot[kBlock];
  auto lanes = [&](auto body) ACTLAB_INLINE_LAMBDA {  // body(i, k): k lanes from i
    int64_t i = 0;
    for (; i + W <= w; i += W) body(i, W);
    if (i < w) body(i, w - i);
  };
  forward_block<Kind::kSoftmax, S, Lo>(x, out, n, stride, stride, w);
  lanes([&](int64_t i, int64_t) ACTLAB_INLINE_LAMBDA { zero<V>().store(dot + i); });
  for (int64_t j = 0; j < n; ++j) {
    const S *gj = g + j * gstride, *xj = x + j * stride, *sj = out + j * stride;
    lanes([&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      dot_of(V::loadu(gj + i, k), V::loadu(xj + i, k), V::loadu(sj + i, k), V::loadu(dot + i)).store(dot + i);
    });
  }
  for (int64_t j = 0; j < n; ++j) {
    const S *gj = g + j * gstride, *xj = x + j * stride;
    S* oj = out + j * stride;
    lanes([&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
      value(V::loadu(gj + i, k), V::loadu(xj + i, k), V::loadu(oj + i, k), V::loadu(dot + i))
          .store(oj + i, static_cast<int>(k));
    });
  }
}

// SoLU's J^T g over a block of lanes (rows at j * stride)
template <class S, bool Lo = true>
void solu_backward_block(const S* g, const S* x, S* out, int64_t n, int64_t stride, int64_t w) {
  using V = Vectorized<S>;
  backward_block<S, Lo>(g, x, out, n, stride, stride, w, solu_dot<V>, solu_value<V>);
}

// RadixSoftmax's J^T g over a block of lanes, g read radix-major: sigma (g - <sigma, g>) (the softmax backward's)
template <class S>
void radix_backward_block(const S* g, const S* x, S* out, int64_t n, int64_t stride, int64_t gstride, int64_t w) {
  using V = Vectorized<S>;
  backward_block<S, true>(
      g, x, out, n, stride, gstride, w,
      [](const V& gv, const V&, const V& sig, const V& acc) ACTLAB_INLINE_LAMBDA { return fma(gv, sig, acc); },
      [](const V& gv, const V&, const V& sig, const V& d) ACTLAB_INLINE_LAMBDA { return sig * (gv - d); });
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
  // body(xoff, yoff, w) over every block of w <= block_lanes<S>(radix) lanes of x as (outer, cardinality, radix,
  // lanes): its rows at xoff + j * lanes, the output's at yoff + j * cardinality * lanes (radix-major), j < radix
  template <class S, class Body>
  void for_blocks(const at::Tensor& x, Body body) const {
    const int64_t c = sizes[0], r = sizes[1], outer = shape_along(x, d).outer, lanes = stride(x);
    const int64_t width = block_lanes<S>(r), blocks = (lanes + width - 1) / width, tasks = outer * c * blocks;
    at::parallel_for(0, tasks, std::max<int64_t>(1, kGrain / (r * std::min(lanes, width))), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t o = t / (c * blocks), ci = (t / blocks) % c, i = (t % blocks) * width;
        body(((o * c + ci) * r) * lanes + i, (o * r * c + ci) * lanes + i, std::min(width, lanes - i));
      }
    });
  }
  int64_t stride(const at::Tensor& x) const {  // of x's radix rows (the output's: cardinality times it)
    return sizes[2] * shape_along(x, d).inner;
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
          for (int64_t l = 0, b = block_lanes<float>(n); l < w; l += b) {
            solu_backward_block<float, false>(in[0] + l, in[1] + l, o + l, n, stride, std::min(b, w - l));
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
      for_rows(
          s, block_lanes<S>(s.n), [&](int64_t off) { solu_backward_row<S>(pg + off, px + off, po + off, s.n); },
          [&](int64_t off, int64_t w) { solu_backward_block<S>(pg + off, px + off, po + off, s.n, s.inner, w); });
    };
    on_compute_type(xc.scalar_type(), run);
    return out;
  });
}

at::Tensor radix_softmax(const at::Tensor& x, int64_t dim, int64_t radix, int64_t cardinality) {
  if (radix == 1) return Elementwise<Sigmoid>::f(x);
  const Radix v(x, dim, radix, cardinality);
  return in_compute_type(x, [&] {
    const at::Tensor xc = compute_input(x);
    at::Tensor y = empty_like(xc);
    if (xc.numel() == 0) return y;
    const int64_t stride = v.stride(xc), ystride = cardinality * stride;
    on_compute_type(xc.scalar_type(), [&](auto tag) {
      using S = decltype(tag);
      const S* px = xc.const_data_ptr<S>();
      S* py = y.mutable_data_ptr<S>();
      v.for_blocks<S>(xc, [&](int64_t xo, int64_t yo, int64_t w) {
        forward_block<Kind::kSoftmax, S>(px + xo, py + yo, radix, stride, ystride, w);
      });
    });
    return y;
  });
}

at::Tensor radix_softmax_backward(const at::Tensor& g, const at::Tensor& x, int64_t dim, int64_t radix,
                                  int64_t cardinality) {
  if (radix == 1) return Elementwise<Sigmoid>::backward(g, x);
  TORCH_CHECK(g.sizes() == x.sizes(), "actlab: grad and saved input differ in shape");
  const Radix v(x, dim, radix, cardinality);
  return in_compute_type(x, [&] {
    const at::Tensor xc = compute_input(x), gc = compute_input(g.to(xc.scalar_type()));
    at::Tensor out = empty_like(xc);
    if (xc.numel() == 0) return out;
    const int64_t stride = v.stride(xc);
    on_compute_type(xc.scalar_type(), [&](auto tag) {
      using S = decltype(tag);
      const S *pg = gc.const_data_ptr<S>(), *px = xc.const_data_ptr<S>();
      S* po = out.mutable_data_ptr<S>();
      v.for_blocks<S>(xc, [&](int64_t xo, int64_t yo, int64_t w) {
        radix_backward_block<S>(pg + yo, px + xo, po + xo, radix, stride, cardinality * stride, w);
      });
    });
    return out;
  });
}

}  // namespace actlab
