// RReLU training noise (ops/random.py): a slope per element, U(lower, upper) where x <= 0 and 1
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
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/DistributionsHelper.h>

#include <mutex>

#include "kernels.h"
#include "loop.h"

namespace actlab {
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

template <class S>
void torch_stream(const S* x, S* out, int64_t n, double lower, double upper) {
  const double lo = static_cast<S>(lower), hi = static_cast<S>(upper);
  at::CPUGeneratorImpl* gen = at::check_generator<at::CPUGeneratorImpl>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  at::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int64_t i = 0; i < n; ++i) {
    if (x[i] <= S(0)) {
      const double u = uniform(gen);
      out[i] = static_cast<S>(u * (hi - lo) + lo);
    } else {
      out[i] = S(1);
    }
  }
}

inline uint32_t lowbias32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 16;
  return h;
}

template <class S>
void counter_stream(const S* x, S* out, int64_t n, double lower, double upper, int64_t seed) {
  const S lo = static_cast<S>(lower), width = static_cast<S>(upper - lower), scale = S(1.0 / 16777216.0);
  at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const S u = static_cast<S>(lowbias32(static_cast<uint32_t>(i + seed)) >> 8) * scale;
      const S r = width * u;  // two roundings, as lower + (upper - lower) * u in torch
      out[i] = x[i] <= S(0) ? lo + r : S(1);
    }
  });
}

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

}  // namespace

at::Tensor rrelu_noise(const at::Tensor& x, double lower, double upper) {
  return noise_of(x, [&](const auto* xp, auto* np, int64_t n) { torch_stream(xp, np, n, lower, upper); });
}

at::Tensor rrelu_noise_counter(const at::Tensor& x, double lower, double upper, int64_t seed) {
  return noise_of(x, [&](const auto* xp, auto* np, int64_t n) { counter_stream(xp, np, n, lower, upper, seed); });
}

}  // namespace actlab
