// alpha-entmax by bisection (EntmaxBisect in activations/normalizer.py) along any dim, alpha one
// value or one per row: forward and backward over contiguous rows (row_driver.h). bfloat16/half rows
// are computed in float32 buffers and rounded once.
//
// Forward, per row, beta = alpha - 1, z = x - max: the declaration's _solve in its order, the
// bracket arithmetic in double: width = -expm1(-beta log d)/beta (d: the entries > -inf), lo = 0; n_iter times width /= 2,
// mid = lo + width, lo = mid where sum p(mid) - 1 >= 0; rho = lo + width/2 and two Newton steps
// rho + (sum p - 1)/sum s clamped to [lo, lo + width]; y = p(rho) (/ sum p(rho) with ensure_sum_one), with
//   p(rho) = exp(log1p(u)/beta) on u = beta (z - rho) > -1, else 0 (NaN stays NaN),
//   s = p^(1 - beta) = p/(1 + u) on p > 0 (the slope -dp/drho).
// float64 rows compute p as the declaration does (Sleef's log1p and exp, torch's). float32 rows take
// w = 1 + u in double (beta ((x - max) - rho) + 1: no rounding of z = x - max) as w_hi + w_lo in
// float32 and log1p(u) = log(w_hi) + w_lo/w_hi (Cephes' logf polynomial, < 0.9 ulp), then
// accurate.h's exp_inline: float32 arithmetic, with y within ~0.5 eps of the float64 declaration's
// on the same x for every alpha (rounding u itself would cost s |u|/(2 beta) eps, s = y^(1 - beta)
// unbounded for alpha > 2). The sums go into 8 double lanes (element i of a pass to lane i mod 8,
// whatever the vector width: the same bits under AVX2 and AVX-512) added by a fixed tree.
// Candidates: u only falls as rho grows (beta > 0) and rho never drops below lo, so an entry with
// u(lo) <= -1 (or z = -inf) is 0 in every later pass: the passes run over a buffer of the others,
// gathered in row order at lo = 0 and again whenever a step that raised lo left at most 3/4 of them.
// A row holding NaN or only -inf: NaN; +inf entries: z = 0 there, -inf elsewhere (the declaration's
// shift); a row of one entry: 1, a 0-d input: 1.
//
// Backward, with the support S = {y > 0}, l = log y, s = exp((1 - beta) l) on S (0 off it), U = sum s:
//   gx = s (g - <s, g>/U);  galpha = sum_i g_i v_i,
//   v_i = [y_i/T] (Q - l_i^2 psi_i + l_i (P - phi_i H)) on S, 0 off it (alpha_direction),
//   t = -beta l, phi = expm1(t)/t, psi = (expm1(t) - t)/t^2 (its series below |t| < 0.5, as _psi),
//   P = sum y l phi, Q = sum y l^2 psi, H = sum y l, T = 1 - beta P (sums over S).
// sum_i g_i v_i is linear in the v_i's bracket: it is summed in one pass as
//   (Q <g y> - <g y l^2 psi> + P <g y l> - H <g y l phi>)/T, <.> = sum over S,
// every sum in double lanes; galpha per row is then summed to alpha's shape (in row order for one alpha).
#include "entmax_bisect.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/full.h>
#include <ATen/ops/ones_like.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "accurate.h"
#include "kernels.h"
#include "row_driver.h"

namespace actlab {
namespace {

using Vd = Vectorized<double>;
using Vf = Vectorized<float>;

// The two halves of a float vector as double vectors, and back (rounded once)
ACTLAB_INLINE std::array<Vd, 2> widen(const Vf& v) {
#if defined(CPU_CAPABILITY_AVX512)
  return {Vd(_mm512_cvtps_pd(_mm512_castps512_ps256(v))), Vd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)))};
#elif defined(CPU_CAPABILITY_AVX2)
  return {Vd(_mm256_cvtps_pd(_mm256_castps256_ps128(v))), Vd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)))};
#else
  alignas(64) float f[Vf::size()];
  alignas(64) double d[Vf::size()];
  v.store(f);
  for (int i = 0; i < Vf::size(); ++i) d[i] = f[i];
  return {Vd::loadu(d), Vd::loadu(d + Vd::size())};
#endif
}

ACTLAB_INLINE Vf narrow(const Vd& lo, const Vd& hi) {
#if defined(CPU_CAPABILITY_AVX512)
  return Vf(_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1));
#elif defined(CPU_CAPABILITY_AVX2)
  return Vf(_mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1));
#else
  alignas(64) double d[Vf::size()];
  alignas(64) float f[Vf::size()];
  lo.store(d);
  hi.store(d + Vd::size());
  for (int i = 0; i < Vf::size(); ++i) f[i] = static_cast<float>(d[i]);
  return Vf::loadu(f);
#endif
}

// A sum in 8 double lanes: element i of a pass goes to lane i mod 8 whatever the vector width
// (two AVX2 vectors hold one AVX-512 vector's lanes), the lanes added by a fixed tree
struct Lanes {
  static constexpr int64_t kLanes = 8, kNV = kLanes / Vd::size();
  std::array<Vd, kNV> acc;
  Lanes() { acc.fill(zero<Vd>()); }
  ACTLAB_INLINE void add(const Vd& v, int64_t i) { acc[(i % kLanes) / Vd::size()] += v; }  // lanes from element i
  // the k lanes of v from element i (k < v's size: the others 0)
  ACTLAB_INLINE void add(const Vf& v, int64_t i) {
    const auto [lo, hi] = widen(v);
    add(lo, i);
    add(hi, i + Vd::size());
  }
  double sum() const {
    alignas(64) double l[kLanes];
    for (int64_t q = 0; q < kNV; ++q) acc[q].store(l + q * Vd::size());
    for (int64_t w = kLanes / 2; w >= 1; w /= 2) {
      for (int64_t j = 0; j < w; ++j) l[j] += l[j + w];
    }
    return l[0];
  }
};

template <class V>
ACTLAB_INLINE V masked(const V& v, int64_t k) {  // lanes from k on 0
  return k == V::size() ? v : V::set(zero<V>(), v, k);
}

// ---- forward --------------------------------------------------------------------------------------
// Cephes' logf polynomial: log m = f - f^2/2 + f^3 P(f), f = m - 1, m in [sqrt(1/2), sqrt(2))
inline constexpr float kLogP[] = {3.3333331174e-1f, -2.4999993993e-1f, 2.0000714765e-1f,
                                  -1.6668057665e-1f, 1.4249322787e-1f,  -1.2420140846e-1f,
                                  1.1676998740e-1f,  -1.1514610310e-1f, 7.0376836292e-2f};

// log w for a positive normal finite w (< 0.9 ulp): w = 2^e m, log w = e ln 2 + log m (ln 2 in two
// parts), 4x faster than Sleef's log1p
ACTLAB_INLINE Vf log_normal(const Vf& w) {
  using Vi = Vectorized<int32_t>;
  const Vf exp_bits = w & at::vec::cast<float>(Vi(0x7f800000));  // 2^e as (e + 127) 2^23 in the bits
  Vf e = at::vec::convert_to_fp_of_same_size<float>(at::vec::cast<int32_t>(exp_bits)) * Vf(1.0f / 8388608.0f) -
         Vf(127.0f);
  Vf m = (w & at::vec::cast<float>(Vi(0x007fffff))) | Vf(1.0f);  // [1, 2)
  const Vf big = m > Vf(1.41421356f);
  m = sel(big, m * Vf(0.5f), m);
  e = sel(big, e + Vf(1.0f), e);
  const Vf f = m - Vf(1.0f), z = f * f;
  Vf y = f * z * horner(f, kLogP);
  y = fma(e, Vf(-2.12194440e-4f), y);
  y = fma(z, Vf(-0.5f), y);
  return fma(e, Vf(0.693359375f), f + y);
}

// p(rho) at a row's entries x given the row max m and beta (the row's type S): p, w = 1 + u and the
// mask u > -1
template <class S>
struct Power {
  using V = Vectorized<S>;
  double m, beta;
  S beta_s;

  struct At {
    V p, w, inside;
  };

  // float64: the declaration's u = beta ((x - m) - rho), exp(log1p(u)/beta) (Sleef's, as torch's).
  // float32: w = 1 + u in double, as w_hi + w_lo in float (w > 0 is normal: >= 2^-53 or 0), log1p(u) =
  // log(w_hi) + w_lo/w_hi, exp_inline; w = +inf (beta < 0, z = -inf): 0
  ACTLAB_INLINE At at(const V& x, double rho) const {
    if constexpr (std::is_same_v<S, double>) {
      const V u = V(beta) * ((x - V(m)) - V(rho)), in = u > V(-1.0);
      const V e = (sel(in, u, zero<V>()).log1p() / V(beta_s)).exp();
      return {sel(in, e, sel(u != u, u, zero<V>())), V(1.0) + u, in};
    } else {
      const auto [a, b] = widen(x);
      const Vd vm(m), vr(rho), vb(beta), one(1.0);
      const Vd wa = fma(vb, (a - vm) - vr, one), wb = fma(vb, (b - vm) - vr, one);
      const V w = narrow(wa, wb);
      const auto [ha, hb] = widen(w);
      const V lo = narrow(wa - ha, wb - hb), in = w > zero<V>(), finite = w != V(kInf<float>);
      const V safe = sel(in & finite, w, V(1.0f));
      const V e = exp_inline((log_normal(safe) + lo / safe) / V(beta_s));
      return {sel(in, sel(finite, e, zero<V>()), sel(w != w, w, zero<V>())), w, in};
    }
  }
};

// Over the candidates c[0, n) at rho: sum p, the Newton slope sum s (Slope) and the count of u > -1
template <bool Slope, class S>
std::tuple<double, double, int64_t> sums(const Power<S>& pw, const S* c, int64_t n, double rho) {
  using V = Vectorized<S>;
  Lanes sp, ss;
  int64_t inside = 0;
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const auto a = pw.at(load<V>(c + i, k), rho);
    const V p = masked(a.p, k);
    sp.add(p, i);
    if constexpr (Slope) {
      ss.add(sel(p > zero<V>(), p / a.w, zero<V>()), i);
    } else {
      inside += __builtin_popcount(~a.inside.zero_mask() & ((1 << k) - 1));
    }
  });
  return {sp.sum(), Slope ? ss.sum() : 0.0, inside};
}

// Keeps the entries of c[0, n) (from src) with u(lo) > -1 and x != -inf, in order, in c; their count
template <class S>
int64_t gather(const Power<S>& pw, const S* src, S* c, int64_t n, double lo) {
  using V = Vectorized<S>;
  alignas(64) S lanes[V::size()];
  int64_t kept = 0;
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const V x = load<V>(src + i, k);
    int bits = ~(pw.at(x, lo).inside & (x != V(-kInf<S>))).zero_mask() & ((1 << k) - 1);
    if (bits == 0) return;
    x.store(lanes);
    for (; bits != 0; bits &= bits - 1) c[kept++] = lanes[__builtin_ctz(bits)];
  });
  return kept;
}

// One row x[0, n) -> y[0, n) with beta; c: n scratch entries
template <class S>
void forward_row(const S* x, S* y, int64_t n, S* c, double beta, int64_t n_iter, bool ensure_sum_one) {
  using V = Vectorized<S>;
  V mv(-kInf<S>);
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    mv = at::vec::maximum(mv, sel(lanes_below<V>(k), load<V>(x + i, k), V(-kInf<S>)));
  });
  const S ms = hmax(mv);
  if (std::isnan(ms) || ms == -kInf<S>) {
    std::fill(y, y + n, kNaN<S>);
    return;
  }
  const bool inf_row = ms == kInf<S>;  // z = 0 at the +inf entries, -inf elsewhere
  const Power<S> pw{inf_row ? 0.0 : static_cast<double>(ms), beta, static_cast<S>(beta)};
  int64_t count = 0;
  if (inf_row) {
    for (int64_t i = 0; i < n; ++i) {
      if (x[i] == kInf<S>) c[count++] = S(0);
    }
  } else {
    count = gather(pw, x, c, n, 0.0);
  }
  // the bracket's d: the entries that can carry mass (not -inf; the +inf ones of an inf row), so that -inf
  // entries (masks) change nothing, as the entmax package's tests require of a masked row
  int64_t d = count;
  if (!inf_row) {
    d = 0;
    for (int64_t i = 0; i < n; ++i) d += x[i] != -kInf<S>;
  }
  double width = -std::expm1(-beta * std::log(static_cast<double>(d))) / beta, lo = 0.0;
  for (int64_t it = 0; it < n_iter; ++it) {
    width = width / 2.0;
    const double mid = lo + width;
    const auto [sp, ss, inside] = sums<false>(pw, c, count, mid);
    if (sp - 1.0 >= 0.0) {
      lo = mid;
      if (4 * inside <= 3 * count) count = gather(pw, c, c, count, lo);  // the same entries as inside
    }
  }
  const double hi = lo + width;
  double rho = lo + width / 2.0;
  for (int step = 0; step < 2; ++step) {
    const auto [sp, ss, inside] = sums<true>(pw, c, count, rho);
    const double next = rho + (sp - 1.0) / ss;
    rho = std::isnan(next) ? next : std::min(std::max(next, lo), hi);  // torch.clamp: NaN stays
  }
  const S total = ensure_sum_one ? static_cast<S>(std::get<0>(sums<false>(pw, c, count, rho))) : S(1);
  const V scale(total);
  if (inf_row) {
    alignas(64) S top[V::size()];
    pw.at(zero<V>(), rho).p.store(top);
    const S value = ensure_sum_one ? top[0] / total : top[0];
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] == kInf<S> ? value : S(0);
    return;
  }
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    const V p = pw.at(load<V>(x + i, k), rho).p;
    store(ensure_sum_one ? p / scale : p, y + i, k);
  });
}

// ---- backward -------------------------------------------------------------------------------------
// psi's series (expm1(t) - t)/t^2 = sum_n t^n/(n + 2)!, n < 18, below |t| < 0.5 (the declaration's)
constexpr double kPsiCut = 0.5;
constexpr std::array<double, 18> psi_series() {
  std::array<double, 18> c{};
  unsigned long long f = 1;  // (n + 2)!, exact in double up to 19!
  for (int n = 0; n < 18; ++n) {
    f *= static_cast<unsigned long long>(n + 2);
    c[n] = 1.0 / static_cast<double>(f);
  }
  return c;
}
constexpr std::array<double, 18> kPsiSeries = psi_series();

template <class S>
struct PsiSeries {
  S c[18];
  constexpr PsiSeries() : c{} {
    for (int n = 0; n < 18; ++n) c[n] = static_cast<S>(kPsiSeries[n]);
  }
};

// gx of one row into gx (s on the way), galpha of the row returned
template <class S>
double backward_row(const S* y, const S* g, S* gx, int64_t n, double beta) {
  using V = Vectorized<S>;
  static constexpr PsiSeries<S> series;
  const V one(S(1)), minus_b(static_cast<S>(-beta)), one_minus_b(static_cast<S>(1.0 - beta));
  const V cut(static_cast<S>(kPsiCut));
  Lanes u, sg, p_, q_, h_, gy, gyl2psi, gyl, gylphi;
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {  // partial loads: y = g = 0, off S
    const V yv = load<V>(y + i, k), gv = load<V>(g + i, k);
    const V on = yv > zero<V>();
    const V ell = sel(on, yv, one).log();
    const V s = sel(on, (one_minus_b * ell).exp(), zero<V>());
    store(s, gx + i, k);
    const V t = minus_b * ell, em = t.expm1();
    const V t0 = t == zero<V>();
    const V phi = sel(t0, one, em / sel(t0, one, t));
    const V small = t.abs() < cut, w = sel(small, one, t);
    const V psi = sel(small, horner_unfused(sel(small, t, zero<V>()), series.c), (em - w) / (w * w));
    const V yl = sel(on, yv * ell, zero<V>()), ell2psi = ell * ell * psi;
    u.add(s, i);
    sg.add(s * gv, i);
    p_.add(yl * phi, i);
    q_.add(yl * ell * psi, i);
    h_.add(yl, i);
    const V gyo = gv * sel(on, yv, zero<V>());  // g y on S, g 0 off it (NaN for g NaN or inf, as g v)
    gy.add(gyo, i);
    gyl2psi.add(gyo * ell2psi, i);
    gyl.add(gyo * ell, i);
    gylphi.add(gyo * ell * phi, i);
  });
  const V c(static_cast<S>(sg.sum() / u.sum()));
  vectors<S>(n, [&](int64_t i, int64_t k) ACTLAB_INLINE_LAMBDA {
    store(load<V>(gx + i, k) * (load<V>(g + i, k) - c), gx + i, k);
  });
  const double p = p_.sum(), q = q_.sum(), h = h_.sum();
  return (q * gy.sum() - gyl2psi.sum() + p * gyl.sum() - h * gylphi.sum()) / (1.0 - beta * p);
}

// ---- the ops --------------------------------------------------------------------------------------
// x as Python's repr(float) writes it (the declaration's message): shortest round trip, exponent
// form below 1e-4 and from 1e16
std::string python_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') sign = "-", sci.erase(0, 1);
  const std::size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp10 = std::stoi(sci.substr(e + 1));
  const int point = exp10 + 1, nd = static_cast<int>(digits.size());  // x = 0.digits 10^point
  if (point <= -4 || point > 16) {
    std::string m = digits.substr(0, 1) + (nd > 1 ? "." + digits.substr(1) : "");
    const std::string ex = std::to_string(std::abs(exp10));
    return sign + m + "e" + (exp10 < 0 ? "-" : "+") + (ex.size() < 2 ? "0" : "") + ex;
  }
  if (point <= 0) return sign + "0." + std::string(-point, '0') + digits;
  if (point >= nd) return sign + digits + std::string(point - nd, '0') + ".0";
  return sign + digits.substr(0, point) + "." + digits.substr(point);
}

// The declaration's check_alpha: ParameterError unless every alpha is finite, > 0 and != 1
void check_alpha(const at::Tensor& alpha) {
  const at::Tensor a = alpha.to(at::kDouble).contiguous();
  const double* p = a.const_data_ptr<double>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (!std::isfinite(p[i]) || p[i] <= 0 || p[i] == 1) {
      raise_parameter_error("EntmaxBisect: alpha must be finite, > 0 and != 1 (alpha = 1 is softmax), got " +
                            python_repr(p[i]));
    }
  }
}

// x's shape with size 1 along dim
std::vector<int64_t> row_shape(const at::Tensor& x, int64_t dim) {
  std::vector<int64_t> s(x.sizes().begin(), x.sizes().end());
  s[dim] = 1;
  return s;
}

// The rows' alphas in the order of as_rows (alpha broadcast to x's shape with size 1 along dim)
std::vector<double> row_alphas(const at::Tensor& alpha, const at::Tensor& x, int64_t dim) {
  const std::vector<int64_t> rows = row_shape(x, dim);
  bool fits = alpha.dim() <= x.dim();
  for (int64_t i = 0; fits && i < alpha.dim(); ++i) {
    const int64_t a = alpha.size(alpha.dim() - 1 - i), r = rows[rows.size() - 1 - i];
    fits = a == 1 || a == r;
  }
  if (!fits) {
    raise_shape_error("entmax_bisect: alpha of shape " + c10::str(alpha.sizes()) + " must broadcast to " +
                      c10::str(at::IntArrayRef(rows)) + " (the input's shape with size 1 along dim)");
  }
  const at::Tensor a = alpha.to(at::kDouble).expand(rows).movedim(dim, -1).contiguous();
  return std::vector<double>(a.const_data_ptr<double>(), a.const_data_ptr<double>() + a.numel());
}

void check_input(const at::Tensor& x) {
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
}

}  // namespace

at::Tensor entmax_bisect(const at::Tensor& x, const at::Tensor& alpha, int64_t dim, int64_t n_iter,
                         bool ensure_sum_one) {
  check_input(x);
  check_alpha(alpha);
  if (x.numel() == 0) return x.clone();
  if (x.dim() == 0) return at::ones_like(x);
  dim = c10::maybe_wrap_dim(dim, x.dim());
  const std::vector<double> alphas = row_alphas(alpha, x, dim);
  return rows_op<1, 1>({&x}, {&x}, dim, [&](auto in, auto out, int64_t n, auto* scratch, int64_t r) {
    forward_row(in[0], out[0], n, scratch, alphas[r] - 1.0, n_iter, ensure_sum_one);
  })[0];
}

std::tuple<at::Tensor, at::Tensor> entmax_bisect_backward(const at::Tensor& g, const at::Tensor& alpha,
                                                          const at::Tensor& y, int64_t dim, int64_t, bool) {
  check_input(y);
  const int64_t d = y.dim() == 0 ? 0 : c10::maybe_wrap_dim(dim, y.dim());
  const at::Tensor y1 = y.dim() == 0 ? y.reshape({1}) : y;
  const std::vector<double> alphas = row_alphas(alpha, y1, d);
  const int64_t rows = y1.numel() == 0 ? 0 : y1.numel() / y1.size(d);
  std::vector<double> ga(rows, 0.0);
  const at::Tensor gc = g.to(y.scalar_type());
  at::Tensor gx = rows_op<2, 1, 0>({&y, &gc}, {&y}, d, [&](auto in, auto out, int64_t n, auto*, int64_t r) {
    ga[r] = backward_row(in[0], in[1], out[0], n, alphas[r] - 1.0);
  })[0];
  at::Tensor galpha;
  if (alpha.numel() == 1) {  // in row order
    double total = 0;
    for (double v : ga) total += v;
    galpha = at::full(alpha.sizes(), total, alpha.options().dtype(at::kDouble));
  } else {
    std::vector<int64_t> moved = row_shape(y1, d);  // the rows' shape with dim last, as as_rows
    moved.erase(moved.begin() + d);
    moved.push_back(1);
    at::Tensor per_row = at::empty({rows}, alpha.options().dtype(at::kDouble));
    std::copy(ga.begin(), ga.end(), per_row.mutable_data_ptr<double>());
    galpha = per_row.reshape(moved).movedim(-1, d).sum_to_size(alpha.sizes());
  }
  return {gx, galpha.to(alpha.scalar_type())};
}

}  // namespace actlab
