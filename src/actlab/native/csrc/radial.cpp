// The radial family's elementwise kernels (activations/radial.py): Gaussian, Laplace. float32: t = x / sigma
// and t^2 are carried as hi + lo and e^{-t^2/2} takes the low part (mul_exp), as the float64
// declaration's exact t^2 (the exponent amplifies its rounding t^2/2 times).
#include <algorithm>
#include <cfloat>

#include "act.h"
#include "elementwise_impl.h"
#include "gelu.h"

namespace actlab {


// e^{-t^2/2}, t = x / sigma;  f' = -(t / sigma) e^{-t^2/2};  f'' = (t^2 - 1) / sigma^2 e^{-t^2/2}
template <class V>
struct Gaussian : Act<V> {
  V sigma, sigma_lo, sigma2, bound;
  explicit Gaussian(double s)
      : sigma(this->c(s)), sigma_lo(this->c(s - static_cast<double>(static_cast<Scalar<V>>(s)))),
        sigma2(this->c(s * s)), bound(this->c(std::min(20.0 * s, static_cast<double>(FLT_MAX)))) {}
  // y + y_lo = -t^2 / 2 for x clamped to 20 sigma (e^{-200} = 0 in float32)
  ACTLAB_INLINE std::pair<V, V> exponent(const V& x) const {
    const V xc = clamp(x, bound.neg(), bound), t = xc / sigma;
    const V t_lo = (fma(t.neg(), sigma, xc) - t * sigma_lo) / sigma;
    const V sq = t * t, sq_lo = fma(t, t, sq.neg()) + (V(2) * t) * t_lo;
    return {V(-0.5f) * sq, V(-0.5f) * sq_lo};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const auto [y, y_lo] = exponent(x);
      return mul_exp(V(1.0f), y, y_lo);
    } else {
      const V t = x / sigma;
      return vexp((V(-0.5) * t) * t);
    }
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {
      const auto [y, y_lo] = exponent(x);
      return mul_exp((clamp(x, bound.neg(), bound) / sigma / sigma).neg(), y, y_lo);
    } else {
      const V t = clamp(x / sigma, V(-kGaussUnderflow), V(kGaussUnderflow));
      return (t / sigma).neg() * vexp((V(-0.5) * t) * t);
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V t = clamp(x / sigma, V(-kGaussUnderflow), V(kGaussUnderflow));
    return ((t * t - V(1)) / sigma2) * vexp((V(-0.5) * t) * t);
  }
};

// Laplace (MEGA): Phi(t), t = (x - mu) / sigma;  f' = phi(t) / sigma;  f'' = -t phi(t) / sigma^2. float32:
// t as hi + lo (x - mu by TwoSum, the division's remainder), and 1 - Phi(|t|) = e^{-t^2/2} R(|t|) (gelu.h's
// Mills ratio) with t^2's low part in the exponent: the tail amplifies the rounding of t t^2 times
template <class V>
struct Laplace : Act<V> {
  V mu, mu_lo, sigma, sigma_lo, pdf_scale;
  Laplace(double m, double s)
      : mu(this->c(m)), mu_lo(this->c(m - static_cast<double>(static_cast<Scalar<V>>(m)))), sigma(this->c(s)),
        sigma_lo(this->c(s - static_cast<double>(static_cast<Scalar<V>>(s)))), pdf_scale(this->c(kInvSqrt2Pi / s)) {}
  // t = (x - mu) / sigma = hi + lo for x clamped to where Phi is 0 or 1 in float32 (|t| <= 40)
  ACTLAB_INLINE std::pair<V, V> arg(const V& x) const {
    const V bound = V(40.0f) * sigma, xc = clamp(x, mu - bound, mu + bound);
    const V u = xc - mu, bb = u - xc, u_lo = ((xc - (u - bb)) + (mu.neg() - bb)) - mu_lo;  // TwoSum(xc, -mu)
    const V t = u / sigma;
    return {t, ((fma(t.neg(), sigma, u) + u_lo) - t * sigma_lo) / sigma};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const auto [t, t_lo] = arg(x);
      const V a = t.abs(), tt = t * t, tl = fma(t, t, tt.neg()) + V(2.0f) * t * t_lo;
      const Mills m = mills(a);
      const V tail = mul_exp_nonpos(m.q / m.den, V(-0.5f) * tt, V(-0.5f) * tl);  // 1 - Phi(|t|)
      return sel(x != x, x, sel(t <= zero<V>(), tail, V(1.0f) - tail));
    } else {
      return normal_cdf((x - mu) / sigma);
    }
  }
  ACTLAB_INLINE V df(V x) const {
    if constexpr (is_float<V>) {
      const auto [t, t_lo] = arg(x);
      const V tt = t * t, tl = fma(t, t, tt.neg()) + V(2.0f) * t * t_lo;
      return sel(x != x, x, mul_exp_nonpos(pdf_scale, V(-0.5f) * tt, V(-0.5f) * tl));
    } else {
      return normal_pdf((x - mu) / sigma) / sigma;
    }
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V t = clamp((x - mu) / sigma, V(-kGaussUnderflow), V(kGaussUnderflow));
    return (t.neg() * normal_pdf(t)) / (sigma * sigma);
  }
};

template struct Elementwise<Gaussian, double>;
template struct Elementwise<Laplace, double, double>;

}  // namespace actlab
