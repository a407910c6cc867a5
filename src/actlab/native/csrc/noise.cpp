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

#include <algorithm>
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

// u = (lowbias32(start + k) >> 8) / 2^24 for k < n: no branch, so the compiler vectorises it
template <class S>
void counter_uniforms(S* __restrict u, int64_t n, uint32_t start) {
  const S scale = S(1.0 / 16777216.0);
  for (int64_t k = 0; k < n; ++k) {
    u[k] = static_cast<S>(static_cast<int32_t>(lowbias32(start + static_cast<uint32_t>(k)) >> 8)) * scale;
  }
}

template <class S>
void counter_stream(const S* x, S* out, int64_t n, double lower, double upper, int64_t seed) {
  using V = Vectorized<S>;
  constexpr int64_t kChunk = 512;  // uniforms of a chunk in a stack buffer, then the select
  const S lo = static_cast<S>(lower), width = static_cast<S>(upper - lower);
  at::parallel_for(0, n, kGrain, [&](int64_t b, int64_t e) {
    alignas(64) S u[kChunk];
    for (int64_t c = b; c < e; c += kChunk) {
      const int64_t m = std::min(kChunk, e - c);
      counter_uniforms(u, m, static_cast<uint32_t>(c + seed));
      int64_t k = 0;
      for (; k + V::size() <= m; k += V::size()) {  // lo + (hi - lo) u: two roundings, as torch
        const V slope = V(lo) + V(width) * V::loadu(u + k);
        V::blendv(V(S(1)), slope, V::loadu(x + c + k) <= V(S(0))).store(out + c + k);
      }
      for (; k < m; ++k) {
        const S r = width * u[k];
        out[c + k] = x[c + k] <= S(0) ? lo + r : S(1);
      }
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
