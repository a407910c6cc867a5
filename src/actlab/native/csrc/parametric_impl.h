// Definitions of ParametricOps<Act, ...> (parametric.h). A learnable activation is a class template
// Act<V>, V = Vectorized<float> or Vectorized<double>, with
//
//   static constexpr std::size_t K            the number of learnable tensors
//   explicit Act(const V* w)                  w[j]: the values of tensor j (one per lane)
//   V f(V x) const                            f(x, w)
//   V vjp(V g, V x, V* gw) const              returns g df/dx; gw[j] = g df/dw_j, per element
//   V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const
//                                             the double backward at the tangent t = (tx, tw[j]):
//                                             dg = f_x tx + sum_i f_wi tw[i]; returns
//                                             g (f_xx tx + sum_i f_xwi tw[i]); gw[j] = g (f_xwj tx +
//                                             sum_i f_wjwi tw[i]), per element (the driver sums
//                                             them as vjp's); the declaration's vjp2 in one pass
//
// Coefficient activations (PAU, Rational, APL) also state
//
//   static constexpr bool kCoefficients = true  every tensor has a trailing dim of coefficients:
//                                             (K_t,) shared or (1, C, 1, ..., K_t) per channel
//   static void check(at::IntArrayRef widths) the K_t they take (a TORCH_CHECK)
//   Act(const V* w, std::size_t k)            w[j]: the k coefficients in tensor order
//   std::size_t count() const                 k; K = 0 where k is known only at run time (APL)
//
// and each coefficient w[..., j] is then one variable of its own (as the declaration's _split):
// its values come as a plain tensor's, its gradient is summed the same way and stacked back.
//
// The float instantiation is the float32 kernel and that of bfloat16/half (converted to float32,
// rounded once at the end); the double one the float64 kernel.
//
// Layout. The tensors broadcast against x one value each, or one per index of one dim d of x (the
// functional layer's (1, C, 1, ...) and, for 2-D x, (C,)); x, read contiguously, is then
// [outer, C, inner] with the values constant along runs of `inner` elements. Other shapes (a
// direct op call) take the values per element, and their gradients are summed by sum_to_size.
//
// Determinism. The reductions are cut into units fixed by the shape alone (kPiece elements of a
// run; kRowElements of rows when inner = 1), each summed by one thread in one order, the units'
// sums then added in their order (in double): the same bits whatever the thread count. Within a
// unit the sums go into 64 bytes of lanes, element i to lane i mod 64/sizeof(S), whatever the
// vector width (two AVX2 vectors are one AVX-512 vector's lanes), added up by a fixed tree: the
// same bits under AVX2 and AVX-512 too.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/stack.h>

#include <algorithm>
#include <array>
#include <type_traits>
#include <vector>

#include "loop.h"
#include "parametric.h"
#include "vec.h"

namespace actlab {
namespace parametric {

constexpr int64_t kPiece = 4096;        // elements of a run per reduction unit
constexpr int64_t kRowElements = 16384;  // inner = 1: rows per unit >= this many elements (and >= 8)

// x read as [outer, channels, inner]; per_element: the values come per element (other layouts)
struct Shape {
  int64_t outer = 1, channels = 1, inner = 1;
  bool per_element = false;
};

inline bool reduced(const at::Tensor& t) {
  return t.scalar_type() == at::kBFloat16 || t.scalar_type() == at::kHalf;
}

// The dim of x along which w varies (-1: one value; -2: no such single dim)
inline int64_t varying_dim(const at::Tensor& x, const at::Tensor& w) {
  if (w.numel() == 1) return -1;
  if (w.dim() > x.dim()) return -2;
  int64_t found = -2;
  const int64_t shift = x.dim() - w.dim();
  for (int64_t i = 0; i < w.dim(); ++i) {
    if (w.size(i) == 1) continue;
    if (w.size(i) != x.size(i + shift) || found != -2) return -2;
    found = i + shift;
  }
  return found;
}

inline Shape shape_of(const at::Tensor& x, at::ArrayRef<at::Tensor> ws) {
  Shape s;
  s.inner = x.numel();
  int64_t d = -1;
  for (const auto& w : ws) {
    const int64_t dw = varying_dim(x, w);
    if (dw == -1) continue;
    if (dw == -2 || (d >= 0 && dw != d)) {
      s.per_element = true;
      s.outer = 1;
      s.channels = x.numel();
      s.inner = 1;
      return s;
    }
    d = dw;
  }
  if (d < 0) return s;
  s.channels = x.size(d);
  s.outer = 1;
  for (int64_t i = 0; i < d; ++i) s.outer *= x.size(i);
  s.inner = 1;
  for (int64_t i = d + 1; i < x.dim(); ++i) s.inner *= x.size(i);
  return s;
}

// The values of the K tensors per channel (K x channels, in S): one value repeated, C values in
// order, or (per_element) each tensor expanded to x
template <class S>
std::vector<S> values_of(const at::Tensor& x, at::ArrayRef<at::Tensor> ws, const Shape& s) {
  const at::ScalarType st = std::is_same_v<S, float> ? at::kFloat : at::kDouble;
  const int64_t c = s.channels;
  std::vector<S> out(ws.size() * c);
  for (size_t j = 0; j < ws.size(); ++j) {
    at::Tensor w = ws[j].to(st);
    if (s.per_element) w = w.expand(x.sizes());
    w = w.contiguous();
    const S* p = w.const_data_ptr<S>();
    S* o = out.data() + j * c;
    if (w.numel() == 1) {
      std::fill(o, o + c, p[0]);
    } else {
      std::copy(p, p + c, o);
    }
  }
  return out;
}

template <class A>
using Vec = typename A::Vec;

template <class A>
constexpr bool has_coefficients = requires { A::kCoefficients; };

template <class A>
constexpr bool has_vjp2 = requires(const A& a, Vec<A> v, Vec<A>& d, Vec<A>* p) { a.vjp2(v, v, v, p, d, p); };

// The per-element terms of one activation (times n): an array where K is fixed, else a vector
template <class A, int64_t N = 1>
using Terms = std::conditional_t<(A::K > 0), std::array<Vec<A>, (A::K > 0 ? A::K : 1) * N>, std::vector<Vec<A>>>;

template <class A, int64_t N = 1>
Terms<A, N> terms_of(std::size_t k) {
  if constexpr (A::K > 0) {
    return {};
  } else {
    return Terms<A, N>(k * N);
  }
}

// The variables' count of an activation: K, or (K = 0) its own
template <class A>
ACTLAB_INLINE std::size_t count_of(const A& a) {
  if constexpr (A::K > 0) {
    return A::K;
  } else {
    return a.count();
  }
}

template <class A, class V>
A make_act(const V* w, std::size_t k) {
  if constexpr (has_coefficients<A>) {
    return A(w, k);
  } else {
    return A(w);
  }
}

// One activation per channel (the values broadcast), or (inner = 1) one per vector of channels
template <class A, class S = Scalar<Vec<A>>>
std::vector<A> acts_of(const std::vector<S>& wv, const Shape& s, bool by_vector) {
  using V = Vec<A>;
  constexpr int64_t VS = V::size();
  const int64_t c = s.channels;
  const std::size_t k = wv.size() / c;
  std::vector<A> acts;
  std::vector<V> w(std::max<std::size_t>(k, 1));
  if (by_vector) {
    acts.reserve((c + VS - 1) / VS);
    for (int64_t b = 0; b < c; b += VS) {
      for (size_t j = 0; j < k; ++j) w[j] = V::loadu(wv.data() + j * c + b, std::min(VS, c - b));
      acts.push_back(make_act<A>(w.data(), k));
    }
  } else {
    acts.reserve(c);
    for (int64_t b = 0; b < c; ++b) {
      for (size_t j = 0; j < k; ++j) w[j] = V(wv[j * c + b]);
      acts.push_back(make_act<A>(w.data(), k));
    }
  }
  return acts;
}

// f over n contiguous elements with one activation
template <class A, class S>
ACTLAB_INLINE void f_run(const A& a, const S* x, S* y, int64_t n) {
  using V = Vec<A>;
  int64_t i = 0;
  for (; i + V::size() <= n; i += V::size()) a.f(V::loadu(x + i)).store(y + i);
  if (i < n) a.f(V::loadu(x + i, n - i)).store(y + i, static_cast<int>(n - i));
}

// The 64 bytes of lanes a unit sums into, as NV vectors of the ISA
template <class V>
constexpr int64_t kLanes = 64 / static_cast<int64_t>(sizeof(Scalar<V>));

template <class V>
constexpr int64_t kNV = kLanes<V> / V::size();

// The lanes' sum by a fixed tree (lane l += lane l + w, w = 32, 16, ..., 1)
template <class V>
Scalar<V> lanes_sum(const V* acc) {
  using S = Scalar<V>;
  alignas(64) S lanes[kLanes<V>];
  for (int64_t q = 0; q < kNV<V>; ++q) acc[q].store(lanes + q * V::size());
  for (int64_t w = kLanes<V> / 2; w >= 1; w /= 2) {
    for (int64_t l = 0; l < w; ++l) lanes[l] += lanes[l + w];
  }
  return lanes[0];
}

// op(u, o, k, gw) over n contiguous elements from `start` with one unit u: op computes the k lanes
// at offset o (k = V::size() but in the last vector) and puts the K per-element terms into gw,
// which are summed into sums[j]
template <class A, class U, class S, class Op>
ACTLAB_INLINE void terms_run(const U& u, int64_t start, int64_t n, size_t K, S* sums, const Op& op) {
  using V = Vec<A>;
  constexpr int64_t VS = V::size(), NV = kNV<V>, W = kLanes<V>;
  Terms<A, NV> acc = terms_of<A, NV>(K);  // acc[j * NV + q]
  std::fill(acc.begin(), acc.end(), zero<V>());
  Terms<A> gw = terms_of<A>(K);
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    for (int64_t q = 0; q < NV; ++q) {
      op(u, start + i + q * VS, VS, gw.data());
      for (size_t j = 0; j < K; ++j) acc[j * NV + q] += gw[j];
    }
  }
  for (int64_t q = 0; i < n; i += VS, ++q) {  // n - i < W: q < NV
    const int64_t k = std::min(VS, n - i);
    op(u, start + i, k, gw.data());
    for (size_t j = 0; j < K; ++j) acc[j * NV + q] += V::set(zero<V>(), gw[j], k);
  }
  for (size_t j = 0; j < K; ++j) sums[j] = lanes_sum(acc.data() + j * NV);
}

// Rows per unit when inner = 1 (fixed by the row length alone)
inline int64_t rows_per_unit(int64_t channels) {
  return std::max<int64_t>(8, (kRowElements + channels - 1) / channels);
}

template <template <class> class Act, class S>
void forward_kernel(const S* x, S* y, const Shape& s, const std::vector<S>& wv) {
  using A = Act<Vectorized<S>>;
  using V = Vectorized<S>;
  constexpr int64_t VS = V::size();
  const int64_t c = s.channels, n = s.outer * c * s.inner;
  if (s.inner == 1 && c > 1) {
    const std::vector<A> acts = acts_of<A>(wv, s, true);
    at::parallel_for(0, s.outer, std::max<int64_t>(1, kGrain / c), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const S* xr = x + r * c;
        S* yr = y + r * c;
        for (int64_t cb = 0, q = 0; cb < c; cb += VS, ++q) {
          const int64_t k = std::min(VS, c - cb);
          if (k == VS) {
            acts[q].f(V::loadu(xr + cb)).store(yr + cb);
          } else {
            acts[q].f(V::loadu(xr + cb, k)).store(yr + cb, static_cast<int>(k));
          }
        }
      }
    });
    return;
  }
  const std::vector<A> acts = acts_of<A>(wv, s, false);
  at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e;) {
      const int64_t r = i / s.inner, end = std::min(e, (r + 1) * s.inner);
      f_run(acts[r % c], x + i, y + i, end - i);
      i = end;
    }
  });
}

// The reduction of K per-element terms to K x channels sums (in double, into total) over x's layout
// s, deterministically (the module's comment): units(by_vector) makes the units (one per channel,
// or for rows, inner = 1, one per vector of channels), op(u, o, k, gw) computes the outputs of the
// k lanes at offset o with unit u and their terms (terms_run)
template <class A, class Units, class Op>
void reduce_kernel(const Shape& s, size_t K, std::vector<double>& total, const Units& units, const Op& op) {
  using V = Vec<A>;
  using S = Scalar<V>;
  constexpr int64_t VS = V::size();
  const int64_t c = s.channels;
  total.assign(K * c, 0.0);
  if (s.inner == 1 && c > 1) {  // rows: per-channel lanes, units of R rows
    const auto us = units(true);
    const int64_t nb = static_cast<int64_t>(us.size()), rows = rows_per_unit(c);
    const int64_t count = (s.outer + rows - 1) / rows;
    std::vector<S> sums(count * K * c);
    at::parallel_for(0, count, 1, [&](int64_t b, int64_t e) {
      std::vector<V> acc(nb * K);
      Terms<A> gw = terms_of<A>(K);
      for (int64_t u = b; u < e; ++u) {
        std::fill(acc.begin(), acc.end(), zero<V>());
        for (int64_t r = u * rows; r < std::min(s.outer, (u + 1) * rows); ++r) {
          const int64_t o = r * c;
          for (int64_t q = 0; q < nb; ++q) {
            const int64_t cb = q * VS, k = std::min(VS, c - cb);
            if (k == VS) {
              op(us[q], o + cb, VS, gw.data());
              for (size_t j = 0; j < K; ++j) acc[q * K + j] += gw[j];
            } else {
              op(us[q], o + cb, k, gw.data());
              for (size_t j = 0; j < K; ++j) acc[q * K + j] += V::set(zero<V>(), gw[j], k);
            }
          }
        }
        for (int64_t q = 0; q < nb; ++q) {
          const int64_t cb = q * VS, k = std::min(VS, c - cb);
          for (size_t j = 0; j < K; ++j) acc[q * K + j].store(sums.data() + (u * K + j) * c + cb, static_cast<int>(k));
        }
      }
    });
    for (int64_t u = 0; u < count; ++u) {
      for (size_t j = 0; j < K; ++j) {
        const S* p = sums.data() + (u * K + j) * c;
        double* t = total.data() + j * c;
        for (int64_t ch = 0; ch < c; ++ch) t[ch] += static_cast<double>(p[ch]);
      }
    }
    return;
  }
  const auto us = units(false);
  const int64_t pieces = (s.inner + kPiece - 1) / kPiece, count = s.outer * c * pieces;
  std::vector<S> sums(count * K);
  const int64_t grain = std::max<int64_t>(1, kGrain / std::min(s.inner, kPiece));
  at::parallel_for(0, count, grain, [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      const int64_t r = u / pieces, p = u % pieces;
      const int64_t start = r * s.inner + p * kPiece, len = std::min(kPiece, s.inner - p * kPiece);
      terms_run<A>(us[r % c], start, len, K, sums.data() + u * K, op);
    }
  });
  for (int64_t u = 0; u < count; ++u) {
    const int64_t ch = (u / pieces) % c;
    for (size_t j = 0; j < K; ++j) total[j * c + ch] += static_cast<double>(sums[u * K + j]);
  }
}

// gx into gx, the K gradients per channel (K x channels, in double) into total
template <template <class> class Act, class S>
void backward_kernel(const S* g, const S* x, S* gx, const Shape& s, const std::vector<S>& wv,
                     std::vector<double>& total) {
  using A = Act<Vectorized<S>>;
  using V = Vectorized<S>;
  const auto units = [&](bool by_vector) { return acts_of<A>(wv, s, by_vector); };
  const auto op = [=](const A& a, int64_t o, int64_t k, V* gw) ACTLAB_INLINE_LAMBDA {
    store(a.vjp(load<V>(g + o, k), load<V>(x + o, k), gw), gx + o, k);
  };
  reduce_kernel<A>(s, wv.size() / s.channels, total, units, op);
}

// The values of K tensors at one channel (or vector of channels), as acts_of makes activations
template <class A>
struct Values {
  using Vec = parametric::Vec<A>;
  static constexpr bool kCoefficients = true;
  Terms<A> w;
  Values(const Vec* p, std::size_t k) : w(terms_of<A>(k)) { std::copy(p, p + k, w.begin()); }
};

// An activation with the tangent (the values of ggw) of its channel(s)
template <class A>
struct Tangent {
  A a;
  Values<A> t;
};

// dg, dx into dg, dx and the K gradients per channel into total: the double backward at the
// tangent (ggx, the values tv of ggw, laid out as wv)
template <template <class> class Act, class S>
void double_backward_kernel(const S* ggx, const S* g, const S* x, S* dg, S* dx, const Shape& s,
                            const std::vector<S>& wv, const std::vector<S>& tv, std::vector<double>& total) {
  using A = Act<Vectorized<S>>;
  using V = Vectorized<S>;
  const auto units = [&](bool by_vector) {
    const std::vector<A> acts = acts_of<A>(wv, s, by_vector);
    const std::vector<Values<A>> ts = acts_of<Values<A>>(tv, s, by_vector);
    std::vector<Tangent<A>> out;
    out.reserve(acts.size());
    for (size_t i = 0; i < acts.size(); ++i) out.push_back({acts[i], ts[i]});
    return out;
  };
  const auto op = [=](const Tangent<A>& u, int64_t o, int64_t k, V* gw) ACTLAB_INLINE_LAMBDA {
    V d;
    store(u.a.vjp2(load<V>(g + o, k), load<V>(x + o, k), load<V>(ggx + o, k), u.t.w.data(), d, gw), dx + o, k);
    store(d, dg + o, k);
  };
  reduce_kernel<A>(s, wv.size() / s.channels, total, units, op);
}

// The compute-type copy of a tensor: float for bfloat16/half, contiguous
inline at::Tensor computable(const at::Tensor& t, at::ScalarType st) {
  return (t.scalar_type() == st ? t : t.to(st)).contiguous();
}

inline at::Tensor restore(const at::Tensor& result, const at::Tensor& like) {
  if (result.scalar_type() == like.scalar_type() && result.strides() == like.strides()) return result;
  at::Tensor out = empty_like(like);
  out.copy_(result);
  return out;
}

// The gradient of w (K x channels sums in total, row j) in w's shape and dtype
inline at::Tensor gradient_of(const at::Tensor& w, const std::vector<double>& total, size_t j, const Shape& s,
                              const at::Tensor& x) {
  const int64_t c = s.channels;
  const double* t = total.data() + j * c;
  if (s.per_element) {
    at::Tensor full = at::empty({c}, at::TensorOptions().dtype(at::kDouble));
    std::copy(t, t + c, full.data_ptr<double>());
    return full.reshape(x.sizes()).sum_to_size(w.sizes()).to(w.scalar_type());
  }
  if (w.numel() == 1) {
    double sum = 0.0;
    for (int64_t ch = 0; ch < c; ++ch) sum += t[ch];
    at::Tensor out = at::empty({}, at::TensorOptions().dtype(at::kDouble));
    *out.data_ptr<double>() = sum;
    return out.to(w.scalar_type()).reshape(w.sizes());
  }
  at::Tensor out = at::empty({c}, at::TensorOptions().dtype(at::kDouble));
  std::copy(t, t + c, out.data_ptr<double>());
  return out.to(w.scalar_type()).reshape(w.sizes());
}

// The variables' tensors: each tensor, or (coefficient activations) each coefficient w[..., j] of
// each; widths[t]: tensor t's coefficient count (checked by the activation)
template <class A>
std::vector<at::Tensor> variables_of(at::ArrayRef<at::Tensor> ws, std::vector<int64_t>& widths) {
  std::vector<at::Tensor> parts;
  for (const auto& w : ws) {
    if constexpr (has_coefficients<A>) {
      TORCH_CHECK(w.dim() >= 1, "actlab: a coefficient tensor needs a trailing dim of coefficients, got a 0-D tensor");
      widths.push_back(w.size(-1));
      for (int64_t j = 0; j < w.size(-1); ++j) parts.push_back(w.select(-1, j));
    } else {
      widths.push_back(1);
      parts.push_back(w);
    }
  }
  if constexpr (has_coefficients<A>) A::check(widths);
  TORCH_CHECK(A::K == 0 || parts.size() == A::K, "actlab: expected ", A::K, " variables, got ", parts.size());
  return parts;
}

// The gradient of tensor t: its variables' gradients (from its first, `first`) stacked along its last dim
template <class A>
at::Tensor tensor_gradient(const at::Tensor& w, int64_t width, size_t first, const std::vector<at::Tensor>& parts,
                           const std::vector<double>& total, const Shape& s, const at::Tensor& x) {
  if constexpr (has_coefficients<A>) {
    std::vector<at::Tensor> grads;
    for (int64_t j = 0; j < width; ++j) grads.push_back(gradient_of(parts[first + j], total, first + j, s, x));
    return at::stack(grads, -1);
  } else {
    return gradient_of(w, total, first, s, x);
  }
}

}  // namespace parametric

template <template <class> class Act, std::size_t... I>
at::Tensor ParametricOps<Act, std::index_sequence<I...>>::forward(const at::Tensor& x, In<I>... w) {
  using namespace parametric;
  const std::array<at::Tensor, sizeof...(I)> ws{w...};
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  const at::ScalarType st = x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  std::vector<int64_t> widths;
  const std::vector<at::Tensor> parts = variables_of<Act<Vectorized<float>>>(ws, widths);
  const at::Tensor xc = computable(x, st);
  at::Tensor y = at::empty(xc.sizes(), xc.options());
  if (x.numel() > 0) {
    const Shape s = shape_of(x, parts);
    if (st == at::kFloat) {
      forward_kernel<Act, float>(xc.const_data_ptr<float>(), y.data_ptr<float>(), s, values_of<float>(x, parts, s));
    } else {
      forward_kernel<Act, double>(xc.const_data_ptr<double>(), y.data_ptr<double>(), s,
                                  values_of<double>(x, parts, s));
    }
  }
  return restore(y, x);
}

template <template <class> class Act, std::size_t... I>
std::tuple<at::Tensor, typename ParametricOps<Act, std::index_sequence<I...>>::template Out<I>...>
ParametricOps<Act, std::index_sequence<I...>>::backward(const at::Tensor& g, const at::Tensor& x, In<I>... w) {
  using namespace parametric;
  using A = Act<Vectorized<float>>;
  const std::array<at::Tensor, sizeof...(I)> ws{w...};
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  TORCH_CHECK(g.sizes() == x.sizes(), "actlab: the gradient's shape ", g.sizes(), " is not the input's ", x.sizes());
  const at::ScalarType st = x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  std::vector<int64_t> widths;
  const std::vector<at::Tensor> parts = variables_of<A>(ws, widths);
  const at::Tensor xc = computable(x, st), gc = computable(g, st);
  at::Tensor gx = at::empty(xc.sizes(), xc.options());
  const Shape s = shape_of(x, parts);
  std::vector<double> total(parts.size() * s.channels, 0.0);
  if (x.numel() > 0) {
    if (st == at::kFloat) {
      backward_kernel<Act, float>(gc.const_data_ptr<float>(), xc.const_data_ptr<float>(), gx.data_ptr<float>(), s,
                                  values_of<float>(x, parts, s), total);
    } else {
      backward_kernel<Act, double>(gc.const_data_ptr<double>(), xc.const_data_ptr<double>(), gx.data_ptr<double>(),
                                   s, values_of<double>(x, parts, s), total);
    }
  }
  std::array<size_t, sizeof...(I)> first{};
  for (size_t t = 1; t < first.size(); ++t) first[t] = first[t - 1] + static_cast<size_t>(widths[t - 1]);
  return {restore(gx, x), tensor_gradient<A>(ws[I], widths[I], first[I], parts, total, s, x)...};
}

template <template <class> class Act, std::size_t... I>
std::tuple<at::Tensor, at::Tensor, typename ParametricOps<Act, std::index_sequence<I...>>::template Out<I>...>
ParametricOps<Act, std::index_sequence<I...>>::double_backward(const at::Tensor& ggx, In<I>... ggw,
                                                               const at::Tensor& g, const at::Tensor& x,
                                                               In<I>... w) {
  using namespace parametric;
  using A = Act<Vectorized<float>>;
  static_assert(has_vjp2<A>, "a learnable activation states vjp2 (its double backward: parametric_impl.h)");
  const std::array<at::Tensor, sizeof...(I)> ws{w...}, ggws{ggw...};
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  TORCH_CHECK(g.sizes() == x.sizes() && ggx.sizes() == x.sizes(), "actlab: the gradients' shapes ", g.sizes(), " and ",
              ggx.sizes(), " are not the input's ", x.sizes());
  for (size_t t = 0; t < ws.size(); ++t) {
    TORCH_CHECK(ggws[t].sizes() == ws[t].sizes(), "actlab: the gradient of tensor ", t + 1, " has shape ",
                ggws[t].sizes(), ", the tensor ", ws[t].sizes());
  }
  const at::ScalarType st = x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
  std::vector<int64_t> widths, tangent_widths;
  const std::vector<at::Tensor> parts = variables_of<A>(ws, widths);
  const std::vector<at::Tensor> tparts = variables_of<A>(ggws, tangent_widths);
  const at::Tensor xc = computable(x, st), gc = computable(g, st), ggc = computable(ggx, st);
  at::Tensor dg = at::empty(xc.sizes(), xc.options()), dx = at::empty(xc.sizes(), xc.options());
  const Shape s = shape_of(x, parts);
  std::vector<double> total(parts.size() * s.channels, 0.0);
  if (x.numel() > 0) {
    if (st == at::kFloat) {
      double_backward_kernel<Act, float>(ggc.const_data_ptr<float>(), gc.const_data_ptr<float>(),
                                         xc.const_data_ptr<float>(), dg.data_ptr<float>(), dx.data_ptr<float>(), s,
                                         values_of<float>(x, parts, s), values_of<float>(x, tparts, s), total);
    } else {
      double_backward_kernel<Act, double>(ggc.const_data_ptr<double>(), gc.const_data_ptr<double>(),
                                          xc.const_data_ptr<double>(), dg.data_ptr<double>(),
                                          dx.data_ptr<double>(), s, values_of<double>(x, parts, s),
                                          values_of<double>(x, tparts, s), total);
    }
  }
  std::array<size_t, sizeof...(I)> first{};
  for (size_t t = 1; t < first.size(); ++t) first[t] = first[t - 1] + static_cast<size_t>(widths[t - 1]);
  return {restore(dg, g), restore(dx, x), tensor_gradient<A>(ws[I], widths[I], first[I], parts, total, s, x)...};
}

}  // namespace actlab
