// The rectifier family (activations/rectifier.py): the elementwise kernels of Threshold, ReLU,
// ReLU6, LeakyReLU, RReLU (evaluation) and SquaredReLU (piecewise linear or quadratic: exact, one
// pass), SmeLU, NLReLU, ISRLU, RePU, ReLUN, BentIdentity; PReLU; RReLU's training noise; the learnable
// StarReLU, SMU, TLU.
#include <ATen/CPUGeneratorImpl.h>
#include <cmath>
#include <limits>
#include <ATen/Parallel.h>
#include <ATen/core/DistributionsHelper.h>

#include <algorithm>
#include <mutex>
#include <type_traits>

#include "act.h"
#include "gelu.h"
#include "isru.h"
#include "elementwise_impl.h"
#include "scaled.h"
#include "split_gate_impl.h"
#include "kernels.h"
#include "loop.h"
#include "parametric_impl.h"

namespace actlab {

// f = value if x <= threshold else x;  f' = [x > threshold] (1 at NaN, as torch)
template <class V>
struct Threshold : Piecewise<V> {
  V th, value;
  Threshold(double t, double v) : th(this->c(t)), value(this->c(v)) {}
  ACTLAB_INLINE V f(V x) const { return sel(x <= th, value, x); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= th, zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
};

// f = max(0, x);  f' = [x > 0] (f'(0) = 0), the same written with y
template <class V>
struct ReLU : Piecewise<V> {
  ACTLAB_INLINE V f(V x) const { return max0(x); }
  ACTLAB_INLINE V df(V x) const { return sel(x <= zero<V>(), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// f = min(max(0, x), 6);  f' = [0 < x < 6]
template <class V>
struct ReLU6 : Piecewise<V> {
  ACTLAB_INLINE V f(V x) const { return clamp(x, zero<V>(), V(6)); }
  ACTLAB_INLINE V df(V x) const { return sel((x <= zero<V>()) | (x >= V(6)), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// f = x if x > 0 else s x;  f' = 1 or s (f'(0) = s)
template <class V>
struct LeakySlope : Piecewise<V> {
  V s;
  explicit LeakySlope(double slope) : s(this->c(slope)) {}
  ACTLAB_INLINE V f(V x) const { return sel(x > zero<V>(), x, x * s); }
  ACTLAB_INLINE V df(V x) const { return sel(x > zero<V>(), V(1), s); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

template <class V>
struct LeakyReLU : LeakySlope<V> {
  explicit LeakyReLU(double slope) : LeakySlope<V>(slope) {}
};

// evaluation mode: LeakyReLU with slope (lower + upper) / 2
template <class V>
struct RReLU : LeakySlope<V> {
  RReLU(double lower, double upper) : LeakySlope<V>((lower + upper) / 2) {}
};

// f = max(0, x)^2;  f' = 2 max(0, x);  f'' = 2 [x > 0]
template <class V>
struct SquaredReLU : Cheap<V> {
  ACTLAB_INLINE V f(V x) const {
    const V r = max0(x);
    return r * r;
  }
  ACTLAB_INLINE V df(V x) const { return V(2) * max0(x); }
  ACTLAB_INLINE V d2f(V x) const { return sel(x > zero<V>(), V(2), zero<V>()); }
};

// SmeLU: 0 below -beta, (x + beta)^2 / (4 beta) on [-beta, beta], x above;  f' = (clamp(x) + beta) / (2 beta)
template <class V>
struct SmeLU : Cheap<V> {
  V beta, beta_lo, quarter, half, d2;
  explicit SmeLU(double b)
      : beta(this->c(b)), beta_lo(this->c(b - static_cast<double>(static_cast<Scalar<V>>(b)))),
        quarter(this->c(4.0 * b)), half(this->c(2.0 * b)), d2(this->c(0.5 / b)) {}
  // clamp(x, -beta, beta) + beta with beta = hi + lo (x + beta_hi is exact near -beta, where it cancels)
  ACTLAB_INLINE V inner(V x) const { return (clamp(x, beta.neg(), beta) + beta) + beta_lo; }
  ACTLAB_INLINE V f(V x) const {
    const V in = inner(x);
    return sel(x >= beta, x, (in * in) / quarter);
  }
  ACTLAB_INLINE V df(V x) const { return inner(x) / half; }
  ACTLAB_INLINE V d2f(V x) const { return sel(x.abs() <= beta, d2, zero<V>()); }
};

// NLReLU: log(1 + beta max(0, x));  f' = beta / (1 + beta x) for x > 0, else 0 (NaN stays);  f'' = -beta^2 / (1 + beta x)^2.
// float32 beyond x = 1e30 (where beta x may overflow): log x + log beta and 1/x (1 + beta x = beta x there)
template <class V>
struct NLReLU : Act<V> {
  V beta, beta2, log_beta;
  explicit NLReLU(double b) : beta(this->c(b)), beta2(this->c(b * b)), log_beta(this->c(std::log(b))) {}
  ACTLAB_INLINE V f(V x) const {
    const V near = (beta * max0(x)).log1p();
    if constexpr (is_float<V>) {
      const V big = x > V(1e30f);
      if (any(big)) return sel(big, x.log() + log_beta, near);
    }
    return near;
  }
  ACTLAB_INLINE V df(V x) const {
    V pos = beta / (V(1) + beta * max0(x));
    if constexpr (is_float<V>) {
      const V big = x > V(1e30f);
      if (any(big)) pos = sel(big, V(1) / x, pos);
    }
    return sel(x != x, x, sel(x > zero<V>(), pos, zero<V>()));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V d = V(1) + beta * max0(x);
    return sel(x > zero<V>(), beta2.neg() / (d * d), zero<V>());
  }
};

// ISRLU: x for x >= 0, ISRU below: x / s, s = hypot(1, sqrt(alpha) x);  f' = 1, 1/s^3;  f'' = 0, -3 alpha (x/s) / s^4
template <class V>
struct ISRLU : Act<V> {
  IsruRoot<V> r;
  explicit ISRLU(double a) : r(a) {}
  ACTLAB_INLINE V f(V x) const {
    const V xn = min0(x);
    return sel(x >= zero<V>(), x, r.x_over(xn, r.s(xn)));
  }
  ACTLAB_INLINE V df(V x) const {
    return sel(x != x, x, sel(x >= zero<V>(), V(1), r.inv_cube(min0(x))));
  }
  ACTLAB_INLINE V d2f(V x) const { return sel(x >= zero<V>(), zero<V>(), r.d2f(min0(x))); }
};

// RePU: max(0, x)^p;  f' = p max(0, x)^(p - 1) (0 for x <= 0, NaN stays);  f'' = p (p - 1) x^(p - 2) for x > 0.
// Integral exponents 0 to 4 (p = 2: ReQU) by products (as torch's pow of a tensor by 2 or 3; x^2 is exact
// then), others by Sleef's pow
template <class V>
struct RePU : Act<V> {
  V p, pm1, pm2, pp;
  int n0, n1, n2;  // the exponents p, p - 1, p - 2 when integral in [0, 4], else -1
  static int integral(double e) { return (e >= 0.0 && e <= 4.0 && e == std::floor(e)) ? static_cast<int>(e) : -1; }
  explicit RePU(double pv)
      : p(this->c(pv)), pm1(this->c(pv - 1.0)), pm2(this->c(pv - 2.0)), pp(this->c(pv * (pv - 1.0))),
        n0(integral(pv)), n1(integral(pv - 1.0)), n2(integral(pv - 2.0)) {}
  ACTLAB_INLINE static V power(const V& b, const V& e, int n) {
    if (n < 0) return b.pow(e);
    V r(1);
    for (int i = 0; i < n; ++i) r = r * b;
    return r;
  }
  ACTLAB_INLINE V f(V x) const { return power(max0(x), p, n0); }
  ACTLAB_INLINE V df(V x) const {
    const V y = sel(x <= zero<V>(), zero<V>(), p * power(max0(x), pm1, n1));
    return sel(x != x, x, y);
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V pos = x > zero<V>();
    return sel(pos, pp * power(sel(pos, x, V(1)), pm2, n2), zero<V>());
  }
};

// ReLUN: clamp(x, 0, n);  f' = [0 < x < n] (1 at NaN, as relu6);  with y: the same (y in (0, n) where x is)
template <class V>
struct ReLUN : Piecewise<V> {
  V n;
  explicit ReLUN(double nv) : n(this->c(nv)) {}
  ACTLAB_INLINE V f(V x) const { return clamp(x, zero<V>(), n); }
  ACTLAB_INLINE V df(V x) const { return sel((x <= zero<V>()) | (x >= n), zero<V>(), V(1)); }
  ACTLAB_INLINE V d2f(V) const { return zero<V>(); }
  ACTLAB_INLINE V df_y(V y) const { return df(y); }
  ACTLAB_INLINE V d2f_y(V) const { return zero<V>(); }
};

// BentIdentity: x + |x| t / 2, t = |x| / (s + 1), s = hypot(x, 1) (isru.h's hypot1; x at +-inf);  f' = 1 + x / 2s;  f'' = 1 / 2s^3
template <class V>
struct BentIdentity : Act<V> {
  ACTLAB_INLINE static V s(const V& x) { return hypot1(x); }
  ACTLAB_INLINE V f(V x) const {
    const V inf = x.abs() == V(INFINITY), fin = sel(inf, zero<V>(), x), a = fin.abs();
    return sel(inf, x, fin + (V(0.5) * a) * (a / (s(fin) + V(1))));
  }
  ACTLAB_INLINE V df(V x) const {
    const V inf = x.abs() == V(INFINITY);
    return V(1) + V(0.5) * sel(inf, sign(x), sel(inf, zero<V>(), x) / s(x));
  }
  ACTLAB_INLINE V d2f(V x) const {
    const V sv = s(x);
    return V(0.5) / ((sv * sv) * sv);
  }
};

template struct Elementwise<Threshold, double, double>;
template struct Elementwise<ReLU>;
template struct Elementwise<ReLU6>;
template struct Elementwise<LeakyReLU, double>;
template struct Elementwise<RReLU, double, double>;
template struct Elementwise<SquaredReLU>;
template struct Elementwise<SmeLU, double>;
template struct Elementwise<NLReLU, double>;
template struct Elementwise<ISRLU, double>;
template struct Elementwise<RePU, double>;
template struct Elementwise<ReLUN, double>;
template struct Elementwise<BentIdentity>;
template struct SplitGate<ReLU>;

// ==== PReLU =======================================================================================
// PReLU (activations/rectifier.py): y = x if x > 0 else w x, w one slope (0-d) or one per
// channel shaped (1, C, 1, ...) by the functional layer; backward (g or g w, sum of g x where
// x <= 0 to w's shape). bfloat16/half are computed in float32.
namespace {

bool reduced(const at::Tensor& t) { return t.scalar_type() == at::kBFloat16 || t.scalar_type() == at::kHalf; }

// The one slope of a 1-element weight, read in place on the CPU (item() is a dispatcher call)
double only_value(const at::Tensor& w) {
  if (w.device().is_cpu() && w.scalar_type() == at::kFloat) return *w.const_data_ptr<float>();
  if (w.device().is_cpu() && w.scalar_type() == at::kDouble) return *w.const_data_ptr<double>();
  return w.item<double>();
}

template <class V>
ACTLAB_INLINE V prelu_value(const V& x, const V& w) {
  return sel(x > zero<V>(), x, w * x);
}

}  // namespace

at::Tensor prelu(const at::Tensor& x, const at::Tensor& weight) {
  // bfloat16/half on their storage (two float vectors a load, computed in float32, rounded once):
  // a copy to float32 and back cost 4x torch's forward
  at::Tensor out = empty_like(x);
  if (weight.numel() == 1) {  // one slope: x alone goes through the driver (its flat path when dense)
    const double w = only_value(weight);
    const Vectorized<float> wf(static_cast<float>(w));
    const Vectorized<double> wd(w);
    const auto f32 = [&](const auto* const* in, auto* const* o, int64_t n) ACTLAB_INLINE_LAMBDA {
      map_1_1(in, o, n, [&](auto a) ACTLAB_INLINE_LAMBDA { return prelu_value(a, wf); });
    };
    const HalfBlocks half{f32, f32};
    run({out}, {x}, f32,
        [&](const double* const* in, double* const* o, int64_t n) {
          map_1_1(in, o, n, [&](auto a) ACTLAB_INLINE_LAMBDA { return prelu_value(a, wd); });
        },
        kGrain, &half);
    return out;
  }
  const auto both = [](const auto* const* in, auto* const* o, int64_t n) ACTLAB_INLINE_LAMBDA {
    map_2_1(in, o, n, [](auto a, auto w) ACTLAB_INLINE_LAMBDA { return prelu_value(a, w); });
  };
  const HalfBlocks half{both, both};
  run({out}, {x, weight.expand_as(x)}, both, both, kGrain, &half);
  return out;
}

std::tuple<at::Tensor, at::Tensor> prelu_backward(const at::Tensor& g, const at::Tensor& x, const at::Tensor& weight) {
  if (reduced(x)) {
    auto [gx, gw] = prelu_backward(g.to(at::kFloat), x.to(at::kFloat), weight.to(at::kFloat));
    return {gx.to(x.scalar_type()), gw.to(weight.scalar_type())};
  }
  at::Tensor gx = empty_like(x), gxw = empty_like(x);  // gxw: g x where x <= 0, summed to w below
  auto both = [](auto gv, auto xv, auto w) ACTLAB_INLINE_LAMBDA {
    using V = decltype(gv);
    const V pos = xv > zero<V>();
    return std::make_pair(sel(pos, gv, gv * w), sel(pos, zero<V>(), gv * xv));
  };
  run({gx, gxw}, {g, x, weight.expand_as(x)},
      [&](const float* const* in, float* const* o, int64_t n) { map_3_2(in, o, n, both); },
      [&](const double* const* in, double* const* o, int64_t n) { map_3_2(in, o, n, both); });
  return {gx, gxw.sum_to_size(weight.sizes())};
}

// Derivatives of <ggx, gx> + <ggw, gw> (PReLU.vjp2): d/dg = ggx (x > 0) or ggx w + ggw x,
// d/dx = 0 or ggw g, d/dw = the sum of ggx g where x <= 0
std::tuple<at::Tensor, at::Tensor, at::Tensor> prelu_double_backward(const at::Tensor& ggx, const at::Tensor& ggw,
                                                                     const at::Tensor& g, const at::Tensor& x,
                                                                     const at::Tensor& weight) {
  if (reduced(x)) {
    const auto f = [](const at::Tensor& t) { return t.to(at::kFloat); };
    auto [dg, dx, dw] = prelu_double_backward(f(ggx), f(ggw), f(g), f(x), f(weight));
    return {dg.to(g.scalar_type()), dx.to(x.scalar_type()), dw.to(weight.scalar_type())};
  }
  at::Tensor dg = empty_like(g), dx = empty_like(x), dwx = empty_like(x);  // dwx: summed to w below
  auto terms = [](auto a, auto b, auto gv, auto xv, auto w) ACTLAB_INLINE_LAMBDA {
    using V = decltype(a);
    const V pos = xv > zero<V>();
    return std::make_tuple(sel(pos, a, a * w + b * xv), sel(pos, zero<V>(), b * gv), sel(pos, zero<V>(), a * gv));
  };
  run({dg, dx, dwx}, {ggx, ggw.expand_as(x), g, x, weight.expand_as(x)},
      [&](const float* const* in, float* const* o, int64_t n) { map_5_3(in, o, n, terms); },
      [&](const double* const* in, double* const* o, int64_t n) { map_5_3(in, o, n, terms); });
  return {dg, dx, dwx.sum_to_size(weight.sizes())};
}

// ==== RReLU's training noise ======================================================================
// RReLU's training noise (ops/random.py): a slope per element, U(lower, upper) where x <= 0 and 1
// elsewhere, in the dtype promote(x.dtype, float32).
//
// rrelu_noise: torch's own stream, so a seed gives torch's very slopes (RReLU.noise): one
// float64 uniform k / 2^53 of the default CPU generator per x <= 0, in row-major order, under the
// generator's lock; slope = u (hi - lo) + lo in double with lo, hi the bounds rounded to the
// noise dtype, then rounded to it. Serial, as torch's kernel.
//
// rrelu_noise_counter: a counter-based hash of (element index + seed) (hash_noise: "lowbias32",
// odd 31-bit multipliers, the top 24 bits as u in [0, 1)); slope = lo + (hi - lo) u rounded as
// torch's ops do it (two roundings, no FMA). Parallel and vectorisable.
//
// rrelu_seed(): the counter stream's seed, drawn from the default generator as
// torch.randint(0, 2**31 - 1, ()) draws it, without building a tensor.
//
// rrelu_counter(x, ..., seed) = x * noise and rrelu_counter_backward(g, x, ..., seed) = g * noise:
// the counter stream's training step fused, the noise recomputed from (x, seed) instead of stored
// (the same slopes, the same one rounding of the product as x * rrelu_noise_counter(x, ...)).
namespace {

at::ScalarType noise_dtype(const at::Tensor& x) {
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "actlab: expected a floating-point tensor, got ", x.scalar_type());
  return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// x's values as the noise dtype, contiguous (row-major order is the draw order)
at::Tensor contiguous_as(const at::Tensor& x, at::ScalarType dtype) { return x.to(dtype).contiguous(); }

// the noise in x's layout (dtype: the noise dtype)
at::Tensor like_input(const at::Tensor& x, const at::Tensor& noise) {
  if (x.is_contiguous()) return noise;
  at::Tensor out = empty_like(x, noise.scalar_type());
  out.copy_(noise);
  return out;
}

// The default generator's 64-bit draws (CPUGeneratorImpl::random64: two 32-bit outputs of its
// mt19937, the first as the high half) from a copy of its engine, inlined: the generator's own
// random64 is a call into libtorch per draw.
struct EngineDraws {
  at::mt19937 engine;
  uint64_t random64() {
    const uint64_t hi = engine();
    return (hi << 32) | engine();
  }
};

template <class S>
void torch_stream(const S* x, S* out, int64_t n, double lower, double upper) {
  const double lo = static_cast<S>(lower), hi = static_cast<S>(upper);
  at::CPUGeneratorImpl* gen = at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  EngineDraws draws{gen->engine()};
  at::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] <= S(0)) {
      const double u = uniform(&draws);
      out[i] = static_cast<S>(u * (hi - lo) + lo);
    } else {
      out[i] = S(1);
    }
  }
  gen->set_engine(draws.engine);  // the generator advanced by as many draws
}

inline uint32_t lowbias32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 16;
  return h;
}

// u = (lowbias32(start + k) >> 8) / 2^24 for k < n: no branch and a 32-bit counter, so the
// compiler vectorises it
template <class S>
void counter_uniforms(S* __restrict u, int64_t n, uint32_t start) {
  const S scale = S(1.0 / 16777216.0);
  const auto m = static_cast<uint32_t>(n);
  for (uint32_t k = 0; k < m; ++k) u[k] = static_cast<S>(static_cast<int32_t>(lowbias32(start + k) >> 8)) * scale;
}

#if defined(CPU_CAPABILITY_AVX512)
// The float uniforms of counters start, start + 1, ... (one vector) in registers: counter_uniforms
// lane by lane
inline Vectorized<float> lane_uniforms(uint32_t start) {
  __m512i h = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(start)),
                               _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  h = _mm512_mullo_epi32(_mm512_xor_si512(h, _mm512_srli_epi32(h, 16)), _mm512_set1_epi32(0x7FEB352D));
  h = _mm512_mullo_epi32(_mm512_xor_si512(h, _mm512_srli_epi32(h, 15)), _mm512_set1_epi32(0x2C1B3C6D));
  h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(h, 8)), _mm512_set1_ps(1.0f / 16777216.0f));
}
#define ACTLAB_LANE_UNIFORMS 1
#elif defined(CPU_CAPABILITY_AVX2)
inline Vectorized<float> lane_uniforms(uint32_t start) {
  __m256i h = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(start)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  h = _mm256_mullo_epi32(_mm256_xor_si256(h, _mm256_srli_epi32(h, 16)), _mm256_set1_epi32(0x7FEB352D));
  h = _mm256_mullo_epi32(_mm256_xor_si256(h, _mm256_srli_epi32(h, 15)), _mm256_set1_epi32(0x2C1B3C6D));
  h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(h, 8)), _mm256_set1_ps(1.0f / 16777216.0f));
}
#define ACTLAB_LANE_UNIFORMS 1
#endif

// The counter stream's slopes of elements [0, n): body(c, m, slope, slope1) for a run of m
// elements at c, slope(k) the vector of slopes lo + (hi - lo) u of elements c + k... and slope1(k)
// the one of element c + k (two roundings, as torch's ops). float on AVX2/AVX-512 hashes in
// registers (lane_uniforms); otherwise a chunk's uniforms go through a stack buffer.
template <class S, class Body>
void for_counter_slopes(int64_t n, double lower, double upper, int64_t seed, const Body& body) {
  using V = Vectorized<S>;
  const S lo = static_cast<S>(lower), width = static_cast<S>(upper - lower);
#ifdef ACTLAB_LANE_UNIFORMS
  if constexpr (std::is_same_v<S, float>) {
    at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
      const auto start = static_cast<uint32_t>(b + seed);
      body(b, e - b, [&](int64_t k) { return V(lo) + V(width) * lane_uniforms(start + static_cast<uint32_t>(k)); },
           [&](int64_t k) {
             float u;
             counter_uniforms(&u, 1, start + static_cast<uint32_t>(k));
             return lo + width * u;
           });
    });
    return;
  }
#endif
  constexpr int64_t kChunk = 512;
  at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    alignas(64) S u[kChunk];
    for (int64_t c = b; c < e; c += kChunk) {
      const int64_t m = std::min(kChunk, e - c);
      counter_uniforms(u, m, static_cast<uint32_t>(c + seed));
      body(c, m, [&](int64_t k) { return V(lo) + V(width) * V::loadu(u + k); },
           [&](int64_t k) { return lo + width * u[k]; });
    }
  });
}

// out = slope where x <= 0, else 1
template <class S>
void counter_stream(const S* x, S* out, int64_t n, double lower, double upper, int64_t seed) {
  using V = Vectorized<S>;
  for_counter_slopes<S>(n, lower, upper, seed, [&](int64_t c, int64_t m, const auto& slope, const auto& slope1) {
    const S* xc = x + c;
    S* oc = out + c;
    int64_t k = 0;
    for (; k + V::size() <= m; k += V::size()) V::blendv(V(S(1)), slope(k), V::loadu(xc + k) <= V(S(0))).store(oc + k);
    for (; k < m; ++k) oc[k] = xc[k] <= S(0) ? slope1(k) : S(1);
  });
}

// out = v * slope where x <= 0, else v (= v * 1)
template <class S>
void counter_scale(const S* x, const S* v, S* out, int64_t n, double lower, double upper, int64_t seed) {
  using V = Vectorized<S>;
  for_counter_slopes<S>(n, lower, upper, seed, [&](int64_t c, int64_t m, const auto& slope, const auto& slope1) {
    const S *xc = x + c, *vc = v + c;
    S* oc = out + c;
    int64_t k = 0;
    for (; k + V::size() <= m; k += V::size()) {
      const V vk = V::loadu(vc + k);
      V::blendv(vk, vk * slope(k), V::loadu(xc + k) <= V(S(0))).store(oc + k);
    }
    for (; k < m; ++k) oc[k] = xc[k] <= S(0) ? vc[k] * slope1(k) : vc[k];
  });
}

// fill(x values, out, n) over x as a row-major copy in the noise dtype (the draw order); the
// result in x's layout
template <class Fn>
at::Tensor noise_of(const at::Tensor& x, Fn fill) {
  const at::ScalarType dt = noise_dtype(x);
  const at::Tensor xc = contiguous_as(x, dt);
  at::Tensor noise = empty_like(xc);
  if (xc.numel() > 0) {
    if (dt == at::kDouble) {
      fill(xc.const_data_ptr<double>(), noise.mutable_data_ptr<double>(), xc.numel());
    } else {
      fill(xc.const_data_ptr<float>(), noise.mutable_data_ptr<float>(), xc.numel());
    }
  }
  return like_input(x, noise);
}

// v * noise(x), computed in the noise dtype on row-major copies (noise_of's), rounded once to v's
// dtype; in x's layout
at::Tensor scaled_by_counter_noise(const at::Tensor& v, const at::Tensor& x, double lower, double upper,
                                   int64_t seed) {
  TORCH_CHECK(v.sizes() == x.sizes(), "actlab: rrelu_counter: shapes ", v.sizes(), " and ", x.sizes(), " differ");
  const at::Tensor vc = contiguous_as(v, noise_dtype(x));
  const at::Tensor out = noise_of(x, [&](const auto* xp, auto* yp, int64_t n) {
    using S = std::remove_pointer_t<decltype(yp)>;
    counter_scale(xp, vc.const_data_ptr<S>(), yp, n, lower, upper, seed);
  });
  return out.scalar_type() == v.scalar_type() ? out : out.to(v.scalar_type());
}

}  // namespace

at::Tensor rrelu_noise(const at::Tensor& x, double lower, double upper) {
  return noise_of(x, [&](const auto* xp, auto* np, int64_t n) { torch_stream(xp, np, n, lower, upper); });
}

at::Tensor rrelu_noise_counter(const at::Tensor& x, double lower, double upper, int64_t seed) {
  return noise_of(x, [&](const auto* xp, auto* np, int64_t n) { counter_stream(xp, np, n, lower, upper, seed); });
}

int64_t rrelu_seed() {
  at::CPUGeneratorImpl* gen = at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  // torch.randint's own distribution (its draw width depends on the torch version)
  const at::uniform_int_from_to_distribution<int64_t> randint((uint64_t{1} << 31) - 1, 0);
  return randint(gen);
}

at::Tensor rrelu_counter(const at::Tensor& x, double lower, double upper, int64_t seed) {
  return scaled_by_counter_noise(x, x, lower, upper, seed);
}

at::Tensor rrelu_counter_backward(const at::Tensor& g, const at::Tensor& x, double lower, double upper, int64_t seed) {
  return scaled_by_counter_noise(g, x, lower, upper, seed);
}

// GammaAct's kernels for timm's names of this family (scaled.h)
ACTLAB_SCALED(ReLU)
ACTLAB_SCALED(ReLU6)
ACTLAB_SCALED(LeakyReLU, 0.01)

// ==== learnable (kinds.Parametric) kernels: parametric_impl.h =====================================
// StarReLU: s r^2 + b, r = max(x, 0); df/dx = 2 s r, df/ds = r^2, df/db = 1. float32: s r^2 + b in
// double-float (r^2 and s r^2 as hi + lo by FMA, + b by TwoSum), rounded once: the declaration's
// float64 value where it crosses 0 (b < 0). The gradients in the declaration's order of roundings.
template <class V>
struct StarReLU : Act<V> {
  static constexpr std::size_t K = 2;
  V s, b;
  explicit StarReLU(const V* w) : s(w[0]), b(w[1]) {}
  ACTLAB_INLINE V f(V x) const {
    const V r = max0(x), r2 = r * r, p = s * r2;
    if constexpr (is_float<V>) {
      const V r2l = fma(r, r, r2.neg()), pl = fma(s, r2, p.neg()) + s * r2l;
      const V sum = p + b, bb = sum - p, err = (p - (sum - bb)) + (b - bb);
      return sel(p.abs() < V(std::numeric_limits<float>::infinity()), sum + (err + pl), sum);
    } else {
      return p + b;
    }
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V r = max0(x);
    gw[0] = g * (r * r);
    gw[1] = g;
    return ((V(Scalar<V>(2)) * g) * s) * r;
  }
  // f_xx = 2s [x > 0], f_xs = 2r, f_ss = f_sb = f_bb = f_xb = 0
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const V r = max0(x), two(Scalar<V>(2)), step = sel(x > zero<V>(), V(Scalar<V>(1)), zero<V>());
    dg = ((two * tx) * s) * r + tw[0] * (r * r) + tw[1];
    gw[0] = ((two * g) * tx) * r;
    gw[1] = zero<V>();
    return (two * g) * ((tx * s) * step + tw[0] * r);
  }
};
template struct ParametricOps<StarReLU, std::make_index_sequence<2>>;

// SMU (rectifier.py's _smu): f = x (k + h erf(v)), v = mu c x; df/dx = k + h erf(v) + h v G,
// df/dmu = h c x^2 G, G = 2/sqrt(pi) e^{-v^2} (0 where |v| > 40, x and v then 0 in its products).
// float32 by gelu.h's Mills ratio, s = sqrt(2) |v|: erfc|v| = 2 E R(s), E = e^{-v^2} (v^2 as hi + lo),
// so k + h erf(v) = 1 - 2h E R (v >= 0) or (k - h) + 2h E R, and df/dx = 1 - 2h E N resp. (k - h) + 2h E N,
// N = R - s/sqrt(2 pi) = (q - s den/sqrt(2 pi))/den: no erf, one exponential and one division for both
// (k - h = 1/4 bounds what the tail's error can show); |v| clamped at 9 (E normal; erfc 9 < 1e-36)
template <class V>
struct SMU : Act<V> {
  static constexpr std::size_t K = 1;
  using S = Scalar<V>;
  static constexpr double kK = 0.625, kH = 0.375, kC = 0.75, kTwoOverSqrtPi = 1.1283791670955126;
  V mu, mu_c;
  explicit SMU(const V* w) : mu(w[0]), mu_c(w[0] * V(S(kC))) {}
  // E = e^{-t^2} (t = min(|v|, 9)), and the Mills pieces at s = sqrt(2) t
  struct Parts {
    V e, mills_q, mills_den, s;
  };
  static ACTLAB_INLINE Parts parts(const V& v) {
    const V t = at::vec::clamp_max(v.abs(), V(9.0f)), tt = t * t, tl = fma(t, t, tt.neg());
    const V e0 = exp_nonpos_normal(tt.neg()), s = t * V(1.41421356f);
    const Mills m = mills(s);
    return {fma(e0, tl.neg(), e0), m.q, m.den, s};
  }
  ACTLAB_INLINE V f(V x) const {
    if constexpr (is_float<V>) {
      const V v = mu_c * x;
      const Parts p = parts(v);
      const V tail = (V(S(2 * kH)) * p.e) * (p.mills_q / p.mills_den);  // 2h erfc|v| / 2
      return x * sel(v >= zero<V>(), V(1.0f) - tail, V(S(kK - kH)) + tail);
    } else {
      return x * (V(S(kK)) + V(S(kH)) * (mu_c * x).erf());
    }
  }
  // df/dx, df/dmu, G (0 where |v| > 40) and the x, v of G's products (0 there)
  struct First {
    V fx, fw, gauss, xs, vs;
  };
  ACTLAB_INLINE First first(const V& x) const {
    const V v = mu_c * x, big = v.abs() > V(S(40)), vs = sel(big, zero<V>(), v), xs = sel(big, zero<V>(), x);
    if constexpr (is_float<V>) {
      const Parts p = parts(v);
      const V sden = p.s * p.mills_den;
      const V num = fma(kInvSqrt2PiHi.neg(), sden, p.mills_q) - kInvSqrt2PiLo * sden;
      const V tail = (V(S(2 * kH)) * p.e) * (num / p.mills_den);
      V gauss = V(S(kTwoOverSqrtPi)) * p.e;
      const V far = (v.abs() > V(9.0f)) & ~big;  // e^{-v^2} below E's clamp: into the subnormals
      if (any(far)) {
        const V v2 = vs * vs;
        gauss = sel(far, mul_exp_nonpos(V(S(kTwoOverSqrtPi)), v2.neg(), fma(vs, vs, v2.neg()).neg()), gauss);
      }
      gauss = sel(big, zero<V>(), gauss);
      return {sel(v >= zero<V>(), V(1.0f) - tail, V(S(kK - kH)) + tail), ((V(S(kH * kC)) * xs) * xs) * gauss, gauss,
              xs, vs};
    } else {
      const V gauss = sel(big, zero<V>(), V(S(kTwoOverSqrtPi)) * (vs * vs).neg().exp());
      return {(V(S(kK)) + V(S(kH)) * v.erf()) + (V(S(kH)) * vs) * gauss, ((V(S(kH * kC)) * xs) * xs) * gauss, gauss,
              xs, vs};
    }
  }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const First p = first(x);
    gw[0] = g * p.fw;
    return g * p.fx;
  }
  // f_xx = 2hc mu G (1 - v^2), f_xmu = 2hc x G (1 - v^2), f_mumu = -2hc^2 x^3 v G, in the
  // declaration's order (float32: 1 - v^2 and G of v as hi + lo)
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    const First p = first(x);
    V lin, gauss = p.gauss;
    if constexpr (is_float<V>) {
      // v = mu c x as hi + lo (mu c and its product with x by FMA residuals): 1 - v^2 cancels at |v| = 1
      const V vl = fma(mu_c, p.xs, p.vs.neg()) + fma(mu, V(S(kC)), mu_c.neg()) * p.xs, v2l = (V(2.0f) * p.vs) * vl;
      lin = fma(p.vs.neg(), p.vs, V(1.0f)) - v2l;
      gauss = fma(gauss, v2l.neg(), gauss);  // e^{-v^2} e^{-2 v vl}
    } else {
      lin = V(1.0) - p.vs * p.vs;
    }
    const V fxx = ((V(S(2 * kH * kC)) * mu) * gauss) * lin;
    const V fxw = ((V(S(2 * kH * kC)) * p.xs) * gauss) * lin;
    const V fww = ((((V(S(-2 * kH * kC * kC)) * p.xs) * p.xs) * p.xs) * p.vs) * gauss;
    dg = tx * p.fx + tw[0] * p.fw;
    gw[0] = g * (tx * fxw + tw[0] * fww);
    return g * (tx * fxx + tw[0] * fxw);
  }
};
template struct ParametricOps<SMU, std::make_index_sequence<1>>;

// TLU: max(x, tau) (NaN propagates); df/dx = [x > tau], df/dtau = [x < tau], 1/2 each at x = tau
// (torch.maximum's subgradient), NaN for NaN x
template <class V>
struct TLU : Act<V> {
  static constexpr std::size_t K = 1;
  using S = Scalar<V>;
  V tau;
  explicit TLU(const V* w) : tau(w[0]) {}
  ACTLAB_INLINE V f(V x) const { return at::vec::maximum(x, tau); }
  ACTLAB_INLINE V vjp(V g, V x, V* gw) const {
    const V one(S(1)), tie = sel(x == tau, V(S(0.5)), zero<V>()), nan = x.isnan();
    gw[0] = g * sel(nan, x, sel(x < tau, one, zero<V>()) + tie);
    return g * sel(nan, x, sel(x > tau, one, zero<V>()) + tie);
  }
  // f_xx = f_xtau = f_tautau = 0 (the declaration's zero tensors: NaN only from g or the tangent)
  ACTLAB_INLINE V vjp2(V g, V x, V tx, const V* tw, V& dg, V* gw) const {
    V fw;
    const V fx = vjp(V(S(1)), x, &fw), z = zero<V>(), tz = tw[0] * z;
    dg = tx * fx + tw[0] * fw;
    gw[0] = g * (tx * z + tz);
    return g * (tx * z + tz);
  }
};
template struct ParametricOps<TLU, std::make_index_sequence<1>>;

}  // namespace actlab
