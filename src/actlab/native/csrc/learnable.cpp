// The learnable family's kernels (activations/learnable.py), learnable (kinds.Parametric) ops on
// parametric_impl.h: PELU, MPELU, SReLU, AReLU, and the coefficient ones APL, PAU, Rational. Where the declarations compute float32 in float64 (so that x/b and
// beta x are exact before the exponential), the float32 kernels carry the argument as hi + lo
// (the lo part by an FMA residual) and put it back to first order: e^{t + tl} = e^t (1 + tl).
#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "act.h"
#include "compensated.h"
#include "parametric_impl.h"

namespace actlab {

// e^t - 1 and e^t for t <= 0 (NaN stays NaN), t + tl the argument; float64: tl is 0
template <class V>
ACTLAB_INLINE std::pair<V, V> expm1_exp(const V& t, const V& tl) {
  if constexpr (is_float<V>) {
    const V e0 = exp_inline(t), m0 = sel(t >= V(-0.69314718f), expm1_neg(t), e0 - V(1.0f));
    return {fma(e0, tl, m0), fma(e0, tl, e0)};
  } else {
    return {t.expm1(), t.exp()};
  }
}

// the rounding error of q = x / b (float32; 0 where q is not finite), and of t = a x
template <class V>
ACTLAB_INLINE V quotient_residual(const V& q, const V& x, const V& b) {
  if constexpr (is_float<V>) {
    return sel(q.abs() < V(std::numeric_limits<float>::infinity()), fma(q.neg(), b, x) / b, zero<V>());
  } else {
    return zero<V>();
  }
}

template <class V>
ACTLAB_INLINE V product_residual(const V& t, const V& a, const V& x) {
  if constexpr (is_float<V>) {
    return sel(t.abs() < V(std::numeric_limits<float>::infinity()), fma(a, x, t.neg()), zero<V>());
  } else {
    return zero<V>();
  }
}

// PELU: (a/b) x (x >= 0), a expm1(x/b) (x < 0); df/dx = (a/b) e, df/da = x/b resp. expm1(x/b),
// df/db = -a x e / b^2, e = e^{x/b} on the left, 1 on the right (x e = 0 where e underflows).
// float32: a/b as hi + lo (once per channel), df/dx = (a/b) e^{x/b} with e as hi + lo (exp_split):
// rounded once, as the declaration's float64 value (near the subnormals by mul_exp)
template <class V>
struct PELU : Act<V> {
  static constexpr std::size_t K = 2;
  V a, b, a_over_b, a_over_b_lo, minus_a, b2;
  explicit PELU(const V* w)
      : a(w[0]), b(w[1]), a_over_b(w[0] / w[1]), minus_a(w[0].neg()), b2(w[1] * w[1]) {
    a_over_b_lo = is_float<V> ? fma(a_over_b.neg(), b, a) / b : zero<V>();
  }
  ACTLAB_INLINE V f(V x) const {
    const V q = x / b;
    const V m = expm1_exp(min0(q), quotient_residual(q, x, b)).first;
    const V right = sel(x.abs() == V(std::numeric_limits<Scalar<V>>::infinity()), a_over_b * x,
                        fma(a_over_b, x, a_over_b_lo * x));
    return sel(x >= zero<V>(), right, a * m);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V pos = x >= zero<V>(), q = x / b, ql = sel(pos, zero<V>(), quotient_residual(q, x, b));
    const auto [m, e0] = expm1_exp(sel(pos, zero<V>(), q), ql);
    const V e = sel(pos, V(1), e0), xe = sel(e == zero<V>(), zero<V>(), x * e);
    gw[0] = g * sel(pos, q, m);
    gw[1] = g * ((minus_a * xe) / b2);
    if constexpr (is_float<V>) {  // (a/b) e^{q + ql}, e^q = eh + el: one rounding
      const auto [eh0, el0] = exp_split(clamp(sel(pos, zero<V>(), q), V(-120.0f), zero<V>()));
      const V eh = sel(pos, V(1.0f), eh0), el = sel(pos, zero<V>(), fma(eh0, ql, el0));
      const V p = a_over_b * eh, pl = fma(a_over_b, eh, p.neg()) + (a_over_b * el + a_over_b_lo * eh);
      const V tiny = p.abs() < V(0x1p-120f);  // near the subnormals: (a/b) e^q rounded once by mul_exp
      const V d = any(tiny) ? sel(tiny, mul_exp_nonpos(a_over_b, min0(q), ql), p + pl) : p + pl;
      return g * d;
    } else {
      return g * (a_over_b * e);
    }
  }
};
template struct ParametricOps<PELU, std::make_index_sequence<2>>;

// MPELU: x (x > 0), alpha expm1(beta x) (x <= 0, NaN); df/dx = 1 resp. alpha beta e, df/dalpha =
// expm1(beta x), df/dbeta = alpha x e (left), e = e^{beta x}
template <class V>
struct MPELU : Act<V> {
  static constexpr std::size_t K = 2;
  V alpha, beta, alpha_beta;
  explicit MPELU(const V* w) : alpha(w[0]), beta(w[1]), alpha_beta(w[0] * w[1]) {}
  ACTLAB_INLINE V f(V x) const {
    const V right = x > zero<V>(), t = sel(right, zero<V>(), beta * x);
    return sel(right, x, alpha * expm1_exp(t, product_residual(t, beta, sel(right, zero<V>(), x))).first);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V right = x > zero<V>(), xl = sel(right, zero<V>(), x), t = beta * xl;
    const auto [m, e] = expm1_exp(t, product_residual(t, beta, xl));
    const V xe = sel(right, zero<V>(), sel(e == zero<V>(), zero<V>(), x * e));
    gw[0] = g * sel(right, zero<V>(), m);
    gw[1] = g * (alpha * xe);
    return g * sel(right, V(1), alpha_beta * e);
  }
};
template struct ParametricOps<MPELU, std::make_index_sequence<2>>;

// slope * dx, and 0 for an infinite dx on a flat piece (slope 0): the limit, not 0 * inf (learnable.py's _lin)
template <class V>
ACTLAB_INLINE V lin(const V& slope, const V& dx) {
  const V inf(std::numeric_limits<Scalar<V>>::infinity());
  return sel((dx.abs() == inf) & (slope == zero<V>()), zero<V>(), slope * dx);
}

// SReLU: t_r + a_r (x - t_r) (x >= t_r), x (t_l < x < t_r), t_l + a_l (x - t_l) (x <= t_l; the right piece
// wins where t_l >= t_r); df/dx = a_r, 1, a_l (1 for NaN); df/dt_l = 1 - a_l, df/da_l = x - t_l (left);
// df/dt_r = 1 - a_r, df/da_r = x - t_r (right): the declaration's operations, exact to its bits
template <class V>
struct SReLU : Act<V> {
  static constexpr std::size_t K = 4;
  V tl, al, tr, ar;
  explicit SReLU(const V* w) : tl(w[0]), al(w[1]), tr(w[2]), ar(w[3]) {}
  ACTLAB_INLINE V f(V x) const {
    return sel(x >= tr, tr + lin(ar, x - tr), sel(x <= tl, tl + lin(al, x - tl), x));
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    using S = Scalar<V>;
    const V one(S(1)), right = x >= tr, left = (x <= tl) & (x < tr);
    gw[0] = g * sel(left, one - al, zero<V>());
    gw[1] = g * sel(left, x - tl, zero<V>());
    gw[2] = g * sel(right, one - ar, zero<V>());
    gw[3] = g * sel(right, x - tr, zero<V>());
    return g * sel(right, ar, sel(left, al, one));
  }
};
template struct ParametricOps<SReLU, std::make_index_sequence<4>>;

// AReLU: (1 + sigma(beta)) max(0, x) - C(alpha) max(0, -x), C = clamp(alpha, 0.01, 0.99);
// df/dx = 1 + sigma(beta) (x > 0), C (x < 0), 0 at 0 and NaN; df/dalpha = x [x < 0] C'(alpha), C' = 1
// on [0.01, 0.99]; df/dbeta = x [x > 0] sigma'(beta)
template <class V>
struct AReLU : Act<V> {
  static constexpr std::size_t K = 2;
  using S = Scalar<V>;
  V c, gain, inside, sp;
  explicit AReLU(const V* w)
      : c(clamp(w[0], V(S(0.01)), V(S(0.99)))),
        gain(V(S(1)) + sigmoid(w[1])),
        inside(sel((w[0] >= V(S(0.01))) & (w[0] <= V(S(0.99))), V(S(1)), zero<V>())),
        sp(sigmoid_prime(w[1])) {}
  ACTLAB_INLINE V f(V x) const { return gain * max0(x) - c * max0(x.neg()); }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V pos = x > zero<V>(), neg = x < zero<V>();
    gw[0] = g * (sel(neg, x, zero<V>()) * inside);
    gw[1] = g * (sel(pos, x, zero<V>()) * sp);
    return g * sel(pos, gain, sel(neg, c, zero<V>()));
  }
};
template struct ParametricOps<AReLU, std::make_index_sequence<2>>;

// APL: max(0, x) + sum_s a_s max(0, b_s - x) (S hinges: a and b of S coefficients); df/dx = [x > 0] -
// sum_s a_s [x < b_s] (the declaration's float32 sum, in its order), df/da_s = max(0, b_s - x),
// df/db_s = a_s [x < b_s]. float32 f: the sum cancels where f crosses 0 (1.5x - 0.5 at slope -0.5),
// so b_s - x by TwoSum, a_s (b_s - x) by FMA residual, the terms summed by TwoSum: rounded once;
// float64: the declaration's operations. Infinite x (and an overflowing term): the plain sum with
// _lin's 0 for a flat piece (a_s = 0) at infinite distance.
template <class V>
struct APL : Act<V> {
  using S = Scalar<V>;
  static constexpr bool kCoefficients = true;
  static constexpr std::size_t K = 0;  // 2S, S from the tensors
  static void check(at::IntArrayRef widths) {
    TORCH_CHECK(widths.size() == 2 && widths[0] == widths[1] && widths[0] >= 1,
                "actlab: apl takes a and b of the same number (>= 1) of hinges, got ", widths);
  }
  std::vector<V> a, b;
  APL(const V* w, std::size_t k) : a(w, w + k / 2), b(w + k / 2, w + k) {}
  std::size_t count() const { return 2 * a.size(); }
  ACTLAB_INLINE V plain(V x) const {
    const V inf(std::numeric_limits<S>::infinity());
    V out = max0(x);
    for (std::size_t s = 0; s < a.size(); ++s) {
      const V h = max0(b[s] - x);
      out = out + sel((h.abs() == inf) & (a[s] == zero<V>()), zero<V>(), a[s] * h);
    }
    return out;
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (!is_float<V>) {
      return plain(x);
    } else {
      V hi = max0(x), lo = zero<V>();
      for (std::size_t s = 0; s < a.size(); ++s) {
        auto [h, hl] = two_sum(b[s], x.neg());
        const V on = h > zero<V>();
        auto [p, pl] = two_prod(a[s], sel(on, h, zero<V>()));
        const auto [t, te] = two_sum(hi, p);
        lo = lo + (te + fma(a[s], sel(on, hl, zero<V>()), pl));
        hi = t;
      }
      const V y = hi + lo, finite = y.abs() < V(std::numeric_limits<S>::infinity());
      return all(finite) ? y : sel(finite, y, plain(x));
    }
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const std::size_t n = a.size();
    V total = zero<V>();
    for (std::size_t s = 0; s < n; ++s) {
      const V below = sel(x < b[s], V(S(1)), zero<V>());
      total = total + a[s] * below;
      gw[s] = g * max0(b[s] - x);
      gw[n + s] = g * (a[s] * below);
    }
    return g * (sel(x > zero<V>(), V(S(1)), zero<V>()) - total);
  }
};
template struct ParametricOps<APL, std::make_index_sequence<2>>;

// The rational activations F = P/Q, P = sum_{j <= M} a_j x^j: PAU (Safe) Q = 1 + |B|, B = sum_{k=1..D}
// b_k x^k; Rational Q = sum_{k=0..D} b_k x^k. Coefficients: a_0..a_M, then the b_k.
//
//   f = P/Q, P by compensated Horner (plain float32 Horner missed the float64 declaration by 660
//   ulps where P cancels: PAU's leaky ReLU below 0); Rational's Q too (near its poles);
//   f' = N/Q^2, N = P'Q - PQ' a polynomial of degree M + D - 1 (PAU: P' + s (P'B - PB') for each
//   sign s of B, Q' = s B'), its coefficients computed once per channel in double, kept as hi + lo
//   and summed by compensated Horner ((P' - f Q')/Q cancelled to 140 ulps); PAU's s as sign(x)
//   sign(B/x), B/x by compensated Horner (B underflows, and changes sign near x = 1.4e-5);
//   df/da_j = x^j/Q, df/db_k = -s f x^k/Q (Rational s = 1), f there from plain Horner.
//
// Beyond |x| = 2^12 (and at +-inf) the declaration's scaled form (its _Monomials): t = 1/x, P/x^D =
// x sum_j a_j t^(M-j), Q/x^D, N/x^2D = sum_i n_i t^(2D-i): no overflow, the limits at +-inf.
// float64 runs the declaration's own operations (`parts`).
template <class V, int M, int D, bool Safe>
struct RationalUnit : Act<V> {
  using S = Scalar<V>;
  static constexpr bool kCoefficients = true;
  static constexpr int NA = M + 1, NB = Safe ? D : D + 1, NN = M + D, kFirst = Safe ? 1 : 0;
  static constexpr std::size_t K = NA + NB;
  static_assert(M == D + 1 && D % 2 == 0, "the scaled form takes P of degree D + 1 and Q of even degree D");
  static void check(at::IntArrayRef widths) {
    TORCH_CHECK(widths.size() == 2 && widths[0] == NA && widths[1] == NB, "actlab: the native kernel takes ", NA,
                " numerator and ", NB, " denominator coefficients, got ", widths);
  }
  static constexpr S kBig = S(4096);  // 2^12: x^(2D) and Q^2 far from overflow below it
  std::array<V, NA> a, alo;  // alo: 0 (compensated Horner's lo parts)
  std::array<V, NB> bk, bkl;  // PAU b_1..b_D, Rational b_0..b_D; bkl: 0
  std::array<V, NN> np, npl, nm, nml, n0, n0l;  // N as hi + lo: for s > 0 (Rational: all), s < 0, s = 0

  RationalUnit(const V* w, std::size_t) {
    constexpr int VS = V::size();
    for (int j = 0; j < NA; ++j) a[j] = w[j], alo[j] = zero<V>();
    for (int k = 0; k < NB; ++k) bk[k] = w[NA + k], bkl[k] = zero<V>();
    alignas(64) S wv[K][VS];
    for (std::size_t j = 0; j < K; ++j) w[j].store(wv[j]);
    alignas(64) S out[6][NN][VS];
    for (int l = 0; l < VS; ++l) {  // once per channel, in double: N's coefficients
      double A[NA], B[D + 1] = {}, dP[NN] = {}, dB[D + 1] = {}, Dn[NN] = {};
      for (int j = 0; j < NA; ++j) A[j] = wv[j][l];
      for (int k = 0; k < NB; ++k) B[k + kFirst] = wv[NA + k][l];
      for (int j = 0; j < M; ++j) dP[j] = (j + 1) * A[j + 1];
      for (int k = 0; k < D; ++k) dB[k] = (k + 1) * B[k + 1];
      for (int j = 0; j < M; ++j) {
        for (int k = 0; k <= D; ++k) Dn[j + k] += dP[j] * B[k];
      }
      for (int j = 0; j < NA; ++j) {
        for (int k = 0; k < D; ++k) Dn[j + k] -= A[j] * dB[k];
      }
      for (int i = 0; i < NN; ++i) {
        const double c[3] = {Safe ? dP[i] + Dn[i] : Dn[i], Safe ? dP[i] - Dn[i] : Dn[i], Safe ? dP[i] : Dn[i]};
        for (int v = 0; v < 3; ++v) {
          out[2 * v][i][l] = static_cast<S>(c[v]);
          out[2 * v + 1][i][l] = static_cast<S>(c[v] - static_cast<double>(out[2 * v][i][l]));
        }
      }
    }
    for (int i = 0; i < NN; ++i) {
      np[i] = V::loadu(out[0][i]), npl[i] = V::loadu(out[1][i]), nm[i] = V::loadu(out[2][i]);
      nml[i] = V::loadu(out[3][i]), n0[i] = V::loadu(out[4][i]), n0l[i] = V::loadu(out[5][i]);
    }
  }

  // N (or N/x^2D in t) with the coefficients of the sign s of B
  template <bool Reverse>
  ACTLAB_INLINE V numerator_n(const V& u, const V& s) const {
    if constexpr (!Safe) {
      const auto [h, l] = compensated_horner<Reverse>(u, np, npl);
      return h + l;
    } else {
      const V pos = s > zero<V>();
      if (all(pos)) {  // the common case (B ~ x^2 near 0 for every fit of PAU_INIT): no selects
        const auto [h, l] = compensated_horner<Reverse>(u, np, npl);
        return h + l;
      }
      std::array<V, NN> ch, cl;
      for (int i = 0; i < NN; ++i) ch[i] = sel(pos, np[i], nm[i]), cl[i] = sel(pos, npl[i], nml[i]);
      const V zero_s = s == zero<V>();
      if (any(zero_s)) {
        for (int i = 0; i < NN; ++i) ch[i] = sel(zero_s, n0[i], ch[i]), cl[i] = sel(zero_s, n0l[i], cl[i]);
      }
      const auto [h, l] = compensated_horner<Reverse>(u, ch, cl);
      return h + l;
    }
  }

  static ACTLAB_INLINE V power_d(const V& t) {
    V p = t;
    for (int i = 1; i < D; ++i) p = p * t;
    return p;
  }

  ACTLAB_INLINE V f_small(const V& x) const {
    const auto [ph, pl] = compensated_horner(x, a, alo);
    if constexpr (Safe) {
      return (ph + pl) / (V(S(1)) + (x * horner_of<NB>(x, bk)).abs());
    } else {
      const auto [qh, ql] = compensated_horner(x, bk, bkl);
      return (ph + pl) / (qh + ql);
    }
  }
  // Q/x^D and (PAU) the sign of B, in t = 1/x
  ACTLAB_INLINE std::pair<V, V> q_big(const V& t) const {
    const auto [bh, bl] = compensated_horner<true>(t, bk, bkl);
    const V brev = bh + bl;
    if constexpr (Safe) {
      return {power_d(t) + brev.abs(), sign(brev)};
    } else {
      return {brev, V(S(1))};
    }
  }
  ACTLAB_INLINE V f_big(const V& x) const {
    const V t = V(S(1)) / x;
    const auto [ph, pl] = compensated_horner<true>(t, a, alo);
    return x * ((ph + pl) / q_big(t).first);
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (!is_float<V>) {
      V d[K + 2];
      declared(x, d, false);
      return d[0];
    } else {
      const V y = f_small(x), big = x.abs() > V(kBig);
      return any(big) ? sel(big, f_big(x), y) : y;
    }
  }

  // float64: the declaration's operations (_RationalUnit._parts: x^j/max(1, |x|)^D, the sums in its
  // order, f' = (P' - f Q')/Q) and, at +-inf, its limits (with_limits: at +-1e300 and +-1e150)
  // d = {f, f', df/dw_0, ...}; first: f and f' only
  ACTLAB_INLINE void parts(const V& x, V* d, bool first) const {
    const V one(S(1)), big = x.abs() > one, xs = sel(big, zero<V>(), x), xb = sel(big, x, one);
    V pw[M + 1], large[M + 1];
    pw[0] = one;
    for (int j = 1; j <= M; ++j) pw[j] = pw[j - 1] * xs;
    large[D] = one;  // sign(x)^D, D even
    for (int j = D - 1; j >= 0; --j) large[j] = large[j + 1] / xb;
    for (int j = D + 1; j <= M; ++j) large[j] = large[j - 1] * xb;
    for (int j = 0; j <= M; ++j) pw[j] = sel(big, large[j], pw[j]);
    const V inv_scale = sel(big, (one / xb).abs().pow(V(S(D))), one);
    V p = zero<V>(), p1 = zero<V>(), bs = zero<V>(), b1 = zero<V>();
    for (int j = 0; j <= M; ++j) p = p + a[j] * pw[j];
    for (int j = 1; j <= M; ++j) p1 = p1 + (V(S(j)) * a[j]) * pw[j - 1];
    for (int c = 0; c < NB; ++c) bs = bs + bk[c] * pw[c + kFirst];
    for (int c = 0; c < NB; ++c) {
      if (c + kFirst >= 1) b1 = b1 + (V(S(c + kFirst)) * bk[c]) * pw[c + kFirst - 1];
    }
    const V sg = Safe ? sign(bs) : one, q = Safe ? inv_scale + bs.abs() : bs, q1 = sg * b1, f = p / q;
    d[0] = f, d[1] = (p1 - f * q1) / q;
    if (first) return;
    for (int j = 0; j <= M; ++j) d[2 + j] = pw[j] / q;
    for (int c = 0; c < NB; ++c) d[2 + NA + c] = (sg.neg() * f) * (pw[c + kFirst] / q);
  }
  ACTLAB_INLINE void declared(const V& x, V* d, bool full) const {
    const std::size_t n = full ? K + 2 : 2;
    parts(x, d, !full);
    d[0] = sel(x != x, x, d[0]);
    const V inf(std::numeric_limits<S>::infinity()), at_inf = x.abs() == inf;
    if (!any(at_inf)) return;
    V far[K + 2], nearer[K + 2];
    parts(copysign(V(S(1e300)), x), far, !full);
    parts(copysign(V(S(1e150)), x), nearer, !full);
    for (std::size_t i = 0; i < n; ++i) {
      const V diff = (far[i] - nearer[i]).abs(), tiny(S(1e-100));
      const V grow = (diff > tiny + V(S(1e-9)) * nearer[i].abs()) & (far[i] == far[i]);
      const V limit = sel(grow, copysign(inf, far[i]), sel(far[i].abs() <= tiny, zero<V>(), far[i]));
      d[i] = sel(at_inf, limit, d[i]);
    }
  }

  ACTLAB_INLINE V vjp_small(const V& g, const V& x, V* gw) const {
    V q, s;
    if constexpr (Safe) {
      const auto [bh, bl] = compensated_horner(x, bk, bkl);
      const V bt = bh + bl;
      q = V(S(1)) + (x * bt).abs(), s = sign(x) * sign(bt);
    } else {
      const auto [qh, ql] = compensated_horner(x, bk, bkl);
      q = qh + ql, s = V(S(1));
    }
    const V iq = V(S(1)) / q, r = g * iq, f = horner_of<NA>(x, a) * iq;  // one division
    V p = r;
    for (int j = 0; j < NA; ++j) gw[j] = p, p = p * x;
    p = (s * f * r).neg();
    if constexpr (Safe) p = p * x;
    for (int k = 0; k < NB; ++k) gw[NA + k] = p, p = p * x;
    return g * (numerator_n<false>(x, s) * iq * iq);
  }
  ACTLAB_INLINE V vjp_big(const V& g, const V& x, V* gw) const {
    const V t = V(S(1)) / x;
    const auto [q, s] = q_big(t);
    const V r = g / q, fs = horner_of<NA, true>(t, a) / q;
    gw[D] = r, gw[D + 1] = r * x;  // x^(j-D)/Q~
    for (int j = D - 1; j >= 0; --j) gw[j] = gw[j + 1] * t;
    const V rb = (s * fs * r).neg();  // -s (f/x) x^(k+1-D)/Q~: index of k = D - 1
    constexpr int top = NA + NB - 1, k1 = NA + (D - 1 - kFirst);
    gw[top] = rb * x, gw[k1] = rb;
    for (int i = k1 - 1; i >= NA; --i) gw[i] = gw[i + 1] * t;
    return g * (numerator_n<true>(t, s) / q / q);
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    if constexpr (!is_float<V>) {
      V d[K + 2];
      declared(x, d, true);
      for (std::size_t j = 0; j < K; ++j) gw[j] = g * d[2 + j];
      return g * d[1];
    }
    const V gx = vjp_small(g, x, gw), big = x.abs() > V(kBig);
    if (!any(big)) return gx;
    V gb[K];
    const V gxb = vjp_big(g, x, gb);
    for (std::size_t j = 0; j < K; ++j) gw[j] = sel(big, gb[j], gw[j]);
    return sel(big, gxb, gx);
  }
};

// PAU (safe, degrees 5/4) and Rational (degrees 3/2): RationalUnit above
template <class V>
struct PAU : RationalUnit<V, 5, 4, true> {
  using RationalUnit<V, 5, 4, true>::RationalUnit;
};
template struct ParametricOps<PAU, std::make_index_sequence<2>>;

template <class V>
struct Rational : RationalUnit<V, 3, 2, false> {
  using RationalUnit<V, 3, 2, false>::RationalUnit;
};
template struct ParametricOps<Rational, std::make_index_sequence<2>>;

}  // namespace actlab
