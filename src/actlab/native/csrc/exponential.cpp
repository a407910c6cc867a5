// The exponential family (activations/exponential.py): ELU, CELU, SELU, Softplus,
// Squareplus, ShiftedSoftplus. The exponential branch only ever sees min(x, 0) (the declarations' double where).
#include "act.h"
#include "elementwise_impl.h"
#include "isru.h"
#include "scaled.h"
#include "parametric_impl.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace actlab {

inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
inline constexpr double kSeluScale = 1.0507009873554804934193349852946;

// x if x > 0 else alpha expm1(x);  f' = 1 or alpha e^x (f'(0) = alpha);  f'' = alpha e^x for x < 0
// (f''(0) = 0);  with y: f' = y + alpha, f'' = 1 where y <= 0 resp. y < 0
template <class V>
struct ELU : Act<V> {
  V alpha;
  explicit ELU(double a) : alpha(this->c(a)) {}
  ACTLAB_INLINE V f(V x) const { return sel(x > zero<V>(), x, alpha * expm1_nonpos(min0(x))); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= zero<V>(), alpha * vexp(min0(x)), V(1)); }
  ACTLAB_INLINE V d2f(V x) const { return sel(x < zero<V>(), alpha * vexp(min0(x)), zero<V>()); }
  ACTLAB_INLINE V df_y(V y) const { return sel(y <= zero<V>(), y + alpha, V(1)); }
  ACTLAB_INLINE V d2f_y(V y) const { return sel(y < zero<V>(), V(1), zero<V>()); }
};

// x if x > 0 else alpha expm1(x / alpha);  f' = e^(x/alpha);  f'' = e^(x/alpha) / alpha
template <class V>
struct CELU : Act<V> {
  V alpha, inv;
  explicit CELU(double a) : alpha(this->c(a)), inv(this->c(1.0 / a)) {}
  ACTLAB_INLINE V f(V x) const { return sel(x > zero<V>(), x, alpha * expm1_nonpos(min0(x) / alpha)); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= zero<V>(), vexp(min0(x) / alpha), V(1)); }
  ACTLAB_INLINE V d2f(V x) const { return sel(x < zero<V>(), vexp(min0(x) / alpha) / alpha, zero<V>()); }
  ACTLAB_INLINE V df_y(V y) const { return sel(y <= zero<V>(), y / alpha + V(1), V(1)); }
  ACTLAB_INLINE V d2f_y(V y) const { return sel(y < zero<V>(), inv, zero<V>()); }
};

// lambda (x if x > 0 else alpha expm1(x))
template <class V>
struct SELU : Act<V> {
  V scale = this->c(kSeluScale), sa = this->c(kSeluScale * kSeluAlpha);
  ACTLAB_INLINE V f(V x) const { return sel(x > zero<V>(), scale * x, sa * expm1_nonpos(min0(x))); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= zero<V>(), sa * vexp(min0(x)), scale); }
  ACTLAB_INLINE V d2f(V x) const { return sel(x < zero<V>(), sa * vexp(min0(x)), zero<V>()); }
  ACTLAB_INLINE V df_y(V y) const { return sel(y <= zero<V>(), y + sa, scale); }
  ACTLAB_INLINE V d2f_y(V y) const { return sel(y < zero<V>(), V(1), zero<V>()); }
};

// softplus(beta x) / beta, x where beta x > threshold;  f' = sigma(beta x);  f'' = beta sigma'(beta x)
// (0 from beta x >= threshold on)
template <class V>
struct Softplus : Act<V> {
  V beta, th;
  Softplus(double b, double t) : beta(this->c(b)), th(this->c(t)) {}
  ACTLAB_INLINE V f(V x) const {
    const V z = x * beta;
    return sel(z > th, x, softplus(z) / beta);
  }
  ACTLAB_INLINE V df(V x) const {
    const V z = x * beta;
    return sel(z > th, V(1), sigmoid(z));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V z = x * beta;
    return sel(z >= th, zero<V>(), beta * sigmoid_prime(z));
  }
};

// (x + s) / 2 = (b / 2) / (s - x) for x < 0 (two positive terms), s = sqrt(x^2 + b);  f' = f / s;  f'' = b / 2s^3.
// s = sqrt(fma(x, x, b)) (isru.h's hypot_root: x^2 + b rounded once, then the square root; hypot only where x^2 + b
// overflows). One division each for f and f' (f' = (b/2) / ((s - x) s) for x < 0, with (s - x) s = b + |x| (s - x)
// a sum of positive terms, and 1/2 + (x/s)/2 above, as one quotient); where s - x or (s - x) s overflows (|x| > 1e19: f, f' below the normal range), the declaration's
// (b / 2s) / (1 - x/s)
template <class V>
struct Squareplus : Act<V> {
  V root, half_b, b;
  explicit Squareplus(double bv) : root(this->c(std::sqrt(bv))), half_b(this->c(0.5 * bv)), b(this->c(bv)) {}
  ACTLAB_INLINE V x_over_s(V x, V s) const {
    const V inf = x.abs() == V(INFINITY);
    return sel(inf, sign(x), sel(inf, zero<V>(), x) / s);
  }
  ACTLAB_INLINE V root_of(V x) const { return hypot_root(x, b, root); }
  ACTLAB_INLINE V f(V x) const {
    const V s = root_of(x), neg = x < zero<V>(), d = s - x;
    V out = sel(neg, half_b / d, V(0.5) * x + V(0.5) * s);
    const V far = neg & (d == V(INFINITY));
    if (any(far)) out = sel(far, (half_b / s) / (V(1) - x_over_s(x, s)), out);
    return out;
  }
  ACTLAB_INLINE V df(V x) const {
    const V s = root_of(x), neg = x < zero<V>(), ds = fma(x.neg(), s - x, b);  // (s - x) s = b + |x| (s - x)
    const V q = sel(neg, half_b, sel(x == V(INFINITY), V(1), x)) / sel(neg, ds, sel(x == V(INFINITY), V(1), s));
    V out = sel(neg, q, fma(V(0.5), q, V(0.5)));
    const V far = neg & (ds == V(INFINITY));
    if (any(far)) out = sel(far, ((half_b / s) / s) / (V(1) - x_over_s(x, s)), out);
    return out;
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V s = root_of(x);
    return ((half_b / s) / s) / s;
  }
};

inline constexpr double kLn2 = 0.69314718055994530942;

// log((1 + e^x)/2) - x/2 = log cosh(x/2) = x^2 P(x^2), |x| <= 1/2: its Taylor series (to x^12, 0.005 ulp there)
inline constexpr float kLogCoshHalf[] = {0.125f, -0.005208333333333333f, 0.00034722222222222224f,
                                         -2.6351686507936506e-05f, 2.1356922398589066e-06f, -3.6064596997675835e-07f};
inline constexpr float kLn2F = 0.693147182f;  // ln 2 = kLn2F + kLn2FLo
inline constexpr float kLn2FLo = -1.90465421e-09f;

// ShiftedSoftplus: softplus(x) - log 2 = log1p(expm1(x) / 2) for x <= 1 (relative accuracy at the zero
// x = 0), (x - log 2) + log1p(e^-x) above;  f' = sigma(x);  f'' = sigma'(x). float32: x/2 + x^2 P(x^2) for
// |x| <= 1/2, else (max(x, 0) - ln2_hi) + log1p(e^-|x|) - ln2_lo (the first difference exact, log1p_exp
// accurate: no Sleef expm1/log1p)
template <class V>
struct ShiftedSoftplus : Act<V> {
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V small = x.abs() <= V(0.5f), half = V(0.5f) * x;
      V out = fma(x * x, horner(x * x, kLogCoshHalf), half) | sign_bit(x);  // -0 stays -0
      if (!all(small)) out = sel(small, out, ((max0(x) - V(kLn2F)) + log1p_exp(x.abs().neg())) - V(kLn2FLo));
      return out;
    } else {
      const V big = x > V(1), far = (x - this->c(kLn2)) + log1p_exp_neg_abs(sel(big, x, V(1)));
      const V near = (V(0.5) * sel(big, V(1), x).expm1()).log1p();
      return sel(big, far, near);
    }
  }
  ACTLAB_INLINE V df(V x) const { return sigmoid(x); }
  ACTLAB_INLINE V d2f(V x) const { return sigmoid_prime(x); }
};

template struct Elementwise<ELU, double>;
template struct Elementwise<CELU, double>;
template struct Elementwise<SELU>;
template struct Elementwise<Softplus, double, double>;
template struct Elementwise<Squareplus, double>;
template struct Elementwise<ShiftedSoftplus>;

// GammaAct's kernels for timm's names of this family (scaled.h)
ACTLAB_SCALED(ELU, 1.0)
ACTLAB_SCALED(CELU, 1.0)
ACTLAB_SCALED(SELU)
ACTLAB_SCALED(Softplus, 1.0, 20.0)

// ==== learnable (kinds.Parametric) kernels: parametric_impl.h =====================================
// xIELU (exponential.py's _xielu), raw tensors r_p, r_n: alpha_p = softplus(r_p), alpha_n = beta +
// softplus(r_n), beta = 1/2, eps = -1e-6; with E(x) = expm1(min(x, eps)) - x:
//   f = x (alpha_p x + beta) (x > 0),  alpha_n E(x) + beta x (x <= 0)
//   df/dx = 2 alpha_p x + beta,  alpha_n expm1(x) + beta (x <= eps),  beta - alpha_n (eps < x <= 0)
//   df/dr_p = sigma(r_p) x^2 (x > 0),  df/dr_n = sigma(r_n) E(x) (x <= 0)
// float32 without float64 per element: alpha_n E + beta x cancels where f crosses 0 (the
// declaration computes it in float64), so it is summed in double-float: alpha_n as hi + lo (the
// tensors' transform, once per channel, is the one scalar double computation; alpha_p and sigma(r_p)
// too, for the double backward's double-float sums above 0), E = e^x - 1 - x as
// hi + lo below -1/2 (e^x by exp_split, TwoSum), by its series x^2 sum x^k/(k+2)! above (one float).
// float64: the declaration's expressions.
inline constexpr float kExpm1MinusX[] = {0.5f, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040,
                                         1.0f / 40320, 1.0f / 362880, 1.0f / 3628800};

template <class V>
struct xIELU : Act<V> {
  static constexpr std::size_t K = 2;
  using S = Scalar<V>;
  static constexpr double kBeta = 0.5, kEps = -1e-6;
  // spp, snp: sigma'(r_p), sigma'(r_n); float32 (the double backward): alpha_p, sigma(r_p) as hi + lo
  V ap, an, an_lo, sp, sn, spp, snp, ap_hi, ap_lo, sp_hi, sp_lo;
  explicit xIELU(const V* w)
      : ap(softplus(w[0])), sp(sigmoid(w[0])), sn(sigmoid(w[1])), spp(sigmoid_prime(w[0])),
        snp(sigmoid_prime(w[1])) {
    if constexpr (is_float<V>) {  // beta + softplus(r_n) (softplus, sigma of r_p) lane by lane in double, hi + lo
      alignas(64) float r[V::size()], r0[V::size()], hi[V::size()], lo[V::size()];
      alignas(64) float aph[V::size()], apl[V::size()], sph[V::size()], spl[V::size()];
      w[1].store(r);
      w[0].store(r0);
      const auto split = [](double v, float& h, float& l) {
        h = static_cast<float>(v);
        l = static_cast<float>(v - double(h));
      };
      for (int i = 0; i < V::size(); ++i) {
        const double v = double(r[i]), sp_v = kBeta + (std::max(v, 0.0) + std::log1p(std::exp(-std::abs(v))));
        split(sp_v, hi[i], lo[i]);
        const double u = double(r0[i]), e = std::exp(-std::abs(u));
        split(std::max(u, 0.0) + std::log1p(e), aph[i], apl[i]);
        split(u >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e), sph[i], spl[i]);
      }
      an = V::loadu(hi);
      an_lo = V::loadu(lo);
      ap_hi = V::loadu(aph);
      ap_lo = V::loadu(apl);
      sp_hi = V::loadu(sph);
      sp_lo = V::loadu(spl);
    } else {
      an = V(kBeta) + softplus(w[1]);
      an_lo = zero<V>();
    }
  }
  // the largest S <= eps: x <= eps for S x as for the real eps (the declaration compares in float64)
  static S eps() {
    const S e = static_cast<S>(kEps);
    return static_cast<double>(e) <= kEps ? e : std::nextafter(e, -std::numeric_limits<S>::infinity());
  }
  // E(x) = expm1(min(x, eps)) - x for x <= 0 as hi + lo (+inf at -inf; float64: lo = 0)
  static ACTLAB_INLINE std::pair<V, V> e_of(const V& x) {
    const V below = x <= V(eps()), flat = V(static_cast<S>(std::expm1(kEps))) - x;
    if constexpr (is_float<V>) {
      const V series = (x * x) * horner(x, kExpm1MinusX);
      const auto [eh, el] = exp_split(at::vec::clamp_min(x, V(-120.0f)));
      const V d = V(-1.0f) - x, s = eh + d, bb = s - eh, err = (eh - (s - bb)) + (d - bb), rest = err + el;
      const V hi = s + rest, lo = rest - (hi - s);
      const V minf = x == V(-std::numeric_limits<float>::infinity()), near = x > V(-0.5f);
      return {sel(below, sel(near, series, sel(minf, x.neg(), hi)), flat),
              sel(below & (x <= V(-0.5f)) & (x > V(-std::numeric_limits<float>::infinity())), lo, zero<V>())};
    } else {
      return {sel(below, x.expm1() - x, flat), zero<V>()};
    }
  }
  ACTLAB_INLINE V f(V x) const {
    const V pos = x > zero<V>(), xp = max0(x), xn = min0(x), half = V(S(kBeta));
    const V right = xp * (ap * xp + half);
    V left;
    if constexpr (is_float<V>) {
      const auto [eh, el] = e_of(xn);
      const V p = an * eh, pl = fma(an, eh, p.neg()) + (an * el + an_lo * eh), bx = half * xn;
      const V s = p + bx, bb = s - p, err = (p - (s - bb)) + (bx - bb);
      const V plain = fma(half - an, xn, an.neg());  // x -> -inf: (beta - alpha_n) x - alpha_n (an E overflows)
      left = sel(p.abs() == V(std::numeric_limits<float>::infinity()), plain, s + (err + pl));
    } else {
      left = (half - an) * xn + an * (at::vec::minimum(xn, V(kEps))).expm1();
    }
    return sel(pos, right, left);
  }
  // m = d/dx expm1(min(x, eps)) - 1 (e^x - 1 below eps, -1 above) and e^x [x <= eps], each as hi + lo
  // (float32: exp_split, TwoSum; float64: lo = 0, the declaration's ex and ex - 1)
  struct Exps {
    V mh, ml, eh, el;
  };
  static ACTLAB_INLINE Exps exps(const V& xn, const V& below) {
    if constexpr (is_float<V>) {
      const auto [eh, el] = exp_split(at::vec::clamp_min(xn, V(-120.0f)));
      const V mh0 = eh - V(1.0f), bb = mh0 - eh, ml0 = ((eh - (mh0 - bb)) + (V(-1.0f) - bb)) + el;
      return {sel(below, mh0, V(-1.0f)), sel(below, ml0, zero<V>()), sel(below, eh, zero<V>()),
              sel(below, el, zero<V>())};
    } else {
      const V ex = sel(below, xn.exp(), zero<V>());
      return {ex - V(1.0), zero<V>(), ex, zero<V>()};
    }
  }
  // df/dx (NaN at NaN): 2 alpha_p x + beta (x > 0), alpha_n m + beta; float32: it cancels at the zero
  // of f', so alpha_n m + beta in double-float
  ACTLAB_INLINE V fx_of(const V& x, const V& pos, const V& xp, const Exps& m) const {
    const V half = V(S(kBeta));
    V left;
    if constexpr (is_float<V>) {
      const V p = an * m.mh, pl = fma(an, m.mh, p.neg()) + (an * m.ml + an_lo * m.mh);
      const V s = p + half, b2 = s - p, err = (p - (s - b2)) + (half - b2);
      left = s + (err + pl);
    } else {
      left = an * m.mh + half;
    }
    return sel(x.isnan(), x, sel(pos, (V(S(2)) * ap) * xp + half, left));
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V pos = x > zero<V>(), xp = max0(x), xn = min0(x);
    const Exps m = exps(xn, xn <= V(eps()));
    gw[0] = g * sel(pos, (sp * xp) * xp, zero<V>());
    gw[1] = g * sel(pos, zero<V>(), sn * e_of(xn).first);
    return g * fx_of(x, pos, xp, m);
  }
  // f_xx = 2 alpha_p (x > 0), alpha_n e^x [x <= eps] (NaN at NaN); f_xr_p = 2 sigma(r_p) x (x > 0),
  // f_xr_n = sigma(r_n) m (x <= 0); f_r_pr_p = sigma'(r_p) x^2 (x > 0), f_r_nr_n = sigma'(r_n) E (x <= 0),
  // f_r_pr_n = 0. float32: the products of e^x, m and E take their low parts (no cancellation left)
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V pos = x > zero<V>(), xp = max0(x), xn = min0(x), z = zero<V>();
    const Exps m = exps(xn, xn <= V(eps()));
    const auto [eh, el] = e_of(xn);
    const V fx = fx_of(x, pos, xp, m);
    const V fw0 = sel(pos, (sp * xp) * xp, z), fw1 = sel(pos, z, sn * eh);
    V left_xx, fxw1, fww11;
    if constexpr (is_float<V>) {
      left_xx = fma(an, m.eh, an * m.el + an_lo * m.eh);
      fxw1 = fma(sn, m.mh, sn * m.ml);
      fww11 = fma(snp, eh, snp * el);
    } else {
      left_xx = an * m.eh;
      fxw1 = sn * m.mh;
      fww11 = snp * eh;
    }
    const V fxx = sel(x.isnan(), x, sel(pos, V(S(2)) * ap, left_xx));
    const V fxw0 = sel(pos, (V(S(2)) * sp) * xp, z);
    fxw1 = sel(pos, z, fxw1);
    const V fww00 = sel(pos, (spp * xp) * xp, z);
    fww11 = sel(pos, z, fww11);
    V dgv = (tx * fx + tw[0] * fw0) + tw[1] * fw1, dxv = (tx * fxx + tw[0] * fxw0) + tw[1] * fxw1;
    if constexpr (is_float<V>) {
      // x > 0 (below 1e15, where no product overflows): tx (2 alpha_p x + beta) + tw0 sigma(r_p) x^2 and
      // tx 2 alpha_p + tw0 2 sigma(r_p) x cancel (a zero of f_x + c f_r_p): both in double-float
      const V right = pos & (x < V(1e15f));
      if (any(right)) {
        const V half(0.5f), a2h = V(2.0f) * ap_hi, a2l = V(2.0f) * ap_lo, s2h = V(2.0f) * sp_hi;
        const V ph = a2h * xp, pl = fma(a2h, xp, ph.neg()) + a2l * xp;
        const V fh = ph + half, fb = fh - ph, fl = ((ph - (fh - fb)) + (half - fb)) + pl;
        const V th = tx * fh, tl = fma(tx, fh, th.neg()) + tx * fl;
        const V x2h = xp * xp, x2l = fma(xp, xp, x2h.neg());
        const V qh = sp_hi * x2h, ql = fma(sp_hi, x2h, qh.neg()) + (sp_hi * x2l + sp_lo * x2h);
        const V wh = tw[0] * qh, wl = fma(tw[0], qh, wh.neg()) + tw[0] * ql;
        const V sh = th + wh, sb = sh - th, se = (th - (sh - sb)) + (wh - sb);
        dgv = sel(right, (sh + (se + (tl + wl))) + tw[1] * z, dgv);
        const V eh = tx * a2h, el = fma(tx, a2h, eh.neg()) + tx * a2l;
        const V mh = tw[0] * s2h, ml = fma(tw[0], s2h, mh.neg()) + tw[0] * (V(2.0f) * sp_lo);
        const V nh = mh * xp, nl = fma(mh, xp, nh.neg()) + ml * xp;
        const V dh = eh + nh, db = dh - eh, de = (eh - (dh - db)) + (nh - db);
        dxv = sel(right, (dh + (de + (el + nl))) + tw[1] * z, dxv);
      }
    }
    dg = dgv;
    gw[0] = g * ((tx * fxw0 + tw[0] * fww00) + tw[1] * z);
    gw[1] = g * ((tx * fxw1 + tw[0] * z) + tw[1] * fww11);
    return g * dxv;
  }
};
template struct ParametricOps<xIELU, std::make_index_sequence<2>>;

}  // namespace actlab
