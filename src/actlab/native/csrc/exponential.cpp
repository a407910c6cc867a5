// The exponential family (activations/exponential.py): ELU, CELU, SELU, Softplus,
// Squareplus, ShiftedSoftplus. The exponential branch only ever sees min(x, 0) (the declarations' double where).
#include "act.h"
#include "elementwise_impl.h"
#include "scaled.h"

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

// (x + s) / 2 = (b / 2s) / (1 - x/s) for x < 0, s = hypot(x, sqrt b);  f' = f / s;  f'' = b / 2s^3
template <class V>
struct Squareplus : Act<V> {
  V root, half_b;
  explicit Squareplus(double b) : root(this->c(std::sqrt(b))), half_b(this->c(0.5 * b)) {}
  ACTLAB_INLINE V x_over_s(V x, V s) const {
    const V inf = x.abs() == V(INFINITY);
    return sel(inf, sign(x), sel(inf, zero<V>(), x) / s);
  }
  ACTLAB_INLINE V f(V x) const {
    const V s = x.hypot(root);
    return sel(x < zero<V>(), (half_b / s) / (V(1) - x_over_s(x, s)), V(0.5) * x + V(0.5) * s);
  }
  ACTLAB_INLINE V df(V x) const {
    const V s = x.hypot(root), r = x_over_s(x, s);
    return sel(x < zero<V>(), ((half_b / s) / s) / (V(1) - r), V(0.5) * (V(1) + r));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V s = x.hypot(root);
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

}  // namespace actlab
