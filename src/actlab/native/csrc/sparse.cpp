// Sparsemax and 1.5-entmax (activations/normalizer.py) along any dim: forward, backward and double
// backward over contiguous rows. Another dim or layout is copied into rows and back; bfloat16/half
// rows are computed in float32 buffers and rounded once (the declarations' upcast).
//
// Forward without a sort. With z = x - max (sparsemax) or (x - max)/2 (1.5-entmax) the threshold
// lies in [-1, 0) (the top entry's y, -tau or tau^2, is at most 1), so only z > -1 can be in the
// support: those candidates are gathered in row order into a buffer, and there
//   sparsemax: Michelot's projection: tau = (sum_S z - 1)/|S| on S = {z > tau}, from S = the
//     candidates, until S stops shrinking (tau only grows; each round drops an entry or ends);
//   1.5-entmax: Newton's method on F(tau) = sum [z - tau]_+^2 - 1 (convex, decreasing) from
//     tau = -1, which never steps past the root; it ends when the root t_S of the quadratic
//     sum_S (z - t)^2 = 1 on S = {z > tau} lies below min_S z (then S is the support).
// tau is then computed from the support alone as the declarations do ((sum_S z - 1)/|S|;
// mean - sqrt((1 - sum_S (z - mean)^2)/|S|)): the result does not depend on top-k's k, which is
// checked and otherwise unused. The forward's sums are scalar float64 (float32 rows too), in row
// order: the same bits on every ISA. A row holding NaN, or only -inf: NaN; a row with +inf entries: uniform over them (z = 0
// there, -inf elsewhere: the declarations' limit).
//
// Backward, with the output's support S = {y > 0}:
//   sparsemax: [y > 0] (g - mean_S g);  1.5-entmax: u (g - <u, g>/sum u), u = sqrt(y).
// Double backward, the derivatives of <gg, J^T g> in g and y (Sparsemax.vjp2, Entmax15.vjp2):
//   sparsemax (J gg, 0);  1.5-entmax (u cgg, [y > 0] cgg cg / 2u), cg = g - <u, g>/sum u, cgg alike.
#include "sparse.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "row_driver.h"

namespace actlab {
namespace {

enum class Map { kSparsemax, kEntmax15 };

// z of x given the row max m: x - m, halved for 1.5-entmax (exact)
template <Map M, class V>
ACTLAB_INLINE V shifted(const V& x, const V& m) {
  if constexpr (M == Map::kSparsemax) {
    return x - m;
  } else {
    return (x - m) * V(Scalar<V>(0.5));
  }
}

// y of z given tau: [z - tau]_+ or its square
template <Map M, class V>
ACTLAB_INLINE V value(const V& z, const V& tau) {
  const V u = max0(z - tau);
  if constexpr (M == Map::kSparsemax) {
    return u;
  } else {
    return u * u;
  }
}

// Michelot: tau on S = {z > tau} until S stops shrinking; c >= 1 candidates (the top z = 0 is one,
// and stays: tau < 0). The sums are float64 (float32 rows too: a sequential float32 sum of 1000
// entries near -1 would move tau by 1e-5)
template <class S>
S sparsemax_threshold(S* z, int64_t c) {
  double total = 0;
  for (int64_t j = 0; j < c; ++j) total += z[j];
  for (;;) {
    const double tau = (total - 1.0) / static_cast<double>(c);
    double kept_total = 0;
    int64_t kept = 0;
    for (int64_t j = 0; j < c; ++j) {  // keep z > tau in place, in order
      const S v = z[j];
      const bool on = v > tau;
      z[kept] = v;
      kept += on;
      kept_total += on ? v : 0.0;
    }
    if (kept == c) return static_cast<S>(tau);
    c = kept;
    total = kept_total;
  }
}

// The declaration's tau of 1.5-entmax from its support z[0, c): two-pass mean and sum of squares
template <class S>
S entmax15_support_threshold(const S* z, int64_t c) {
  double sum = 0;
  for (int64_t j = 0; j < c; ++j) sum += z[j];
  const double mean = sum / static_cast<double>(c);
  double ss = 0;
  for (int64_t j = 0; j < c; ++j) ss += (z[j] - mean) * (z[j] - mean);
  return static_cast<S>(mean - std::sqrt(std::max((1.0 - ss) / static_cast<double>(c), 0.0)));
}

// Newton on F(tau) = sum [z - tau]_+^2 - 1 from tau = -1 (below the root: F convex and decreasing),
// each step's S = {z > tau} filtered in place; ends when the root of the quadratic on S lies below
// min_S z (S is then the support), or when a step no longer moves tau (rounding at the root)
template <class S>
S entmax15_threshold(S* z, int64_t c) {
  double tau = -1;
  for (int iter = 0; iter < 200; ++iter) {
    double sd = 0, sd2 = 0, zmin = kInf<double>;
    int64_t kept = 0;
    for (int64_t j = 0; j < c; ++j) {
      const S v = z[j];
      const double d = v - tau;
      const bool on = v > tau;
      z[kept] = v;
      kept += on;
      sd += on ? d : 0.0;
      sd2 += on ? d * d : 0.0;
      zmin = on ? std::min<double>(zmin, v) : zmin;
    }
    c = kept;
    const double mean_d = sd / static_cast<double>(c), ss = std::max(sd2 - sd * mean_d, 0.0);
    if (ss <= 1.0 && tau + mean_d - std::sqrt((1.0 - ss) / static_cast<double>(c)) < zmin) break;
    const double next = tau + (sd2 - 1.0) / (2.0 * sd);
    if (!(next > tau)) break;
    tau = next;
  }
  return entmax15_support_threshold(z, c);
}

template <Map M, class S>
S threshold(S* z, int64_t c) {
  if constexpr (M == Map::kSparsemax) {
    return sparsemax_threshold(z, c);
  } else {
    return entmax15_threshold(z, c);
  }
}

// A row with +inf entries: z = 0 there, -inf elsewhere (scalar: rare)
template <Map M, class S>
void infinite_row(const S* x, S* y, int64_t n, S* buf) {
  int64_t c = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] == kInf<S>) buf[c++] = S(0);
  }
  const S tau = threshold<M>(buf, c), u = S(0) - tau;
  const S top = M == Map::kSparsemax ? u : u * u;
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] == kInf<S> ? top : S(0);
}

// One contiguous row x[0, n) -> y[0, n); buf: n scratch entries
template <Map M, class S>
void forward_row(const S* x, S* y, int64_t n, S* buf) {
  using V = Vectorized<S>;
  constexpr int64_t W = V::size();
  V mv(-kInf<S>);
  int64_t i = 0;
  for (; i + W <= n; i += W) mv = at::vec::maximum(mv, V::loadu(x + i));
  if (i < n) mv = at::vec::maximum(mv, sel(lanes_below<V>(n - i), V::loadu(x + i, n - i), V(-kInf<S>)));
  const S ms = hmax(mv);
  if (std::isnan(ms) || ms == -kInf<S>) {
    for (i = 0; i < n; ++i) y[i] = kNaN<S>;
    return;
  }
  if (ms == kInf<S>) return infinite_row<M>(x, y, n, buf);
  const V m(ms), lo(S(-1));
  int64_t c = 0;
  alignas(64) S lanes[W];
  auto gather = [&](const V& z, int bits) ACTLAB_INLINE_LAMBDA {  // the lanes z > -1 of bits, in order
    bits &= ~(z > lo).zero_mask();
    if (bits == 0) return;
    z.store(lanes);
    for (; bits != 0; bits &= bits - 1) buf[c++] = lanes[__builtin_ctz(bits)];
  };
  constexpr int kAll = (1 << W) - 1;
  for (i = 0; i + W <= n; i += W) gather(shifted<M>(V::loadu(x + i), m), kAll);
  if (i < n) gather(shifted<M>(V::loadu(x + i, n - i), m), (1 << (n - i)) - 1);
  const V tau(threshold<M>(buf, c));
  for (i = 0; i + W <= n; i += W) value<M>(shifted<M>(V::loadu(x + i), m), tau).store(y + i);
  if (i < n) value<M>(shifted<M>(V::loadu(x + i, n - i), m), tau).store(y + i, static_cast<int>(n - i));
}

// ---- backward and double backward rows (partial loads fill zeros: y = 0 is off the support)
template <class S>
void sparsemax_backward_row(const S* g, const S* y, S* out, int64_t n) {
  using V = Vectorized<S>;
  V sum = zero<V>(), count = zero<V>();
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const V on = load<V>(y + i, k) > zero<V>();
    sum = sum + (on & load<V>(g + i, k));
    count = count + (on & V(S(1)));
  });
  const V mean(hsum(sum) / hsum(count));
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const V gv = load<V>(g + i, k);
    store(sel(load<V>(y + i, k) > zero<V>(), gv - mean, zero<V>()), out + i, k);
  });
}

// <u, a> / sum u for each a of as, u = sqrt(y) written to u
template <class S, std::size_t N>
std::array<S, N> centers(const S* y, std::array<const S*, N> as, S* u, int64_t n) {
  using V = Vectorized<S>;
  V total = zero<V>();
  std::array<V, N> dots;
  dots.fill(zero<V>());
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const V uv = load<V>(y + i, k).sqrt();
    store(uv, u + i, k);
    total = total + uv;
    for (std::size_t j = 0; j < N; ++j) dots[j] = fma(uv, load<V>(as[j] + i, k), dots[j]);
  });
  const S t = hsum(total);
  std::array<S, N> c;
  for (std::size_t j = 0; j < N; ++j) c[j] = hsum(dots[j]) / t;
  return c;
}

template <class S>
void entmax15_backward_row(const S* g, const S* y, S* out, int64_t n) {
  using V = Vectorized<S>;
  const V c(centers<S, 1>(y, {g}, out, n)[0]);  // out holds u
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    store(load<V>(out + i, k) * (load<V>(g + i, k) - c), out + i, k);
  });
}

template <class S>
void entmax15_double_row(const S* gg, const S* g, const S* y, S* dg, S* dy, int64_t n) {
  using V = Vectorized<S>;
  const auto [c_g, c_gg] = centers<S, 2>(y, {g, gg}, dg, n);  // dg holds u
  const V cg(c_g), cgg(c_gg);
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const V u = load<V>(dg + i, k), a = load<V>(gg + i, k) - cgg, b = load<V>(g + i, k) - cg;
    store(u * a, dg + i, k);
    const V on = load<V>(y + i, k) > zero<V>();
    store(sel(on, (a * b) / (V(S(2)) * sel(on, u, V(S(1)))), zero<V>()), dy + i, k);
  });
}

void check(const at::Tensor& x, std::optional<int64_t> k) {
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  TORCH_CHECK(!k || *k >= 1, "actlab: k must be None or an int >= 1, got ", *k);
}

// The rows of the tensors ts (one shape, computed in ts[0]'s dtype) along dim through row(in, out,
// n, scratch); NOut outputs, each in the layout and dtype of likes[j]
template <Map M>
at::Tensor forward(const at::Tensor& x, int64_t dim, std::optional<int64_t> k) {
  check(x, k);
  return rows_op<1, 1>({&x}, {&x}, dim, [](auto in, auto out, int64_t n, auto* scratch, int64_t) {
    forward_row<M>(in[0], out[0], n, scratch);
  })[0];
}

template <Map M>
at::Tensor backward(const at::Tensor& g, const at::Tensor& y, int64_t dim, std::optional<int64_t> k) {
  check(g, k);
  return rows_op<2, 1>({&g, &y}, {&g}, dim, [](auto in, auto out, int64_t n, auto*, int64_t) {
    if constexpr (M == Map::kSparsemax) {
      sparsemax_backward_row(in[0], in[1], out[0], n);
    } else {
      entmax15_backward_row(in[0], in[1], out[0], n);
    }
  })[0];
}

}  // namespace

at::Tensor sparsemax(const at::Tensor& x, int64_t dim, std::optional<int64_t> k) {
  return forward<Map::kSparsemax>(x, dim, k);
}
at::Tensor entmax15(const at::Tensor& x, int64_t dim, std::optional<int64_t> k) {
  return forward<Map::kEntmax15>(x, dim, k);
}
at::Tensor sparsemax_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim, std::optional<int64_t> k) {
  return backward<Map::kSparsemax>(g, y, dim, k);
}
at::Tensor entmax15_backward(const at::Tensor& g, const at::Tensor& y, int64_t dim, std::optional<int64_t> k) {
  return backward<Map::kEntmax15>(g, y, dim, k);
}

std::tuple<at::Tensor, at::Tensor> sparsemax_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                             const at::Tensor& y, int64_t dim,
                                                             std::optional<int64_t> k) {
  check(g, k);
  TORCH_CHECK(gg.sizes() == g.sizes(), "actlab: the inputs differ in shape");
  at::Tensor dg = backward<Map::kSparsemax>(gg.to(g.scalar_type()), y, dim, k);
  return {dg, empty_like(y).zero_()};  // J is constant on each support
}

std::tuple<at::Tensor, at::Tensor> entmax15_double_backward(const at::Tensor& gg, const at::Tensor& g,
                                                            const at::Tensor& y, int64_t dim,
                                                            std::optional<int64_t> k) {
  check(g, k);
  auto [dg, dy] = rows_op<3, 2>({&g, &gg, &y}, {&g, &y}, dim, [](auto in, auto out, int64_t n, auto*, int64_t) {
    entmax15_double_row(in[1], in[0], in[2], out[0], out[1], n);
  });
  return {dg, dy};
}

}  // namespace actlab
