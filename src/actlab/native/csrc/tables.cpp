// The 16-bit lookup tables of tables.h: f(x) and f'(x) of every bfloat16/half bit pattern, looked up.
#include "tables.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "loop.h"

namespace actlab {
namespace {

// out[i] = round(table[bits(x[i])]) (g == nullptr) or round(g[i] * table[bits(x[i])])
template <class T>
void lookup_run(T* out, const T* g, const T* x, const float* table, int64_t n) {
  constexpr int64_t W = Vectorized<T>::size(), H = Vectorized<float>::size();
  const auto* bits = reinterpret_cast<const uint16_t*>(x);
  alignas(64) float buf[W];  // scalar loads: AVX2's gather was 1.8x slower here (AMD EPYC)
  for (int64_t i = 0; i < n; i += W) {
    const int64_t k = std::min(W, n - i);
    Vectorized<float> a, b;
#if defined(CPU_CAPABILITY_AVX512)
    if (k == W) {  // AVX-512's gather: 16 lanes a load (the scalar loads' vector reload stalls)
      const auto* p = reinterpret_cast<const __m256i*>(bits + i);
      a = _mm512_i32gather_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256(p)), table, 4);
      b = _mm512_i32gather_ps(_mm512_cvtepu16_epi32(_mm256_loadu_si256(p + 1)), table, 4);
    } else
#endif
    {
      if (k == W) {
        for (int64_t j = 0; j < W; ++j) buf[j] = table[bits[i + j]];
      } else {
        for (int64_t j = 0; j < W; ++j) buf[j] = j < k ? table[bits[i + j]] : 0.0f;
      }
      a = Vectorized<float>::loadu(buf);
      b = Vectorized<float>::loadu(buf + H);
    }
    if (g != nullptr) {
      const auto [g0, g1] = load_wide(g + i, k);
      a = g0 * a;
      b = g1 * b;
    }
    store_narrow(out + i, a, b, k);
  }
}

template <class T>
void lookup_all(const at::Tensor& out, const at::Tensor* g, const at::Tensor& x, const at::Tensor& table) {
  TORCH_CHECK(table.scalar_type() == at::kFloat && table.numel() == 65536 && table.is_contiguous(),
              "actlab: a table has 65536 float32 entries");
  T* po = static_cast<T*>(out.data_ptr());
  const T* pg = g != nullptr ? static_cast<const T*>(g->const_data_ptr()) : nullptr;
  const T* px = static_cast<const T*>(x.const_data_ptr());
  const float* pt = table.const_data_ptr<float>();
  at::parallel_for(0, out.numel(), kGrain, [&](int64_t b, int64_t e) {
    lookup_run<T>(po + b, pg != nullptr ? pg + b : nullptr, px + b, pt, e - b);
  });
}

std::atomic<int64_t> g_lookups{0};

void lookup_any(const at::Tensor& out, const at::Tensor* g, const at::Tensor& x, const at::Tensor& table) {
  ++g_lookups;
  if (out.scalar_type() == at::kBFloat16) {
    lookup_all<c10::BFloat16>(out, g, x, table);
  } else {
    TORCH_CHECK(out.scalar_type() == at::kHalf, "actlab: tables are for bfloat16/half");
    lookup_all<c10::Half>(out, g, x, table);
  }
}

}  // namespace

int64_t table_lookups() { return g_lookups.load(); }

at::Tensor all_half_values(at::ScalarType st) {
  at::Tensor xs = at::empty({65536}, at::TensorOptions().dtype(at::kFloat));
  float* p = xs.mutable_data_ptr<float>();
  for (int i = 0; i < 65536; ++i) {
    const auto b = static_cast<uint16_t>(i);
    p[i] = st == at::kBFloat16 ? static_cast<float>(c10::BFloat16(b, c10::BFloat16::from_bits()))
                               : static_cast<float>(c10::Half(b, c10::Half::from_bits()));
  }
  return xs;
}

void lookup(const at::Tensor& out, const at::Tensor& x, const at::Tensor& table) { lookup_any(out, nullptr, x, table); }

void lookup_times(const at::Tensor& out, const at::Tensor& g, const at::Tensor& x, const at::Tensor& table) {
  lookup_any(out, &g, x, table);
}

bool tabulable(std::initializer_list<const at::Tensor*> ts) { return half_dense(ts, kTableMin); }

}  // namespace actlab
